package dev.nixfront.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.aws.AwsClients;
import dev.nixfront.aws.CloudFrontEdgeCache;
import dev.nixfront.cache.Ports;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.GcPolicy;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WiringTest {
    private static final Map<String, String> COMMON = Map.of("AWS_REGION", "eu-west-1", "NIXFRONT_TABLE", "t", "NIXFRONT_BUCKET", "b");
    private static final CacheRecord DELETED = new CacheRecord(CacheName.of("team"), "team-1:key", new byte[] {1}, 40, false,
            Instant.EPOCH, "3f9a0c1d2b4e5f60", Instant.EPOCH, GcPolicy.KEEP_ALL);

    @Test
    void aFunctionWithoutTheDistributionRefusesToInvalidateRatherThanLeaveTheEdgeServingADeletedCache() {
        FunctionConfig config = FunctionConfig.from(COMMON);
        try (AwsClients clients = AwsClients.create(config.clientConfig())) {
            Ports ports = Wiring.ports(config, clients);
            assertThatThrownBy(() -> ports.edgeCache().invalidate(DELETED)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("NIXFRONT_DISTRIBUTION_ID is not set for this function");
        }
    }

    @Test
    void theAdminFunctionInvalidatesAtItsDistribution() {
        Map<String, String> admin = new java.util.HashMap<>(COMMON);
        admin.put("NIXFRONT_DISTRIBUTION_ID", "E2QWRUHAPOMQZL");
        FunctionConfig config = FunctionConfig.from(admin);
        try (AwsClients clients = AwsClients.create(config.clientConfig())) {
            assertThat(Wiring.ports(config, clients).edgeCache()).isInstanceOf(CloudFrontEdgeCache.class);
        }
    }
}
