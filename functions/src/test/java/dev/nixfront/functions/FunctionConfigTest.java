package dev.nixfront.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FunctionConfigTest {
    @Test
    void readsTheVariablesOfAFunction() {
        FunctionConfig c = FunctionConfig.from(Map.of("AWS_REGION", "eu-west-1", "NIXFRONT_TABLE", "t", "NIXFRONT_BUCKET", "b",
                "NIXFRONT_CACHE_URL", "https://d1.cloudfront.net/", "NIXFRONT_INLINE_VERIFY_MAX_BYTES", "1048576",
                "NIXFRONT_VERIFY_FUNCTION", "arn:aws:lambda:eu-west-1:1:function:verify"));
        assertThat(c.region()).isEqualTo("eu-west-1");
        assertThat(c.kmsKeyArn()).isNull();
        assertThat(c.adminTokenSecretArn()).isNull();
        assertThat(c.edgeStoreArn()).isNull();
        assertThat(c.distributionId()).isNull();
        assertThat(c.verifyFunction()).endsWith(":verify");
        assertThat(c.settings().inlineVerifyMaxBytes()).isEqualTo(1_048_576);
        assertThat(c.settings().cacheBaseUrl()).isEqualTo("https://d1.cloudfront.net");
    }

    @Test
    void onlyTheAdminFunctionNamesTheEdgeStore() {
        FunctionConfig admin = FunctionConfig.from(Map.of("AWS_REGION", "eu-west-1", "NIXFRONT_TABLE", "t", "NIXFRONT_BUCKET", "b",
                "NIXFRONT_EDGE_STORE_ARN", "arn:aws:cloudfront::123456789012:key-value-store/0a1b",
                "AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE", "http://127.0.0.1:7000",
                "NIXFRONT_DISTRIBUTION_ID", "E2QWRUHAPOMQZL", "AWS_ENDPOINT_URL_CLOUDFRONT", "http://127.0.0.1:7001"));
        assertThat(admin.edgeStoreArn()).isEqualTo("arn:aws:cloudfront::123456789012:key-value-store/0a1b");
        assertThat(admin.endpoints().keyValueStore()).hasToString("http://127.0.0.1:7000");
        assertThat(admin.distributionId()).isEqualTo("E2QWRUHAPOMQZL");
        assertThat(admin.endpoints().cloudFront()).hasToString("http://127.0.0.1:7001");
    }

    @Test
    void defaultsAndMissingVariables() {
        FunctionConfig c = FunctionConfig.from(Map.of("AWS_REGION", "eu-west-1", "NIXFRONT_TABLE", "t", "NIXFRONT_BUCKET", "b"));
        assertThat(c.inlineVerifyMaxBytes()).isEqualTo(256L * 1024 * 1024);
        assertThatThrownBy(() -> FunctionConfig.from(Map.of("AWS_REGION", "eu-west-1", "NIXFRONT_BUCKET", "b")))
                .hasMessageContaining("NIXFRONT_TABLE");
        assertThatThrownBy(() -> FunctionConfig.from(Map.of("AWS_REGION", "r", "NIXFRONT_TABLE", "t", "NIXFRONT_BUCKET", "b",
                "NIXFRONT_INLINE_VERIFY_MAX_BYTES", "lots"))).hasMessageContaining("NIXFRONT_INLINE_VERIFY_MAX_BYTES");
    }

    @Test
    void theSdkEndpointVariablesPointEachClientTheServiceOneFirst() {
        FunctionConfig c = FunctionConfig.from(Map.of("AWS_REGION", "eu-west-1", "NIXFRONT_TABLE", "t", "NIXFRONT_BUCKET", "b",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000",
                "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"));
        assertThat(c.endpoints().s3()).hasToString("http://127.0.0.1:9000");
        assertThat(c.endpoints().dynamoDb()).hasToString("http://127.0.0.1:8000");
        assertThat(c.endpoints().kms()).hasToString("http://127.0.0.1:5000");
        assertThat(c.endpoints().lambda()).hasToString("http://127.0.0.1:5000");
        assertThat(c.endpoints().secretsManager()).hasToString("http://127.0.0.1:5000");
        assertThat(c.endpoints().keyValueStore()).hasToString("http://127.0.0.1:5000");
        assertThat(c.endpoints().cloudFront()).hasToString("http://127.0.0.1:5000");
        assertThat(c.clientConfig().region().id()).isEqualTo("eu-west-1");

        FunctionConfig aws = FunctionConfig.from(Map.of("AWS_REGION", "eu-west-1", "NIXFRONT_TABLE", "t", "NIXFRONT_BUCKET", "b"));
        assertThat(aws.endpoints()).isEqualTo(dev.nixfront.aws.AwsClientConfig.Endpoints.NONE);
        assertThatThrownBy(() -> FunctionConfig.from(Map.of("AWS_REGION", "r", "NIXFRONT_TABLE", "t", "NIXFRONT_BUCKET", "b",
                "AWS_ENDPOINT_URL_KMS", "localhost"))).hasMessageContaining("AWS_ENDPOINT_URL_KMS");
    }
}
