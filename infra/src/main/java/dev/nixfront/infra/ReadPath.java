package dev.nixfront.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.certificatemanager.Certificate;
import software.amazon.awscdk.services.cloudfront.AccessLevel;
import software.amazon.awscdk.services.cloudfront.AllowedMethods;
import software.amazon.awscdk.services.cloudfront.BehaviorOptions;
import software.amazon.awscdk.services.cloudfront.CacheCookieBehavior;
import software.amazon.awscdk.services.cloudfront.CacheHeaderBehavior;
import software.amazon.awscdk.services.cloudfront.CachePolicy;
import software.amazon.awscdk.services.cloudfront.CacheQueryStringBehavior;
import software.amazon.awscdk.services.cloudfront.CachedMethods;
import software.amazon.awscdk.services.cloudfront.Distribution;
import software.amazon.awscdk.services.cloudfront.ErrorResponse;
import software.amazon.awscdk.services.cloudfront.FunctionAssociation;
import software.amazon.awscdk.services.cloudfront.FunctionCode;
import software.amazon.awscdk.services.cloudfront.FunctionEventType;
import software.amazon.awscdk.services.cloudfront.FunctionRuntime;
import software.amazon.awscdk.services.cloudfront.HttpVersion;
import software.amazon.awscdk.services.cloudfront.IOrigin;
import software.amazon.awscdk.services.cloudfront.KeyValueStore;
import software.amazon.awscdk.services.cloudfront.PriceClass;
import software.amazon.awscdk.services.cloudfront.ResponseCustomHeader;
import software.amazon.awscdk.services.cloudfront.ResponseCustomHeadersBehavior;
import software.amazon.awscdk.services.cloudfront.ResponseHeadersContentTypeOptions;
import software.amazon.awscdk.services.cloudfront.ResponseHeadersPolicy;
import software.amazon.awscdk.services.cloudfront.ResponseHeadersStrictTransportSecurity;
import software.amazon.awscdk.services.cloudfront.ResponseSecurityHeadersBehavior;
import software.amazon.awscdk.services.cloudfront.SecurityPolicyProtocol;
import software.amazon.awscdk.services.cloudfront.ViewerProtocolPolicy;
import software.amazon.awscdk.services.cloudfront.origins.S3BucketOrigin;
import software.amazon.awscdk.services.cloudfront.origins.S3BucketOriginWithOACProps;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * How Nix reads a cache: CloudFront in front of the private bucket, signed to S3 with Origin Access
 * Control, no Lambda anywhere. The URL path is the object key, so {@code https://<cache url>/<cache>/}
 * is a plain Nix binary cache:
 *
 * <pre>
 * behaviour          cache policy                              viewer Cache-Control
 * &#42;/nar/*            1 year, whatever the origin says          public, max-age=31536000, immutable
 * &#42;.narinfo          the object's Cache-Control (publish sets)  as stored
 * &#42;/nix-cache-info   the object's Cache-Control                as stored
 * default            the object's Cache-Control                as stored (build logs, &#42;/log/*, among others:
 *                                                              a day, and their stored Content-Encoding: zstd)
 * 404/403            {@code notFoundTtl} (5 s by default), so a path pushed a moment ago is seen
 * </pre>
 *
 * Keys under {@code _staging/} (every upload until publish verifies it, {@code _staging/<cache>/...}) are
 * never served: the bucket policy denies CloudFront's service principal {@code s3:GetObject} on them,
 * so CloudFront gets a 403 from S3 and passes it on. The rule sits on the data rather than in a behaviour, so no new behaviour, path
 * trick or second distribution can bypass it. Everything else a cache holds is served: to anyone from a public cache, to
 * read tokens from a private one.
 *
 * <p>Private caches are checked at the edge by two CloudFront Functions on every behaviour, reading one
 * KeyValueStore that the admin function writes ({@code c:<cache>} and {@code t:<token hash>:<cache>}
 * entries, docs/deploy.md "Private caches (edge)"): viewer-request ({@code viewer-request.js}) answers
 * 404 for a cache the store does not know and 401 without a read token of a private one, before the
 * cache; viewer-response ({@code viewer-response.js}) turns a private cache's {@code public}
 * Cache-Control into {@code private}. Both are judged under node against the shared case table
 * (infra/src/test/js).
 *
 * <p>All behaviours use cache and response-headers policies (no legacy forwarded values), the origin
 * uses OAC (no OAI), and the only code is those two CloudFront Functions with their store: the
 * distribution stays eligible for CloudFront's flat-rate plans (the KeyValueStore from the Pro plan up).
 */
