package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.UsageCounter.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DynamoDbUsageCounter} over the wire against dynalite. */
@ExtendWith(LocalAws.Extension.class)
class DynamoDbUsageCounterTest {
    private static final Instant AT = Instant.parse("2026-11-25T17:00:00Z");
    private static final CacheRecord TEAM = TestCaches.cache("team", "00000000000000aa");
    private static final CacheRecord LEGACY = TestCaches.cache("legacy", CacheRecord.LEGACY_INCARNATION);

    private DynamoDbUsageCounter usage;
    private LocalAws aws;
    private String table;


    @BeforeEach
    void setUp(LocalAws aws) {
        this.aws = aws;
        this.table = aws.newTable();
        this.usage = new DynamoDbUsageCounter(aws.clients().dynamoDb(), table);
    }

    @Test
    void sumsWhatWasAddedOverTheShards() {
        assertThat(usage.read(TEAM)).isEqualTo(Usage.NONE);
        for (int i = 0; i < 64; i++) {
            usage.add(TEAM, 2, 1000, AT.plusSeconds(i));
        }
        usage.add(TEAM, -3, -1500, null);

        assertThat(usage.read(TEAM)).isEqualTo(new Usage(125, 62_500, AT.plusSeconds(63)));
        Set<String> shards = new HashSet<>();
        aws.clients().dynamoDb().scanPaginator(b -> b.tableName(table)).items().forEach(i -> shards.add(i.get("pk").s()));
        assertThat(shards).as("64 adds over 16 shards").hasSizeGreaterThan(4)
                .allMatch(pk -> pk.matches("USAGE#team\\.00000000000000aa#([0-9]|1[0-5])"));
    }

    @Test
    void theLastPushOnlyMovesForward() {
        // Sixteen shards: enough adds that every shard sees a late one.
        for (int i = 0; i < 200; i++) {
            usage.add(TEAM, 1, 1, AT.plusMillis(1500));
            usage.add(TEAM, 1, 1, AT.plusSeconds(1));
        }
        Usage read = usage.read(TEAM);
        assertThat(read.lastPush()).isEqualTo(AT.plusMillis(1500));
        assertThat(read.paths()).as("a late add still counts").isEqualTo(400);
    }

    @Test
    void concurrentAddsAllCount() throws Exception {
        List<Callable<Void>> adds = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Instant at = AT.plusMillis(i);
            adds.add(() -> {
                usage.add(TEAM, 1, 10, at);
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Future<Void> f : pool.invokeAll(adds)) {
                f.get();
            }
        }
        assertThat(usage.read(TEAM)).isEqualTo(new Usage(100, 1000, AT.plusMillis(99)));
    }

    @Test
    void eachIncarnationCountsAloneAndDeletionForgetsIt() {
        usage.add(TEAM, 5, 50, AT);
        usage.add(LEGACY, 7, 70, AT);
        assertThat(usage.read(TestCaches.cache("team", "00000000000000bb"))).isEqualTo(Usage.NONE);
        assertThat(aws.clients().dynamoDb().scan(b -> b.tableName(table)).items())
                .anyMatch(i -> i.get("pk").s().matches("USAGE#legacy#\\d+"));

        usage.deleteAll(TEAM);
        usage.deleteAll(TEAM);
        assertThat(usage.read(TEAM)).isEqualTo(Usage.NONE);
        assertThat(usage.read(LEGACY)).isEqualTo(new Usage(7, 70, AT));
    }
}
