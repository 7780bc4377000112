package dev.nixfront.infra;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.cloudfront.PriceClass;
import software.amazon.awscdk.services.logs.RetentionDays;

/**
 * Everything a deployment may choose, read once from the CDK context ({@code -c nixfront:key=value}
 * or the {@code context} of {@code cdk.json}) and the environment the CDK CLI passes to the app.
 * Nothing else in this module reads context or environment variables.
 *
 * @param stackName            name of the main stack (default {@value #DEFAULT_STACK_NAME}); the
 *                             us-east-1 stacks are named after it ({@code <name>WebAcl},
 *                             {@code <name>EdgeMonitoring}), and so is every name that must be unique
 *                             in the account, so two deployments with different names share an account
 * @param region               region of the main stack (bucket, table, functions, API); required
 * @param account              account of all stacks, or null to stay account-agnostic
 * @param removalPolicy        what deleting the stack does to the bucket, table, KMS key, admin secret
 *                             and log bucket: {@code retain} (default) keeps them, {@code destroy}
 *                             deletes them (and turns off the table's deletion protection)
 * @param notFoundTtl          how long CloudFront caches a 404/403 from the bucket (default 5 s, at most
 *                             10 s is advised so a freshly pushed path shows up quickly)
 * @param priceClass           CloudFront price class (default {@code PriceClass_100}: North America,
 *                             Europe, Israel)
 * @param domainName           custom domain of the cache URL, or null for the CloudFront domain
 * @param certificateArn       ACM certificate in us-east-1 covering {@code domainName}; required with it
 * @param webAcl               create a WAF web ACL in us-east-1 (rate limit per IP, AWS common rules)
 *                             and attach it to the distribution (default false)
 * @param webAclArn            attach this existing web ACL instead, e.g. the one of a flat-rate plan
 * @param webAclRateLimit      requests per client IP per 5 minutes before WAF blocks (default 20000)
 * @param viewerRequestFunction associate the viewer-request and viewer-response CloudFront Functions
 *                             (the private-cache check) with every read behaviour (default true;
 *                             false associates neither, and every cache is readable by anyone)
 * @param apiRateLimit         steady-state requests per second the HTTP API admits (default 100)
 * @param apiBurstLimit        burst of requests the HTTP API admits (default 200)
 * @param inlineVerifyMaxBytes NARs up to this size are verified inside the publish request; larger
 *                             ones by the asynchronous verify function (default 256 MiB, the
 *                             domain's default; publish also stops verifying inline after 20 s)
 * @param stagingExpirationDays days after which S3 deletes an upload that was never published
 *                             ({@code _staging/...}: the client crashed, or verification failed and
 *                             it gave up, or an upload URL was replayed after publish); default 7. Publish moves what it verifies out of
 *                             staging at once, so this only has to outlast a push that is still
 *                             publishing, including the verify function's retries.
 * @param collectionFenceSeconds how long a garbage collection waits between marking paths and deleting
 *                             them (default 120): a publish that checked a reference before the mark
 *                             gives up when it took more than half of it, so it must be well above
 *                             a publish's own time (29 s); publish, verify and collect get one value
 * @param noncurrentVersionExpirationDays days S3 keeps an overwritten or deleted object's old
 *                             version in the (versioned) cache bucket before deleting it (default
 *                             30): the window in which a deleted cache or object can be restored
 * @param indexTableName       use this existing DynamoDB table (same region and account) as the index
 *                             instead of the stack's own, or null (the default): how a table restored
 *                             from point-in-time recovery takes over (docs/deploy.md)
 * @param logRetention         retention of the function and API log groups (default 30 days)
 * @param alarmEmail           e-mail address subscribed to the alarm topic, or null
 * @param egressBudgetUsd      monthly CloudFront cost (mostly egress) in USD above which an AWS
 *                             Budgets alert notifies the alarm topic (at 80 % of it spent, and when
 *                             the forecast exceeds it), or null for no budget (the default)
 * @param adminTokenVersion    any text; changing it publishes new function versions, whose SnapStart
 *                             snapshots then read the admin token secret again (default "1"; bump it
 *                             after rotating the secret)
 * @param functionsJar         the thin functions jar ({@code functions/target/nixfront-functions.jar})
 * @param layerZip             the layer zip ({@code layers/lambda-layer/target/nixfront-layer.zip})
 * @param nag                  run the cdk-nag AwsSolutions checks during synth (default false; the
 *                             build's synth turns it on)
 */