public final class ReadPath extends Construct {
    /** Nix fetches only these shapes; CloudFront path patterns match {@code *} across slashes. */
    public static final String NAR_PATTERN = "*/nar/*";
    public static final String NARINFO_PATTERN = "*.narinfo";
    public static final String CACHE_INFO_PATTERN = "*/nix-cache-info";

    /**
     * @param storage               the bucket (origin) and the log bucket
     * @param notFoundTtl           how long a 404/403 is cached at the edge
     * @param priceClass            edge locations used
     * @param domainName            custom domain, or null
     * @param certificateArn        its ACM certificate in us-east-1, or null
     * @param webAclArn             WAF web ACL (CLOUDFRONT scope) to attach, or null
     * @param viewerRequestFunction associate the viewer-request and viewer-response functions (the
     *                              private-cache check) with the behaviours; false associates neither,
     *                              and every cache is then readable by anyone
     */
    public record Props(
            Storage storage,
            Duration notFoundTtl,
            PriceClass priceClass,
            String domainName,
            String certificateArn,
            String webAclArn,
            boolean viewerRequestFunction) {
    }

    private final Distribution distribution;
    private final KeyValueStore edgeStore;
    private final software.amazon.awscdk.services.cloudfront.Function viewerRequest;
    private final software.amazon.awscdk.services.cloudfront.Function viewerResponse;
    private final String cacheUrl;

