package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

class AwsClientsTest {
    @Test
    void buildsEachClientOnceWithTheConfiguredRegionAndEndpoints() {
        AwsClientConfig config = AwsClientConfig.local(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"), "id", "secret");
        try (AwsClients clients = AwsClients.create(config)) {
            assertThat(clients.s3()).isSameAs(clients.s3());
            assertThat(clients.dynamoDb()).isSameAs(clients.dynamoDb());
            assertThat(clients.s3Presigner()).isSameAs(clients.s3Presigner());
            assertThat(clients.s3().serviceClientConfiguration().region()).isEqualTo(Region.US_EAST_1);
            assertThat(clients.s3().serviceClientConfiguration().endpointOverride()).contains(URI.create("http://127.0.0.1:1"));
            assertThat(clients.dynamoDb().serviceClientConfiguration().endpointOverride()).contains(URI.create("http://127.0.0.1:2"));
            assertThat(clients.kms().serviceClientConfiguration().endpointOverride()).isEmpty();
        }
    }

    @Test
    void presignsPathStyleUrlsForALocalEndpoint() {
        AwsClientConfig config = AwsClientConfig.local(URI.create("http://127.0.0.1:9000"), URI.create("http://127.0.0.1:2"), "id", "secret");
        try (AwsClients clients = AwsClients.create(config)) {
            var url = clients.s3Presigner().presignGetObject(b -> b.signatureDuration(java.time.Duration.ofMinutes(1))
                    .getObjectRequest(r -> r.bucket("bucket").key("team/nix-cache-info"))).url();
            assertThat(url.toString()).startsWith("http://127.0.0.1:9000/bucket/team/nix-cache-info?");
        }
    }

    @Test
    void everyServiceHonoursItsOverride() {
        AwsClientConfig config = new AwsClientConfig(Region.EU_WEST_1, new AwsClientConfig.Endpoints(
                URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"), URI.create("http://127.0.0.1:3"),
                URI.create("http://127.0.0.1:4"), URI.create("http://127.0.0.1:5"), URI.create("http://127.0.0.1:6"),
                URI.create("http://127.0.0.1:7")), null);
        try (AwsClients clients = AwsClients.create(config)) {
            assertThat(clients.kms().serviceClientConfiguration().endpointOverride()).contains(URI.create("http://127.0.0.1:3"));
            assertThat(clients.lambda().serviceClientConfiguration().endpointOverride()).contains(URI.create("http://127.0.0.1:4"));
            assertThat(clients.secretsManager().serviceClientConfiguration().endpointOverride())
                    .contains(URI.create("http://127.0.0.1:5"));
            assertThat(clients.keyValueStore().serviceClientConfiguration().endpointProvider()).isPresent();
            assertThat(clients.lambda().serviceClientConfiguration().region()).isEqualTo(Region.EU_WEST_1);
            assertThat(clients.cloudFront().serviceClientConfiguration().endpointOverride()).contains(URI.create("http://127.0.0.1:7"));
            assertThat(clients.cloudFront().serviceClientConfiguration().region()).as("a global service").isEqualTo(Region.AWS_GLOBAL);
        }
    }

    @Test
    void awsConfigLeavesEndpointsToTheSdk() {
        AwsClientConfig config = AwsClientConfig.of(Region.EU_WEST_1);
        assertThat(config.s3Endpoint()).isNull();
        assertThat(config.credentials()).isNull();
    }
}
