package dev.nixfront.infra;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;
import software.constructs.IConstruct;
import software.constructs.MetadataEntry;

/**
 * The deployments the tests judge, each synthesized once per test JVM (a synth costs seconds):
 * {@link #standard()} is what {@code cdk deploy} gives with no options, in eu-west-1; {@link #full()}
 * turns every option on, in us-east-1. Both run cdk-nag's AwsSolutions pack, and both use the real
 * build artifacts and the feature flags of the repository's {@code cdk.json}.
 */
final class Deployments {
    static final String ACCOUNT = "123456789012";
    static final String DOMAIN = "cache.example.org";
    static final String CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-1111-2222-3333-444444444444";
    static final int FULL_STAGING_EXPIRATION_DAYS = 3;
    static final int FULL_EGRESS_BUDGET_USD = 250;

    /** A synthesized deployment and the templates of its stacks. */
    record Synthesized(NixfrontApp.Stacks stacks, Template main, Template webAcl, Template edgeMonitoring) {
    }

    private static Synthesized standard;
    private static Synthesized full;

    private Deployments() {
    }

    static Path functionsJar() {
        return Path.of(System.getProperty("nixfront.functions.jar", "../functions/target/nixfront-functions.jar"));
    }

    static Path layerZip() {
        return Path.of(System.getProperty("nixfront.layer.zip", "../layers/lambda-layer/target/nixfront-layer.zip"));
    }

    /** Defaults, main stack in eu-west-1 (so the CloudFront alarm gets its us-east-1 stack). */
    static synchronized Synthesized standard() {
        if (standard == null) {
            standard = synthesize(config("eu-west-1").build());
        }
        return standard;
    }

    /** Everything on: us-east-1, web ACL, custom domain, destroy on delete, 3 s 404 caching, 3-day staging expiry, egress budget. */
    static synchronized Synthesized full() {
        if (full == null) {
            full = synthesize(config("us-east-1")
                    .webAcl(true)
                    .customDomain(DOMAIN, CERTIFICATE)
                    .removalPolicy(RemovalPolicy.DESTROY)
                    .notFoundTtl(Duration.seconds(3))
                    .stagingExpirationDays(FULL_STAGING_EXPIRATION_DAYS)
                    .alarmEmail("ops@example.org")
                    .egressBudgetUsd(FULL_EGRESS_BUDGET_USD)
                    .build());
        }
        return full;
    }

    static DeploymentConfig.Builder config(String region) {
        return DeploymentConfig.builder(region, ACCOUNT, functionsJar(), layerZip()).nag(true);
    }

    static Synthesized synthesize(DeploymentConfig config) {
        App app = new App(AppProps.builder().context(Json.cdkJsonContext()).build());
        NixfrontApp.Stacks stacks = NixfrontApp.assemble(app, config);
        return new Synthesized(stacks,
                Template.fromStack(stacks.main()),
                stacks.webAcl() == null ? null : Template.fromStack(stacks.webAcl()),
                stacks.edgeMonitoring() == null ? null : Template.fromStack(stacks.edgeMonitoring()));
    }

    /**
     * cdk-nag errors and warnings not suppressed, in every stack of the deployment: the annotations
     * its aspect left on the constructs during synthesis.
     */
    static List<String> nagFindings(Synthesized deployment) {
        List<String> findings = new ArrayList<>();
        List<Stack> stacks = new ArrayList<>(List.of(deployment.stacks().main()));
        Optional.ofNullable(deployment.stacks().webAcl()).ifPresent(stacks::add);
        Optional.ofNullable(deployment.stacks().edgeMonitoring()).ifPresent(stacks::add);
        for (Stack stack : stacks) {
            for (IConstruct construct : stack.getNode().findAll()) {
                for (MetadataEntry entry : construct.getNode().getMetadata()) {
                    boolean problem = entry.getType().equals("aws:cdk:error") || entry.getType().equals("aws:cdk:warning");
                    if (problem && String.valueOf(entry.getData()).startsWith("AwsSolutions-")) {
                        findings.add(construct.getNode().getPath() + " " + entry.getType() + ": " + entry.getData());
                    }
                }
            }
        }
        return findings;
    }

    static Map<String, Object> json(Template template) {
        return Json.map(template.toJSON());
    }
}