    public ReadPath(Construct scope, String id, Props props) {
        super(scope, id);
        Storage storage = props.storage();

        // One store read by both functions (a function reads at most one store; a store serves several
        // functions). It holds only what the admin function derives from the table, so a store lost with
        // the stack is rewritten, never restored: nothing to retain.
        edgeStore = KeyValueStore.Builder.create(this, "EdgeStore")
                .comment("nixfront private caches: c:<cache> and t:<token sha256>:<cache> entries, written by the admin function")
                .build();
        edgeStore.applyRemovalPolicy(RemovalPolicy.DESTROY);
        viewerRequest = edgeFunction("ViewerRequest", "nixfront viewer-request: read tokens of private caches", "viewer-request.js");
        viewerResponse = edgeFunction("ViewerResponse", "nixfront viewer-response: private caches' Cache-Control is private",
                "viewer-response.js");
        List<FunctionAssociation> functions = props.viewerRequestFunction()
                ? List.of(
                        FunctionAssociation.builder().eventType(FunctionEventType.VIEWER_REQUEST).function(viewerRequest).build(),
                        FunctionAssociation.builder().eventType(FunctionEventType.VIEWER_RESPONSE).function(viewerResponse).build())
                : List.of();

        CachePolicy immutable = CachePolicy.Builder.create(this, "NarCachePolicy")
                .comment("nixfront NARs: content-addressed, never change")
                .minTtl(Duration.days(365))
                .defaultTtl(Duration.days(365))
                .maxTtl(Duration.days(365))
                .queryStringBehavior(CacheQueryStringBehavior.none())
                .headerBehavior(CacheHeaderBehavior.none())
                .cookieBehavior(CacheCookieBehavior.none())
                // Already compressed (xz, zstd, ...): recompressing would only burn edge CPU.
                .enableAcceptEncodingGzip(false)
                .enableAcceptEncodingBrotli(false)
                .build();
        CachePolicy followOrigin = CachePolicy.Builder.create(this, "MetadataCachePolicy")
                .comment("nixfront narinfo and nix-cache-info: follow the object's Cache-Control")
                .minTtl(Duration.seconds(0))
                .defaultTtl(Duration.seconds(60))
                .maxTtl(Duration.days(365))
                .queryStringBehavior(CacheQueryStringBehavior.none())
                .headerBehavior(CacheHeaderBehavior.none())
                .cookieBehavior(CacheCookieBehavior.none())
                // Not in the cache key: a narinfo is a few hundred bytes, and one cached copy per key,
                // rather than one per encoding, keeps the hit ratio up. (Without them CloudFront does
                // not compress, hence Compress false on these behaviours too.)
                .enableAcceptEncodingGzip(false)
                .enableAcceptEncodingBrotli(false)
                .build();

        ResponseHeadersStrictTransportSecurity hsts = ResponseHeadersStrictTransportSecurity.builder()
                .accessControlMaxAge(Duration.days(365)).includeSubdomains(false).override(true).build();
        ResponseHeadersContentTypeOptions noSniff = ResponseHeadersContentTypeOptions.builder().override(true).build();
        ResponseHeadersPolicy narHeaders = ResponseHeadersPolicy.Builder.create(this, "NarResponseHeaders")
                .comment("nixfront NARs: immutable for every downstream cache too")
                .customHeadersBehavior(ResponseCustomHeadersBehavior.builder()
                        .customHeaders(List.of(ResponseCustomHeader.builder()
                                .header("Cache-Control").value("public, max-age=31536000, immutable").override(true).build()))
                        .build())
                .securityHeadersBehavior(ResponseSecurityHeadersBehavior.builder()
                        .strictTransportSecurity(hsts).contentTypeOptions(noSniff).build())
                .build();
        ResponseHeadersPolicy metadataHeaders = ResponseHeadersPolicy.Builder.create(this, "MetadataResponseHeaders")
                .comment("nixfront metadata: Cache-Control as stored on the object")
                .securityHeadersBehavior(ResponseSecurityHeadersBehavior.builder()
                        .strictTransportSecurity(hsts).contentTypeOptions(noSniff).build())
                .build();

        IOrigin origin = S3BucketOrigin.withOriginAccessControl(storage.bucket(), S3BucketOriginWithOACProps.builder()
                .originAccessLevels(List.of(AccessLevel.READ, AccessLevel.LIST))
                .build());
        BehaviorOptions metadata = behaviour(origin, followOrigin, metadataHeaders, false, functions);
        BehaviorOptions nar = behaviour(origin, immutable, narHeaders, false, functions);

        // CloudFront tries the behaviours in this order, and the template lists them in the map's order:
        // an insertion-ordered map, since a Map.of iterates differently in every JVM and every synth
        // would then reorder the behaviours (and every deploy update the distribution).
        Map<String, BehaviorOptions> behaviours = new LinkedHashMap<>();
        behaviours.put(NAR_PATTERN, nar);
        behaviours.put(NARINFO_PATTERN, metadata);
        behaviours.put(CACHE_INFO_PATTERN, metadata);
        Distribution.Builder builder = Distribution.Builder.create(this, "Distribution")
                .comment("nixfront read path")
                .defaultBehavior(metadata)
                .additionalBehaviors(behaviours)
                // With ListBucket granted, "/" would be a bucket listing; a root object that never exists
                // turns it into a 404 instead.
                .defaultRootObject("index.html")
                .errorResponses(List.of(
                        ErrorResponse.builder().httpStatus(404).ttl(props.notFoundTtl()).build(),
                        ErrorResponse.builder().httpStatus(403).ttl(props.notFoundTtl()).build()))
                .httpVersion(HttpVersion.HTTP2_AND_3)
                .enableIpv6(true)
                .priceClass(props.priceClass())
                .enableLogging(true)
                .logBucket(storage.logBucket())
                .logFilePrefix("cloudfront/")
                .logIncludesCookies(false);
        if (props.domainName() != null) {
            builder.domainNames(List.of(props.domainName()))
                    .certificate(Certificate.fromCertificateArn(this, "Certificate", props.certificateArn()))
                    .minimumProtocolVersion(SecurityPolicyProtocol.TLS_V1_2_2021);
        }
        if (props.webAclArn() != null) {
            builder.webAclId(props.webAclArn());
        }
        distribution = builder.build();
        Annotations.of(distribution).acknowledgeWarning("@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk",
                "defaultRootObject is set to a key that never exists, so '/' is a 404, not a listing.");

        storage.bucket().addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("NeverServeStaging")
                .effect(Effect.DENY)
                .principals(List.of(new ServicePrincipal("cloudfront.amazonaws.com")))
                .actions(List.of("s3:GetObject"))
                .resources(List.of(storage.bucket().arnForObjects(Storage.STAGING_PREFIX + "*")))
                .build());

