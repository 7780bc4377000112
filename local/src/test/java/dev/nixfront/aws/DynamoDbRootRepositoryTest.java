package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.RootRecord;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link DynamoDbRootRepository} over the wire against dynalite. */
@ExtendWith(LocalAws.Extension.class)
class DynamoDbRootRepositoryTest {
    private static final Instant AT = Instant.parse("2026-11-25T17:00:00Z");
    private static final CacheRecord TEAM = TestCaches.cache("team", "00000000000000aa");
    private static final CacheRecord LEGACY = TestCaches.cache("legacy", CacheRecord.LEGACY_INCARNATION);

    private final Random random = new Random(7);
    private DynamoDbRootRepository roots;
    private LocalAws aws;
    private String table;


    @BeforeEach
    void setUp(LocalAws aws) {
        this.aws = aws;
        this.table = aws.newTable();
        this.roots = new DynamoDbRootRepository(aws.clients().dynamoDb(), table);
    }

    @Test
    void recordsEachRootInItsShardAndListsThemAll() {
        List<RootRecord> recorded = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            recorded.add(new RootRecord(storePath("root-" + i), AT.plusMillis(i)));
        }
        roots.record(TEAM, recorded);

        assertThat(roots.list(TEAM)).containsExactlyInAnyOrderElementsOf(recorded);
        RootRecord one = recorded.getFirst();
        Map<String, AttributeValue> item = aws.clients().dynamoDb().getItem(b -> b.tableName(table)
                .key(Items.key("ROOTS#team.00000000000000aa#" + PathListing.shard(one.path().hash()), one.path().hash().value()))).item();
        assertThat(item.get("storePath").s()).isEqualTo(one.path().toString());
        assertThat(item.get("pushedAt").s()).as("fixed width, so the condition compares times").isEqualTo("2026-11-25T17:00:00.000000000Z");
        Set<String> partitions = new HashSet<>();
        aws.clients().dynamoDb().scanPaginator(b -> b.tableName(table)).items()
                .forEach(i -> partitions.add(i.get("pk").s()));
        assertThat(partitions).as("100 roots spread over the shards").hasSizeGreaterThan(20)
                .allMatch(pk -> pk.matches("ROOTS#team\\.00000000000000aa#[0-9a-df-np-sv-z]"));
    }

    @Test
    void aRootRecordedAgainKeepsTheLaterTimeWhateverTheOrder() {
        StorePath root = storePath("hello");
        Instant later = AT.plusSeconds(60);
        roots.record(TEAM, List.of(new RootRecord(root, later)));
        roots.record(TEAM, List.of(new RootRecord(root, AT)));
        assertThat(roots.list(TEAM)).containsExactly(new RootRecord(root, later));

        // Sub-second times order correctly too: "...:01Z" would sort after "...:01.5Z" as plain Instant text.
        Instant fraction = later.plusMillis(1500);
        roots.record(TEAM, List.of(new RootRecord(root, fraction)));
        roots.record(TEAM, List.of(new RootRecord(root, later.plusSeconds(1))));
        assertThat(roots.list(TEAM)).containsExactly(new RootRecord(root, fraction));

        // Twice in one call: the later one.
        roots.record(TEAM, List.of(new RootRecord(root, fraction.plusSeconds(9)), new RootRecord(root, fraction.plusSeconds(5))));
        assertThat(roots.list(TEAM)).containsExactly(new RootRecord(root, fraction.plusSeconds(9)));
    }

    @Test
    void eachIncarnationAndTheLegacyOneHaveTheirOwnRoots() {
        StorePath root = storePath("shared");
        CacheRecord again = TestCaches.cache("team", "00000000000000bb");
        roots.record(TEAM, List.of(new RootRecord(root, AT)));
        roots.record(LEGACY, List.of(new RootRecord(storePath("old"), AT)));

        assertThat(roots.list(again)).isEmpty();
        assertThat(roots.list(LEGACY)).extracting(r -> r.path().name()).containsExactly("old");
        Map<String, AttributeValue> legacy = aws.clients().dynamoDb().scan(b -> b.tableName(table)).items().stream()
                .filter(i -> i.get("pk").s().startsWith("ROOTS#legacy")).findFirst().orElseThrow();
        assertThat(legacy.get("pk").s()).as("the path items' convention: no incarnation").matches("ROOTS#legacy#.");
    }

    @Test
    void deletesSomeOrAll() {
        List<RootRecord> recorded = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            recorded.add(new RootRecord(storePath("r" + i), AT));
        }
        roots.record(TEAM, recorded);
        roots.record(LEGACY, List.of(new RootRecord(storePath("kept"), AT)));

        StorePathHash never = storePath("never-recorded").hash();
        roots.delete(TEAM, List.of(recorded.get(0).path().hash(), recorded.get(1).path().hash(), never));
        assertThat(roots.list(TEAM)).hasSize(38).doesNotContain(recorded.get(0), recorded.get(1));

        roots.deleteAll(TEAM);
        roots.deleteAll(TEAM);
        assertThat(roots.list(TEAM)).isEmpty();
        assertThat(roots.list(LEGACY)).hasSize(1);
    }

    private StorePath storePath(String name) {
        byte[] bytes = new byte[StorePathHash.BYTES];
        random.nextBytes(bytes);
        return new StorePath(StorePath.DEFAULT_STORE_DIR, StorePathHash.of(bytes), name);
    }
}