public record DeploymentConfig(
        String stackName,
        String region,
        String account,
        RemovalPolicy removalPolicy,
        Duration notFoundTtl,
        PriceClass priceClass,
        String domainName,
        String certificateArn,
        boolean webAcl,
        String webAclArn,
        int webAclRateLimit,
        boolean viewerRequestFunction,
        int apiRateLimit,
        int apiBurstLimit,
        long inlineVerifyMaxBytes,
        int stagingExpirationDays,
        int collectionFenceSeconds,
        int noncurrentVersionExpirationDays,
        String indexTableName,
        RetentionDays logRetention,
        String alarmEmail,
        Integer egressBudgetUsd,
        String adminTokenVersion,
        Path functionsJar,
        Path layerZip,
        boolean nag) {

    /** The region CloudFront, its metrics and its WAF web ACLs live in. */
    public static final String EDGE_REGION = "us-east-1";

    public static final String PREFIX = "nixfront:";

    /** The main stack's name unless {@code nixfront:stackName} says otherwise: existing stacks keep it. */
    public static final String DEFAULT_STACK_NAME = "Nixfront";

    public DeploymentConfig {
        if (stackName == null || !stackName.matches("[A-Za-z][A-Za-z0-9-]{0,99}")) {
            throw new IllegalArgumentException(PREFIX + "stackName must start with a letter and hold only letters, digits "
                    + "and '-', at most 100 characters (CloudFormation's rule, with room for the suffixes), not " + stackName);
        }
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("no region: set AWS_REGION (or a profile with a region) before cdk synth/deploy");
        }
        Objects.requireNonNull(removalPolicy, "removalPolicy");
        Objects.requireNonNull(notFoundTtl, "notFoundTtl");
        Objects.requireNonNull(priceClass, "priceClass");
        Objects.requireNonNull(logRetention, "logRetention");
        Objects.requireNonNull(adminTokenVersion, "adminTokenVersion");
        Objects.requireNonNull(functionsJar, "functionsJar");
        Objects.requireNonNull(layerZip, "layerZip");
        if ((domainName == null) != (certificateArn == null)) {
            throw new IllegalArgumentException(PREFIX + "domainName and " + PREFIX + "certificateArn go together");
        }
        if (certificateArn != null && !certificateArn.startsWith("arn:aws:acm:" + EDGE_REGION + ":")) {
            throw new IllegalArgumentException(PREFIX + "certificateArn must be an ACM certificate in us-east-1 (CloudFront only uses those): " + certificateArn);
        }
        if (webAcl && webAclArn != null) {
            throw new IllegalArgumentException("choose one of " + PREFIX + "webAcl=true (create one) and " + PREFIX + "webAclArn (attach an existing one)");
        }
        if (notFoundTtl.toSeconds().intValue() < 0 || notFoundTtl.toSeconds().intValue() > 3600) {
            throw new IllegalArgumentException(PREFIX + "notFoundTtlSeconds must be within 0..3600");
        }
        if (webAclRateLimit < 10) {
            throw new IllegalArgumentException(PREFIX + "webAclRateLimit must be at least 10 (WAF's minimum)");
        }
        if (apiRateLimit <= 0 || apiBurstLimit <= 0 || inlineVerifyMaxBytes <= 0) {
            throw new IllegalArgumentException("API limits and " + PREFIX + "inlineVerifyMaxBytes must be positive");
        }
        if (collectionFenceSeconds < 1) {
            throw new IllegalArgumentException(PREFIX + "collectionFenceSeconds must be at least 1, not " + collectionFenceSeconds);
        }
        if (noncurrentVersionExpirationDays < 1) {
            throw new IllegalArgumentException(PREFIX + "noncurrentVersionExpirationDays must be at least 1, not "
                    + noncurrentVersionExpirationDays);
        }
        if (indexTableName != null && !indexTableName.matches("[A-Za-z0-9_.-]{3,255}")) {
            throw new IllegalArgumentException(PREFIX + "indexTableName is not a DynamoDB table name: " + indexTableName);
        }
        if (egressBudgetUsd != null && egressBudgetUsd < 1) {
            throw new IllegalArgumentException(PREFIX + "egressBudgetUsd must be at least 1 (USD per month), not " + egressBudgetUsd);
        }
        if (stagingExpirationDays < 1) {
            throw new IllegalArgumentException(PREFIX + "stagingExpirationDays must be at least 1 (S3 expires objects in whole days), not "
                    + stagingExpirationDays);
        }
    }

    /** A builder holding the defaults, for everything but where to deploy and what to deploy. */
    public static Builder builder(String region, String account, Path functionsJar, Path layerZip) {
        return new Builder(region, account, functionsJar, layerZip);
    }

    /**
     * Reads the configuration.
     *
     * @param context the app's context lookup ({@code key -> value or null}); keys are looked up with
     *                the {@value #PREFIX} prefix
     * @param env     the process environment as passed by the CDK CLI ({@code CDK_DEFAULT_REGION},
     *                {@code CDK_DEFAULT_ACCOUNT})
     */
    public static DeploymentConfig from(Function<String, Object> context, Map<String, String> env) {
        return DeploymentContext.read(context, env);
    }

    public boolean hasCustomDomain() {
        return domainName != null;
    }

    public String webAclStackName() {
        return stackName + "WebAcl";
    }

    public String edgeMonitoringStackName() {
        return stackName + "EdgeMonitoring";
    }

    /**
     * The prefix of names this deployment gives things outside CloudFormation's generated names
     * (metric names and namespaces): {@code nixfront} for the default stack name, so an existing
     * deployment keeps its names, else {@code nixfront-<stackName in lower case>}.
     */
    public String namePrefix() {
        return DEFAULT_STACK_NAME.equals(stackName) ? "nixfront" : "nixfront-" + stackName.toLowerCase(Locale.ROOT);
    }

    public boolean mainStackInEdgeRegion() {
        return EDGE_REGION.equals(region);
    }

    /** Starts from the defaults; each setter documents nothing new: see the record's components. */
    public static final class Builder {
        private final String region;
        private final String account;
        private final Path functionsJar;
        private final Path layerZip;
        private String stackName = DEFAULT_STACK_NAME;
        private RemovalPolicy removalPolicy = RemovalPolicy.RETAIN;
        private Duration notFoundTtl = Duration.seconds(5);
        private PriceClass priceClass = PriceClass.PRICE_CLASS_100;
        private String domainName;
        private String certificateArn;
        private boolean webAcl;
        private String webAclArn;
        private int webAclRateLimit = 20_000;
        // On: the check fails closed, and the admin function fills a new store when its version is
        // published during the deployment (docs/deploy.md, "Private caches (edge)").
        private boolean viewerRequestFunction = true;
        private int apiRateLimit = 100;
        private int apiBurstLimit = 200;
        private long inlineVerifyMaxBytes = 256L << 20;
        private int stagingExpirationDays = 7;
        private int collectionFenceSeconds = 120;
        private int noncurrentVersionExpirationDays = 30;
        private String indexTableName;
        private RetentionDays logRetention = RetentionDays.ONE_MONTH;
        private String alarmEmail;
        private Integer egressBudgetUsd;
        private String adminTokenVersion = "1";
        private boolean nag;

        private Builder(String region, String account, Path functionsJar, Path layerZip) {
            this.region = region;
            this.account = account;
            this.functionsJar = functionsJar;
            this.layerZip = layerZip;
        }

        public Builder stackName(String value) {
            stackName = value;
            return this;
        }

        public Builder removalPolicy(RemovalPolicy value) {
            removalPolicy = value;
            return this;
        }

        public Builder notFoundTtl(Duration value) {
            notFoundTtl = value;
            return this;
        }

        public Builder priceClass(PriceClass value) {
            priceClass = value;
            return this;
        }

        public Builder customDomain(String domain, String certificate) {
            domainName = domain;
            certificateArn = certificate;
            return this;
        }

        public Builder webAcl(boolean value) {
            webAcl = value;
            return this;
        }

        public Builder webAclArn(String value) {
            webAclArn = value;
            return this;
        }

        public Builder webAclRateLimit(int value) {
            webAclRateLimit = value;
            return this;
        }

        public Builder viewerRequestFunction(boolean value) {
            viewerRequestFunction = value;
            return this;
        }

        public Builder apiRateLimit(int value) {
            apiRateLimit = value;
            return this;
        }

        public Builder apiBurstLimit(int value) {
            apiBurstLimit = value;
            return this;
        }

        public Builder inlineVerifyMaxBytes(long value) {
            inlineVerifyMaxBytes = value;
            return this;
        }

        public Builder collectionFenceSeconds(int value) {
            collectionFenceSeconds = value;
            return this;
        }

        public Builder stagingExpirationDays(int value) {
            stagingExpirationDays = value;
            return this;
        }

        public Builder noncurrentVersionExpirationDays(int value) {
            noncurrentVersionExpirationDays = value;
            return this;
        }

        public Builder indexTableName(String value) {
            indexTableName = value;
            return this;
        }

        public Builder logRetention(RetentionDays value) {
            logRetention = value;
            return this;
        }

        public Builder alarmEmail(String value) {
            alarmEmail = value;
            return this;
        }

        public Builder egressBudgetUsd(Integer value) {
            egressBudgetUsd = value;
            return this;
        }

        public Builder adminTokenVersion(String value) {
            adminTokenVersion = value;
            return this;
        }

        public Builder nag(boolean value) {
            nag = value;
            return this;
        }

        public DeploymentConfig build() {
            return new DeploymentConfig(stackName, region, account, removalPolicy, notFoundTtl, priceClass, domainName,
                    certificateArn, webAcl, webAclArn, webAclRateLimit, viewerRequestFunction, apiRateLimit,
                    apiBurstLimit, inlineVerifyMaxBytes, stagingExpirationDays, collectionFenceSeconds,
                    noncurrentVersionExpirationDays, indexTableName, logRetention, alarmEmail, egressBudgetUsd, adminTokenVersion, functionsJar, layerZip, nag);
        }
    }
}
