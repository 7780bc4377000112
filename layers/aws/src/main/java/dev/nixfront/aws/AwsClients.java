package dev.nixfront.aws;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.builder.SdkClientBuilder;
import software.amazon.awssdk.endpoints.EndpointUrl;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudfront.CloudFrontClient;
import software.amazon.awssdk.services.cloudfrontkeyvaluestore.CloudFrontKeyValueStoreClient;
import software.amazon.awssdk.services.cloudfrontkeyvaluestore.endpoints.CloudFrontKeyValueStoreEndpointProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The SDK clients of one process, each built on first use and then shared: a Lambda container builds
 * them once (in its handler's constructor) and a cold start pays only for the clients it touches.
 * All share one url-connection HTTP client, the lightest the SDK has.
 *
 * <p>With an S3 endpoint override (the local s3proxy) the client and the presigner use path-style
 * URLs ({@code http://127.0.0.1:PORT/bucket/key}), since a local host name cannot carry the bucket,
 * and chunked (aws-chunked) uploads are off: over plain HTTP the SDK would otherwise move the
 * checksum into a trailer that s3proxy does not store. Against AWS the defaults (virtual-hosted
 * URLs over HTTPS) stay.
 */
public final class AwsClients implements AutoCloseable {
    private final AwsClientConfig config;
    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final List<AutoCloseable> built = new ArrayList<>();
    private S3Client s3;
    private S3Presigner presigner;
    private DynamoDbClient dynamoDb;
    private KmsClient kms;
    private LambdaClient lambda;
    private SecretsManagerClient secretsManager;
    private CloudFrontKeyValueStoreClient keyValueStore;
    private CloudFrontClient cloudFront;

    private AwsClients(AwsClientConfig config) {
        this.config = config;
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(60))
                .build();
        this.credentials = config.credentials() != null
                ? config.credentials()
                : DefaultCredentialsProvider.builder().build();
    }

    public static AwsClients create(AwsClientConfig config) {
        return new AwsClients(config);
    }

    public AwsClientConfig config() {
        return config;
    }

    public synchronized S3Client s3() {
        if (s3 == null) {
            var builder = S3Client.builder()
                    .httpClient(http)
                    .region(config.region())
                    .credentialsProvider(credentials)
                    .serviceConfiguration(s3Configuration());
            if (config.s3Endpoint() != null) {
                builder.endpointOverride(config.s3Endpoint());
            }
            s3 = track(builder::build);
        }
        return s3;
    }

    public synchronized S3Presigner s3Presigner() {
        if (presigner == null) {
            var builder = S3Presigner.builder()
                    .region(config.region())
                    .credentialsProvider(credentials)
                    .serviceConfiguration(s3Configuration());
            if (config.s3Endpoint() != null) {
                builder.endpointOverride(config.s3Endpoint());
            }
            presigner = track(builder::build);
        }
        return presigner;
    }

    private S3Configuration s3Configuration() {
        URI endpoint = config.s3Endpoint();
        boolean local = endpoint != null;
        boolean plainHttp = local && "http".equalsIgnoreCase(endpoint.getScheme());
        return S3Configuration.builder()
                .pathStyleAccessEnabled(local)
                .chunkedEncodingEnabled(!plainHttp)
                .build();
    }

    public synchronized DynamoDbClient dynamoDb() {
        if (dynamoDb == null) {
            var builder = DynamoDbClient.builder()
                    .httpClient(http)
                    .region(config.region())
                    .credentialsProvider(credentials);
            endpoint(builder, config.endpoints().dynamoDb());
            dynamoDb = track(builder::build);
        }
        return dynamoDb;
    }

    public synchronized KmsClient kms() {
        if (kms == null) {
            var builder = KmsClient.builder().httpClient(http).region(config.region()).credentialsProvider(credentials);
            endpoint(builder, config.endpoints().kms());
            kms = track(builder::build);
        }
        return kms;
    }

    public synchronized LambdaClient lambda() {
        if (lambda == null) {
            var builder = LambdaClient.builder().httpClient(http).region(config.region()).credentialsProvider(credentials);
            endpoint(builder, config.endpoints().lambda());
            lambda = track(builder::build);
        }
        return lambda;
    }

    public synchronized SecretsManagerClient secretsManager() {
        if (secretsManager == null) {
            var builder = SecretsManagerClient.builder().httpClient(http).region(config.region())
                    .credentialsProvider(credentials);
            endpoint(builder, config.endpoints().secretsManager());
            secretsManager = track(builder::build);
        }
        return secretsManager;
    }

    /**
     * The CloudFront KeyValueStore data-plane client. Its requests are signed with SigV4A (the
     * service is global), which the SDK does through the CRT signer of {@code http-auth-aws-crt}: the
     * native aws-crt library is loaded the first time this client signs, so only a function that
     * writes the store ever loads it.
     *
     * <p>The service's endpoint rules put the store's account in front of the host, an override's too
     * ({@code 123456789012.127.0.0.1}, no host at all); so an override replaces only the URL the
     * rules resolve and keeps what they say about signing (SigV4A, region set {@code *}).
     */
    public synchronized CloudFrontKeyValueStoreClient keyValueStore() {
        if (keyValueStore == null) {
            var builder = CloudFrontKeyValueStoreClient.builder().httpClient(http).region(config.region())
                    .credentialsProvider(credentials);
            URI override = config.endpoints().keyValueStore();
            if (override != null) {
                CloudFrontKeyValueStoreEndpointProvider rules = CloudFrontKeyValueStoreEndpointProvider.defaultProvider();
                builder.endpointProvider(params -> rules.resolveEndpoint(params)
                        .thenApply(resolved -> resolved.toBuilder().endpointUrl(EndpointUrl.fromUri(override)).build()));
            }
            keyValueStore = track(builder::build);
        }
        return keyValueStore;
    }

    /**
     * The CloudFront control-plane client (invalidations). CloudFront is a global service: its API
     * lives in one place whatever region a function runs in, so the client is built for the
     * partition's global region ({@code aws-global}), which the SDK signs as us-east-1.
     */
    public synchronized CloudFrontClient cloudFront() {
        if (cloudFront == null) {
            var builder = CloudFrontClient.builder().httpClient(http).region(Region.AWS_GLOBAL).credentialsProvider(credentials);
            endpoint(builder, config.endpoints().cloudFront());
            cloudFront = track(builder::build);
        }
        return cloudFront;
    }

    private static void endpoint(SdkClientBuilder<?, ?> builder, URI override) {
        if (override != null) {
            builder.endpointOverride(override);
        }
    }

    private <T extends AutoCloseable> T track(Supplier<T> factory) {
        T client = factory.get();
        built.add(client);
        return client;
    }

    /** Closes every client built so far, then the shared HTTP client. */
    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        for (AutoCloseable client : built) {
            try {
                client.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing the AWS clients failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        built.clear();
        http.close();
        if (failure != null) {
            throw failure;
        }
    }
}
