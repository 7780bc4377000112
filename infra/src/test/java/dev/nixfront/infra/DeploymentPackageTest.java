package dev.nixfront.infra;

import static dev.nixfront.infra.Json.properties;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lambda runs each handler with the functions jar plus {@code /opt/java/lib/*.jar} of the layer on
 * the classpath. This rebuilds that classpath from the built artifacts (and nothing of the test's own)
 * and links every handler the stack names: a class missing from the layer fails here, not at the
 * first request in AWS.
 */
class DeploymentPackageTest {
    @TempDir
    Path opt;

    @Test
    void everyHandlerTheStackNamesLinksAgainstTheLayerAlone() throws Exception {
        try (URLClassLoader lambda = lambdaClassLoader()) {
            for (String handler : handlers()) {
                String className = handler.substring(0, handler.indexOf("::"));
                String methodName = handler.substring(handler.indexOf("::") + 2);
                // Not initialised: a static initialiser may read the Lambda environment.
                Class<?> type = Class.forName(className, false, lambda);
                // Resolving the members links every type in their signatures.
                assertThat(Arrays.stream(type.getMethods()).map(Method::getName)).as(handler).contains(methodName);
                Arrays.stream(type.getDeclaredMethods()).forEach(Method::getGenericParameterTypes);
                Arrays.stream(type.getDeclaredFields()).forEach(Field::getGenericType);
                assertThat(type.getDeclaredConstructors()).as(handler).isNotEmpty();
            }
        }
    }

    /**
     * The handlers dispatch on the route table the deployed package carries ({@code ApiRoute} in the
     * layer's API jar): the API must route exactly its keys, each to the function it names.
     */
    @Test
    void theApiRoutesExactlyTheRoutesTheDeployedPackageDeclares() throws Exception {
        Deployments.Synthesized standard = Deployments.standard();
        Map<String, String> served = new TreeMap<>();
        try (URLClassLoader lambda = lambdaClassLoader()) {
            Class<?> table = Class.forName("dev.nixfront.api.ApiRoute", true, lambda);
            Method routeKey = table.getMethod("routeKey");
            Method function = table.getMethod("function");
            for (Object route : table.getEnumConstants()) {
                Object fn = function.invoke(route);
                served.put((String) routeKey.invoke(route), (String) fn.getClass().getMethod("id").invoke(fn));
            }
        }
        Map<String, String> routed = new TreeMap<>();
        Map<String, Object> template = Deployments.json(standard.main());
        Map<String, Map<String, Object>> integrations = resources(template, "AWS::ApiGatewayV2::Integration");
        resources(template, "AWS::ApiGatewayV2::Route").values().forEach(route -> {
            String integration = Json.render(properties(route).get("Target")).replaceAll("integrations/<(.*)>", "$1");
            String alias = Json.render(properties(integrations.get(integration)).get("IntegrationUri"));
            for (NixfrontFunction fn : standard.stacks().main().functions().all()) {
                if (alias.equals("<" + Nag.logicalId(fn.alias()) + ">")) {
                    routed.put((String) properties(route).get("RouteKey"), fn.getNode().getId());
                }
            }
        });
        assertThat(served).as("routes the package declares").isNotEmpty();
        assertThat(routed).isEqualTo(served);
    }

    private static List<String> handlers() {
        List<String> handlers = resources(Deployments.json(Deployments.standard().main()), "AWS::Lambda::Function").values().stream()
                .map(fn -> (String) properties(fn).get("Handler"))
                .sorted()
                .toList();
        assertThat(handlers).hasSize(6);
        return handlers;
    }

    /** The functions jar and the layer's jars, and nothing of this test's classpath. */
    private URLClassLoader lambdaClassLoader() throws IOException {
        List<URL> classpath = new ArrayList<>();
        classpath.add(Deployments.functionsJar().toUri().toURL());
        try (ZipFile layer = new ZipFile(Deployments.layerZip().toFile())) {
            for (ZipEntry entry : Collections.list(layer.entries())) {
                if (entry.getName().endsWith(".jar")) {
                    Path jar = opt.resolve(entry.getName());
                    Files.createDirectories(jar.getParent());
                    try (InputStream in = layer.getInputStream(entry)) {
                        Files.copy(in, jar);
                    }
                    classpath.add(jar.toUri().toURL());
                }
            }
        }
        return new URLClassLoader(classpath.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }
}
