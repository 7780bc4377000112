package dev.nixfront.aws;

import java.net.URI;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Where the SDK clients point. In AWS only the region is set and credentials come from the Lambda
 * environment; the local stack overrides the S3 and DynamoDB endpoints with s3proxy and dynalite and
 * passes the fixed local credentials.
 *
 * @param region           the region every client signs for
 * @param s3Endpoint       an S3-compatible endpoint, or null for AWS S3
 * @param dynamoDbEndpoint a DynamoDB-compatible endpoint, or null for AWS DynamoDB
 * @param credentials      null for the SDK's default chain (the Lambda role in AWS)
 */
public record AwsClientConfig(Region region, URI s3Endpoint, URI dynamoDbEndpoint, AwsCredentialsProvider credentials) {
    public AwsClientConfig {
        Objects.requireNonNull(region, "region");
    }

    /** Real AWS in one region, default credentials. */
    public static AwsClientConfig of(Region region) {
        return new AwsClientConfig(region, null, null, null);
    }

    /** S3 and DynamoDB stand-ins on this machine, signed with fixed credentials (region us-east-1). */
    public static AwsClientConfig local(URI s3Endpoint, URI dynamoDbEndpoint, String accessKeyId, String secretAccessKey) {
        Objects.requireNonNull(s3Endpoint, "s3Endpoint");
        Objects.requireNonNull(dynamoDbEndpoint, "dynamoDbEndpoint");
        return new AwsClientConfig(Region.US_EAST_1, s3Endpoint, dynamoDbEndpoint,
                StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)));
    }
}
