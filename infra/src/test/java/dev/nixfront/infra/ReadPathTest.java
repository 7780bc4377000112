package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.properties;
import static dev.nixfront.infra.Json.render;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.Layout;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class ReadPathTest {
    private static final int YEAR = 365 * 24 * 3600;

    private final Deployments.Synthesized standard = Deployments.standard();
    private final Map<String, Object> template = Deployments.json(standard.main());

    private static Map<String, Object> distributionConfig(Map<String, Object> template) {
        return map(at(resources(template, "AWS::CloudFront::Distribution").values().iterator().next(), "Properties", "DistributionConfig"));
    }

    /** Path pattern ("default" for the default behaviour) to its behaviour. */
    private static Map<String, Map<String, Object>> behaviours(Map<String, Object> config) {
        Map<String, Map<String, Object>> result = new LinkedHashMap<>();
        result.put("default", map(config.get("DefaultCacheBehavior")));
        for (Object behaviour : list(config.get("CacheBehaviors"))) {
            result.put((String) map(behaviour).get("PathPattern"), map(behaviour));
        }
        return result;
    }

    private Map<String, Object> cachePolicy(Map<String, Object> behaviour) {
        String id = render(behaviour.get("CachePolicyId")).replaceAll("[<>]", "");
        return map(at(map(template.get("Resources")).get(id), "Properties", "CachePolicyConfig"));
    }

    private Map<String, Object> headersPolicy(Map<String, Object> behaviour) {
        String id = render(behaviour.get("ResponseHeadersPolicyId")).replaceAll("[<>]", "");
        return map(at(map(template.get("Resources")).get(id), "Properties", "ResponseHeadersPolicyConfig"));
    }

    /** A function's source as deployed: src/main/resources/dev/nixfront/infra, what the node tests load. */
    private static String resource(String name) {
        try (InputStream in = ReadPath.class.getResourceAsStream(name)) {
            return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void narsAreCachedForAYearWhateverTheOriginSaysAndMarkedImmutable() {
        Map<String, Object> nar = behaviours(distributionConfig(template)).get("*/nar/*");
        Map<String, Object> policy = cachePolicy(nar);
        assertThat(policy).containsEntry("MinTTL", YEAR).containsEntry("DefaultTTL", YEAR).containsEntry("MaxTTL", YEAR);
        assertThat(list(at(headersPolicy(nar), "CustomHeadersConfig", "Items"))).containsExactly(Map.of(
                "Header", "Cache-Control", "Value", "public, max-age=31536000, immutable", "Override", true));
        assertThat(nar).containsEntry("Compress", false);
    }

    @Test
    void narinfoAndCacheInfoFollowTheObjectsCacheControl() {
        Map<String, Map<String, Object>> behaviours = behaviours(distributionConfig(template));
        assertThat(behaviours.keySet()).containsExactlyInAnyOrder("default", "*/nar/*", "*.narinfo", "*/nix-cache-info");
        for (String pattern : List.of("default", "*.narinfo", "*/nix-cache-info")) {
            Map<String, Object> policy = cachePolicy(behaviours.get(pattern));
            assertThat(policy).as(pattern).containsEntry("MinTTL", 0).containsEntry("DefaultTTL", 60).containsEntry("MaxTTL", YEAR);
            assertThat(headersPolicy(behaviours.get(pattern))).as(pattern).doesNotContainKey("CustomHeadersConfig");
        }
    }

    @Test
    void noBehaviourKeysOnTheAcceptedEncoding() {
        for (Map.Entry<String, Map<String, Object>> b : behaviours(distributionConfig(template)).entrySet()) {
            Map<String, Object> key = map(cachePolicy(b.getValue()).get("ParametersInCacheKeyAndForwardedToOrigin"));
            assertThat(key).as(b.getKey()).containsEntry("EnableAcceptEncodingGzip", false)
                    .containsEntry("EnableAcceptEncodingBrotli", false);
            assertThat(b.getValue()).as(b.getKey()).containsEntry("Compress", false);
        }
    }

    @Test
    void theCacheKeyIsThePathAlone() {
        for (Map<String, Object> behaviour : behaviours(distributionConfig(template)).values()) {
            Map<String, Object> key = map(cachePolicy(behaviour).get("ParametersInCacheKeyAndForwardedToOrigin"));
            assertThat(at(key, "QueryStringsConfig", "QueryStringBehavior")).isEqualTo("none");
            assertThat(at(key, "HeadersConfig", "HeaderBehavior")).isEqualTo("none");
            assertThat(at(key, "CookiesConfig", "CookieBehavior")).isEqualTo("none");
            assertThat(behaviour)
                    .containsEntry("ViewerProtocolPolicy", "redirect-to-https")
                    .containsEntry("AllowedMethods", List.of("GET", "HEAD"))
                    .containsEntry("CachedMethods", List.of("GET", "HEAD"));
        }
    }

    @Test
    void missingKeysAreCachedBrieflySoAFreshPushShowsUpQuickly() {
        assertThat(list(distributionConfig(template).get("CustomErrorResponses"))).containsExactlyInAnyOrder(
                Map.of("ErrorCode", 404, "ErrorCachingMinTTL", 5),
                Map.of("ErrorCode", 403, "ErrorCachingMinTTL", 5));
        assertThat(list(distributionConfig(Deployments.json(Deployments.full().main())).get("CustomErrorResponses"))).containsExactlyInAnyOrder(
                Map.of("ErrorCode", 404, "ErrorCachingMinTTL", 3),
                Map.of("ErrorCode", 403, "ErrorCachingMinTTL", 3));
    }

    @Test
    void theBucketIsReachedThroughOriginAccessControlWithListBucketFor404s() {
        Map<String, Object> config = distributionConfig(template);
        assertThat(list(config.get("Origins"))).singleElement().satisfies(origin -> {
            assertThat(render(map(origin).get("DomainName")))
                    .isEqualTo("<" + Nag.logicalId(standard.stacks().main().storage().bucket()) + ".RegionalDomainName>");
            assertThat(render(map(origin).get("OriginAccessControlId"))).matches("<.*S3OriginAccessControl.*\\.Id>");
            assertThat(at(origin, "S3OriginConfig", "OriginAccessIdentity")).isEqualTo("");
        });
        assertThat(properties(resources(template, "AWS::CloudFront::OriginAccessControl").values().iterator().next()))
                .extracting(p -> map(p.get("OriginAccessControlConfig")))
                .satisfies(oac -> assertThat(oac)
                        .containsEntry("OriginAccessControlOriginType", "s3")
                        .containsEntry("SigningBehavior", "always")
                        .containsEntry("SigningProtocol", "sigv4"));
        // "/" would list the bucket now that ListBucket is granted: it must map to a key that never exists.
        assertThat(config).containsEntry("DefaultRootObject", "index.html");
    }

    @Test
    void unverifiedUploadsUnderStagingAreDeniedToCloudFrontInEveryDeployment() {
        for (Deployments.Synthesized deployment : List.of(standard, Deployments.full())) {
            Map<String, Object> main = Deployments.json(deployment.main());
            String bucket = Nag.logicalId(deployment.stacks().main().storage().bucket());
            Map<String, Object> policy = resources(main, "AWS::S3::BucketPolicy").values().stream()
                    .filter(p -> render(at(p, "Properties", "Bucket")).equals("<" + bucket + ">"))
                    .findFirst().orElseThrow();
            assertThat(list(at(policy, "Properties", "PolicyDocument", "Statement"))).anySatisfy(statement -> {
                assertThat(map(statement)).containsEntry("Effect", "Deny");
                assertThat(at(statement, "Principal", "Service")).isEqualTo("cloudfront.amazonaws.com");
                assertThat(list(map(statement).get("Action"))).containsExactly("s3:GetObject");
                // One prefix outside every cache, the one the domain stages multipart uploads under.
                assertThat(list(map(statement).get("Resource")).stream().map(Json::render))
                        .containsExactly("<" + bucket + ".Arn>/" + Layout.STAGING_ROOT + "*");
            });
        }
    }

    @Test
    void http2And3Ipv6LoggingAndThePriceClass() {
        Map<String, Object> config = distributionConfig(template);
        assertThat(config)
                .containsEntry("HttpVersion", "http2and3")
                .containsEntry("IPV6Enabled", true)
                .containsEntry("PriceClass", "PriceClass_100")
                .containsEntry("Enabled", true);
        assertThat(render(at(config, "Logging", "Bucket")))
                .isEqualTo("<" + Nag.logicalId(standard.stacks().main().storage().logBucket()) + ".RegionalDomainName>");
    }

    @Test
    void oneKeyValueStoreHoldsThePrivateCacheEntriesAndGoesWithTheStack() {
        Map<String, Map<String, Object>> stores = resources(template, "AWS::CloudFront::KeyValueStore");
        assertThat(stores).containsOnlyKeys(Nag.logicalId(standard.stacks().main().readPath().edgeStore()));
        Map<String, Object> store = stores.values().iterator().next();
        // Derived from the table by the admin function: rewritten if lost, so never retained.
        assertThat(store).containsEntry("DeletionPolicy", "Delete");
        assertThat((String) properties(store).get("Comment")).contains("c:<cache>").contains("t:<token sha256>:<cache>");
    }

    @Test
    void bothFunctionsAreTheFilesTheNodeTestsJudgeOnRuntime2ReadingTheStore() {
        ReadPath readPath = standard.stacks().main().readPath();
        String store = "<" + Nag.logicalId(readPath.edgeStore()) + ".Arn>";
        Map<String, Map<String, Object>> functions = resources(template, "AWS::CloudFront::Function");
        assertThat(functions).hasSize(2);
        Map<String, String> files = Map.of(
                Nag.logicalId(readPath.viewerRequestFunction()), "viewer-request.js",
                Nag.logicalId(readPath.viewerResponseFunction()), "viewer-response.js");
        assertThat(functions.keySet()).containsExactlyInAnyOrderElementsOf(files.keySet());
        files.forEach((id, file) -> {
            Map<String, Object> fn = properties(functions.get(id));
            assertThat(at(fn, "FunctionConfig", "Runtime")).as(file).isEqualTo("cloudfront-js-2.0");
            assertThat(list(at(fn, "FunctionConfig", "KeyValueStoreAssociations")).stream()
                    .map(association -> render(map(association).get("KeyValueStoreARN")))).as(file).containsExactly(store);
            assertThat((String) fn.get("FunctionCode")).as("%s, as the node tests judge it", file).isEqualTo(resource(file));
            assertThat(fn).as(file).containsEntry("AutoPublish", true);
        });
    }

    @Test
    void byDefaultEveryBehaviourChecksTheRequestAndTheResponse() {
        Deployments.Synthesized checked = Deployments.synthesize(Deployments.config("eu-west-1").build());
        Map<String, Object> template = Deployments.json(checked.main());
        ReadPath readPath = checked.stacks().main().readPath();
        Map<String, String> expected = Map.of(
                "viewer-request", "<" + Nag.logicalId(readPath.viewerRequestFunction()) + ".FunctionARN>",
                "viewer-response", "<" + Nag.logicalId(readPath.viewerResponseFunction()) + ".FunctionARN>");
        for (Map.Entry<String, Map<String, Object>> behaviour : behaviours(distributionConfig(template)).entrySet()) {
            Map<String, String> associations = new LinkedHashMap<>();
            for (Object association : list(behaviour.getValue().get("FunctionAssociations"))) {
                associations.put((String) map(association).get("EventType"), render(map(association).get("FunctionARN")));
            }
            assertThat(associations).as(behaviour.getKey()).isEqualTo(expected);
        }
    }

    @Test
    void switchedOffNeitherFunctionIsAssociated() {
        Map<String, Object> main = Deployments.json(Deployments.synthesize(Deployments.config("eu-west-1")
                .viewerRequestFunction(false).build()).main());
        for (Map.Entry<String, Map<String, Object>> behaviour : behaviours(distributionConfig(main)).entrySet()) {
            assertThat(list(behaviour.getValue().getOrDefault("FunctionAssociations", List.of()))).as(behaviour.getKey()).isEmpty();
        }
        // The store and the functions stay, so the admin function's writes have somewhere to go.
        assertThat(resources(main, "AWS::CloudFront::KeyValueStore")).hasSize(1);
        assertThat(resources(main, "AWS::CloudFront::Function")).hasSize(2);
    }

    @Test
    void aCustomDomainUsesItsAcmCertificateWithModernTls() {
        Map<String, Object> config = distributionConfig(Deployments.json(Deployments.full().main()));
        assertThat(config).containsEntry("Aliases", List.of(Deployments.DOMAIN));
        assertThat(map(config.get("ViewerCertificate"))).isEqualTo(Map.of(
                "AcmCertificateArn", Deployments.CERTIFICATE,
                "MinimumProtocolVersion", "TLSv1.2_2021",
                "SslSupportMethod", "sni-only"));
    }
}
