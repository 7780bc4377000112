package dev.nixfront.aws;

import java.net.URI;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Where the SDK clients point. In AWS only the region is set and credentials come from the Lambda
 * environment. Any service may be pointed elsewhere: the local stack overrides S3 and DynamoDB with
 * s3proxy and dynalite and passes the fixed local credentials; the AWS-mode tests point KMS, Lambda
 * Secrets Manager and CloudFront at moto_server through the SDK's standard {@code AWS_ENDPOINT_URL_<SERVICE>}
 * variables, which {@code FunctionConfig} reads into {@link Endpoints}.
 *
 * @param region      the region every client signs for
 * @param endpoints   per-service endpoint overrides; {@link Endpoints#NONE} for AWS itself
 * @param credentials null for the SDK's default chain (the Lambda role in AWS)
 */
public record AwsClientConfig(Region region, Endpoints endpoints, AwsCredentialsProvider credentials) {
    public AwsClientConfig {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(endpoints, "endpoints");
    }

    /**
     * Per-service endpoint overrides, each null for the service's AWS endpoint.
     *
     * @param s3             an S3-compatible endpoint (then path-style URLs)
     * @param dynamoDb       a DynamoDB-compatible endpoint
     * @param kms            a KMS-compatible endpoint
     * @param lambda         a Lambda-compatible endpoint
     * @param secretsManager a Secrets Manager-compatible endpoint
     * @param keyValueStore  a CloudFront KeyValueStore-compatible endpoint (the AWS-mode tests' stub)
     * @param cloudFront     a CloudFront-compatible endpoint (its control plane: invalidations)
     */
    public record Endpoints(URI s3, URI dynamoDb, URI kms, URI lambda, URI secretsManager, URI keyValueStore, URI cloudFront) {
        public static final Endpoints NONE = new Endpoints(null, null, null, null, null, null, null);
    }

    /** Real AWS in one region, default credentials. */
    public static AwsClientConfig of(Region region) {
        return new AwsClientConfig(region, Endpoints.NONE, null);
    }

    /** S3 and DynamoDB stand-ins on this machine, signed with fixed credentials (region us-east-1). */
    public static AwsClientConfig local(URI s3Endpoint, URI dynamoDbEndpoint, String accessKeyId, String secretAccessKey) {
        Objects.requireNonNull(s3Endpoint, "s3Endpoint");
        Objects.requireNonNull(dynamoDbEndpoint, "dynamoDbEndpoint");
        return new AwsClientConfig(Region.US_EAST_1, new Endpoints(s3Endpoint, dynamoDbEndpoint, null, null, null, null, null),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)));
    }

    /** The S3 endpoint override, or null. */
    public URI s3Endpoint() {
        return endpoints.s3();
    }
}
