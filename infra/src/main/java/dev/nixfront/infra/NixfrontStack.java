package dev.nixfront.infra;

import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/**
 * The main nixfront stack, in the region the team chose: storage, functions, API, the CloudFront read
 * path and operations. Its outputs say where everything is and what to run next.
 */
public final class NixfrontStack extends Stack {
    /**
     * @param config    the deployment's choices
     * @param webAclArn WAF web ACL to attach to the distribution (created by {@link WebAclStack} or
     *                  given), or null
     */
    public record Props(DeploymentConfig config, String webAclArn) {
    }

    private final Storage storage;
    private final ReadPath readPath;
    private final Functions functions;
    private final Api api;
    private final Operations operations;

    public NixfrontStack(Construct scope, String id, Props props) {
        super(scope, id, StackProps.builder()
                .env(envFor(props.config(), props.config().region()))
                .description("nixfront: a Nix binary cache in your AWS account (S3 + CloudFront + Lambda)")
                .build());
        DeploymentConfig config = props.config();

        storage = new Storage(this, "Storage", new Storage.Props(config.removalPolicy(), config.stagingExpirationDays(),
                config.noncurrentVersionExpirationDays(), config.indexTableName()));
        readPath = new ReadPath(this, "ReadPath", new ReadPath.Props(storage, config.notFoundTtl(), config.priceClass(),
                config.domainName(), config.certificateArn(), props.webAclArn(), config.viewerRequestFunction()));
        functions = new Functions(this, "Functions", new Functions.Props(storage, readPath.cacheUrl(),
                config.functionsJar(), config.layerZip(), config.inlineVerifyMaxBytes(), config.logRetention(),
                config.adminTokenVersion(), readPath.edgeStore().getKeyValueStoreArn(), config.collectionFenceSeconds(),
                readPath.distribution().getDistributionId()));
        api = new Api(this, "Api", new Api.Props(functions, config.apiRateLimit(), config.apiBurstLimit(),
                config.logRetention()));
        operations = new Operations(this, "Operations", new Operations.Props(functions, api,
                readPath.distribution().getDistributionId(), config.alarmEmail(), storage.table(),
                config.egressBudgetUsd(), config.namePrefix()));
        if (config.mainStackInEdgeRegion()) {
            new DistributionAlarms(this, "DistributionAlarms", new DistributionAlarms.Props(
                    readPath.distribution().getDistributionId(), operations.topic(), 5));
        }

        String secretArn = storage.adminToken().getSecretArn();
        String readToken = "aws secretsmanager get-secret-value --region " + getRegion() + " --secret-id " + secretArn
                + " --query SecretString --output text";
        output("ApiUrl", api.url(), "The nixfront API: what `nixfront login` takes.");
        output("CacheUrl", readPath.cacheUrl(), "Where Nix substitutes from: <CacheUrl>/<cache name>.");
        output("DistributionDomainName", readPath.distribution().getDistributionDomainName(),
                "CloudFront's domain: point a custom domain's CNAME (or alias record) here.");
        output("AdminTokenSecretArn", secretArn, "Secrets Manager secret holding the generated admin token.");
        output("EdgeStoreArn", readPath.edgeStore().getKeyValueStoreArn(),
                "CloudFront KeyValueStore of the private-cache check: the admin function writes its c: and t: entries.");
        output("AdminTokenCommand", readToken, "Prints the admin token.");
        output("NextStep", "NIXFRONT_TOKEN=\"$(" + readToken + ")\" nixfront login " + api.url(),
                "Log the CLI in as admin; then: nixfront cache create NAME, nixfront use NAME, nixfront push NAME PATH...");
    }

    static Environment envFor(DeploymentConfig config, String region) {
        return Environment.builder().account(config.account()).region(region).build();
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }

    public Storage storage() {
        return storage;
    }

    public ReadPath readPath() {
        return readPath;
    }

    public Functions functions() {
        return functions;
    }

    public Api api() {
        return api;
    }

    public Operations operations() {
        return operations;
    }
}
