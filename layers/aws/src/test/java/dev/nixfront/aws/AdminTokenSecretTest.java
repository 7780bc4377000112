package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.Json;
import dev.nixfront.nix.Hash;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

class AdminTokenSecretTest {
    private static final String ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:nixfront-admin-AbCdEf";
    private static final String TOKEN = "nf_3q2-7wDLu0BfSwLMZOkwYbJbzXUcqTbJzKJ-hRVYn7E";

    @Test
    void readsTheSecretOnceAndKeepsOnlyItsHash() throws Exception {
        String response = "{\"ARN\":\"" + ARN + "\",\"Name\":\"nixfront-admin\",\"SecretString\":\"" + TOKEN + "\\n\","
                + "\"VersionId\":\"v1\",\"CreatedDate\":1.7e9}";
        try (StubEndpoint secrets = new StubEndpoint(200, "application/x-amz-json-1.1", response);
             SecretsManagerClient client = client(secrets)) {
            AdminTokenSecret admin = AdminTokenSecret.read(client, ARN);

            assertThat(secrets.requests).hasSize(1);
            assertThat(secrets.requests.getFirst().header("X-Amz-Target")).isEqualTo("secretsmanager.GetSecretValue");
            assertThat(Json.mapper().readTree(secrets.requests.getFirst().body()).get("SecretId").asText()).isEqualTo(ARN);
            assertThat(admin.sha256Hex()).isEqualTo(Hash.sha256(TOKEN.getBytes(StandardCharsets.UTF_8)).toBase16());
            assertThat(admin.matches(TOKEN)).isTrue();
            assertThat(admin.matches(TOKEN + "x")).isFalse();
            assertThat(admin.matches(null)).isFalse();
            assertThat(admin.toString()).doesNotContain(TOKEN).doesNotContain(admin.sha256Hex());
        }
    }

    @Test
    void anEmptySecretIsAnError() {
        String response = "{\"ARN\":\"" + ARN + "\",\"Name\":\"nixfront-admin\",\"SecretString\":\"  \"}";
        try (StubEndpoint secrets = new StubEndpoint(200, "application/x-amz-json-1.1", response);
             SecretsManagerClient client = client(secrets)) {
            assertThatThrownBy(() -> AdminTokenSecret.read(client, ARN))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no string value");
        }
    }

    private static SecretsManagerClient client(StubEndpoint endpoint) {
        return SecretsManagerClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.EU_WEST_1)
                .credentialsProvider(StubEndpoint.CREDENTIALS)
                .endpointOverride(endpoint.endpoint())
                .build();
    }
}