        cacheUrl = "https://" + (props.domainName() != null ? props.domainName() : distribution.getDistributionDomainName());

        Nag.suppress(distribution, "AwsSolutions-CFR1",
                "A Nix binary cache serves its users wherever they build; geo restriction is a policy choice the "
                        + "operator can add, not a default.");
        if (props.webAclArn() == null) {
            Nag.suppress(distribution, "AwsSolutions-CFR2",
                    "The web ACL is opt-in (-c nixfront:webAcl=true, or nixfront:webAclArn): on pay-as-you-go it costs "
                            + "a monthly fee plus per-request charges on a read path that only serves public, immutable "
                            + "objects. docs/deploy.md explains when to turn it on (always with a flat-rate plan).");
        }
        if (props.domainName() == null) {
            Nag.suppress(distribution, "AwsSolutions-CFR4",
                    "Without a custom domain the distribution uses the *.cloudfront.net certificate, whose security "
                            + "policy CloudFront fixes; with nixfront:domainName the policy is TLSv1.2_2021.");
        }
    }

    public Distribution distribution() {
        return distribution;
    }

    public software.amazon.awscdk.services.cloudfront.Function viewerRequestFunction() {
        return viewerRequest;
    }

    public software.amazon.awscdk.services.cloudfront.Function viewerResponseFunction() {
        return viewerResponse;
    }

    /** The KeyValueStore both functions read: the admin function writes its entries (by its ARN). */
    public KeyValueStore edgeStore() {
        return edgeStore;
    }

    /** The https URL Nix substitutes from: the custom domain if there is one, else CloudFront's. */
    public String cacheUrl() {
        return cacheUrl;
    }

    private static BehaviorOptions behaviour(IOrigin origin, CachePolicy cachePolicy, ResponseHeadersPolicy headers,
                                             boolean compress, List<FunctionAssociation> functions) {
        return BehaviorOptions.builder()
                .origin(origin)
                .viewerProtocolPolicy(ViewerProtocolPolicy.REDIRECT_TO_HTTPS)
                .allowedMethods(AllowedMethods.ALLOW_GET_HEAD)
                .cachedMethods(CachedMethods.CACHE_GET_HEAD)
                .cachePolicy(cachePolicy)
                .responseHeadersPolicy(headers)
                .compress(compress)
                .functionAssociations(functions)
                .build();
    }

    private software.amazon.awscdk.services.cloudfront.Function edgeFunction(String id, String comment, String file) {
        return software.amazon.awscdk.services.cloudfront.Function.Builder.create(this, id)
                .comment(comment)
                .runtime(FunctionRuntime.JS_2_0)
                .keyValueStore(edgeStore)
                .code(FunctionCode.fromInline(resource(file)))
                .build();
    }

    private static String resource(String name) {
        try (InputStream in = ReadPath.class.getResourceAsStream(name)) {
            return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
