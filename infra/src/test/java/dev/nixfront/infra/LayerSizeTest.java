package dev.nixfront.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** The deployment package limits Lambda enforces, checked on the artifacts the build produced. */
class LayerSizeTest {
    /** Function code plus all its layers, unzipped. */
    static final long LAMBDA_UNZIPPED_LIMIT = 262_144_000L;

    @Test
    void layerAndFunctionCodeFitInLambdasUnzippedLimitWithRoomToGrow() {
        long layer = ArchiveFingerprint.unzippedSize(Deployments.layerZip());
        long edge = ArchiveFingerprint.unzippedSize(Functions.edgeLayerZip(Deployments.layerZip()));
        long functions = ArchiveFingerprint.unzippedSize(Deployments.functionsJar());
        System.out.printf("nixfront layer: %.1f MB unzipped; edge layer (admin only): %.1f MB; functions jar: %.2f MB unzipped;"
                + " Lambda limit 250 MB%n", layer / 1e6, edge / 1e6, functions / 1e6);
        assertThat(layer + edge + functions).as("the admin function, the largest").isLessThan(LAMBDA_UNZIPPED_LIMIT / 2);
    }

    /**
     * The KeyValueStore client and the native CRT signer (~23 MB), and CloudFront's control-plane client
     * (invalidations), travel with the admin function only.
     */
    @Test
    void theCrtSignerAndTheCloudFrontClientsAreInTheEdgeLayerOnly() throws IOException {
        List<String> shared = jars(Deployments.layerZip());
        List<String> edge = jars(Functions.edgeLayerZip(Deployments.layerZip()));
        assertThat(edge).hasSize(4).allMatch(LayerSizeTest::adminOnly);
        assertThat(edge).anyMatch(jar -> jar.startsWith("cloudfront-"));
        assertThat(shared).noneMatch(LayerSizeTest::adminOnly);
    }

    private static boolean adminOnly(String jar) {
        return jar.startsWith("aws-crt-") || jar.startsWith("http-auth-aws-crt-") || jar.startsWith("cloudfrontkeyvaluestore-")
                || jar.startsWith("cloudfront-");
    }

    private static List<String> jars(java.nio.file.Path zipFile) throws IOException {
        List<String> jars = new ArrayList<>();
        try (ZipFile zip = new ZipFile(zipFile.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                if (!entry.isDirectory()) {
                    assertThat(entry.getName()).matches("java/lib/[^/]+\\.jar");
                    jars.add(entry.getName().substring("java/lib/".length()));
                }
            }
        }
        return jars;
    }

    @Test
    void theLayerHoldsOnlyJarsUnderJavaLibAndNoUnusedHttpStack() throws IOException {
        List<String> jars = new ArrayList<>();
        try (ZipFile zip = new ZipFile(Deployments.layerZip().toFile())) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                if (!entry.isDirectory()) {
                    assertThat(entry.getName()).matches("java/lib/[^/]+\\.jar");
                    jars.add(entry.getName().substring("java/lib/".length()));
                }
            }
        }
        assertThat(jars).anyMatch(jar -> jar.startsWith("nixfront-core-"));
        assertThat(jars).noneMatch(jar -> jar.startsWith("netty-") || jar.startsWith("apache-client")
                || jar.startsWith("apache5-client") || jar.startsWith("httpclient") || jar.startsWith("httpcore"));
    }

    @Test
    void theFunctionsJarIsThinTheLibrariesComeFromTheLayer() throws IOException {
        try (ZipFile zip = new ZipFile(Deployments.functionsJar().toFile())) {
            assertThat(java.util.Collections.list(zip.entries()))
                    .noneMatch(entry -> entry.getName().startsWith("software/amazon/awssdk/")
                            || entry.getName().startsWith("org/bouncycastle/")
                            || entry.getName().endsWith(".jar"));
        }
    }
}
