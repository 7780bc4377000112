package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.RemovalPolicy;

/**
 * Two syntheses of one deployment give the same templates, byte for byte (as JSON text, so the order
 * of keys and of list items counts too): otherwise every {@code cdk deploy} changes something, e.g.
 * reorders CloudFront's behaviours and updates the distribution. Nothing is ignored.
 *
 * <p>Two {@code App}s in one JVM share its hash seed, and a {@code Map.of} iterates in an order that
 * changes only from JVM to JVM; so the deployment is also synthesized in a second JVM, and the order
 * of the behaviours, which CloudFront evaluates in turn, is pinned explicitly.
 */
class DeterministicSynthTest {

    /** Every stack there is: a web ACL, and the main stack outside us-east-1 (so edge monitoring too). */
    static DeploymentConfig config() {
        return DeploymentConfig.builder("eu-west-1", Deployments.ACCOUNT,
                        Deployments.functionsJar().toAbsolutePath(), Deployments.layerZip().toAbsolutePath())
                .webAcl(true)
                .customDomain(Deployments.DOMAIN, Deployments.CERTIFICATE)
                .removalPolicy(RemovalPolicy.DESTROY)
                .alarmEmail("ops@example.org")
                .build();
    }

    /** The templates of every stack, by stack name, as JSON text. */
    static String synthesize() throws IOException {
        Deployments.Synthesized d = Deployments.synthesize(config());
        Map<String, Object> templates = new LinkedHashMap<>();
        templates.put("main", d.main().toJSON());
        templates.put("webAcl", d.webAcl().toJSON());
        templates.put("edgeMonitoring", d.edgeMonitoring().toJSON());
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(templates);
    }

    /** Run by the second JVM: writes the templates to the file {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Files.writeString(Path.of(args[0]), synthesize(), StandardCharsets.UTF_8);
        System.exit(0);
    }

    @Test
    void twoSynthesesGiveIdenticalTemplatesInOneJvmAndAcrossJvms(@TempDir Path dir) throws Exception {
        Path other = dir.resolve("templates.json");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        for (String property : List.of("nixfront.repo.root", "nixfront.functions.jar", "nixfront.layer.zip")) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.addAll(List.of(DeterministicSynthTest.class.getName(), other.toString()));
        Process secondJvm = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();

        String first = synthesize();
        String second = synthesize();
        assertThat(second).as("a second App in the same JVM").isEqualTo(first);

        assertThat(secondJvm.waitFor(5, TimeUnit.MINUTES)).as("second JVM finished").isTrue();
        assertThat(secondJvm.exitValue()).as(Files.readString(dir.resolve("stderr.txt"))).isZero();
        assertThat(Files.readString(other)).as("another JVM").isEqualTo(first);
    }

    @Test
    void cloudFrontTriesTheBehavioursInAFixedOrder() {
        Map<String, Object> main = Deployments.json(Deployments.standard().main());
        Object config = at(resources(main, "AWS::CloudFront::Distribution").values().iterator().next(),
                "Properties", "DistributionConfig");
        assertThat(list(at(config, "CacheBehaviors")).stream().map(b -> map(b).get("PathPattern")))
                .containsExactly(ReadPath.NAR_PATTERN, ReadPath.NARINFO_PATTERN, ReadPath.CACHE_INFO_PATTERN);
    }
}
