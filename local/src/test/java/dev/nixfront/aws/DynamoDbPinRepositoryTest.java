package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DynamoDbPinRepository} over the wire against dynalite. */
@ExtendWith(LocalAws.Extension.class)
class DynamoDbPinRepositoryTest {
    private static final Instant AT = Instant.parse("2026-11-25T17:00:00Z");
    private static final CacheRecord TEAM = TestCaches.cache("team", "00000000000000aa");
    private static final CacheRecord LEGACY = TestCaches.cache("legacy", CacheRecord.LEGACY_INCARNATION);

    private final Random random = new Random(11);
    private DynamoDbPinRepository pins;
    private LocalAws aws;
    private String table;


    @BeforeEach
    void setUp(LocalAws aws) {
        this.aws = aws;
        this.table = aws.newTable();
        this.pins = new DynamoDbPinRepository(aws.clients().dynamoDb(), table);
    }

    @Test
    void roundTripsAPinWithItsRevisionsNewestFirst() {
        PinRecord pin = new PinRecord("release-2.x", 3, List.of(revision("site-3", 2), revision("site-2", 1), revision("site-1", 0)), 1);
        assertThat(pins.put(TEAM, pin, null)).isTrue();
        PinRecord read = pins.get(TEAM, "release-2.x").orElseThrow();
        assertThat(read).isEqualTo(pin);
        assertThat(pins.get(TEAM, "other")).isEmpty();
        var item = aws.clients().dynamoDb().getItem(b -> b.tableName(table).key(Items.key("PINS#team.00000000000000aa", "release-2.x"))).item();
        assertThat(item.get("version").n()).isEqualTo("1");
        assertThat(item.get("revisions").l()).hasSize(3);
    }

    @Test
    void aWriteLandsOnlyOverWhatWasRead() {
        PinRecord first = new PinRecord("ci", 2, List.of(revision("a", 0)), 1);
        assertThat(pins.put(TEAM, first, null)).isTrue();
        assertThat(pins.put(TEAM, first, null)).as("a new pin where one exists").isFalse();

        PinRecord second = new PinRecord("ci", 2, List.of(revision("b", 1), first.revisions().getFirst()), 2);
        PinRecord rival = new PinRecord("ci", 2, List.of(revision("c", 1), first.revisions().getFirst()), 2);
        assertThat(pins.put(TEAM, second, first)).isTrue();
        assertThat(pins.put(TEAM, rival, first)).as("read before the other write landed").isFalse();
        assertThat(pins.get(TEAM, "ci")).contains(second);
    }

    @Test
    void listsInNameOrderInPagesAndPerIncarnation() {
        for (String name : List.of("b", "a", "d", "c", "e")) {
            pins.put(TEAM, new PinRecord(name, 1, List.of(revision(name, 0)), 1), null);
        }
        pins.put(LEGACY, new PinRecord("old", 1, List.of(revision("old", 0)), 1), null);

        assertThat(pins.list(TEAM)).extracting(PinRecord::name).containsExactly("a", "b", "c", "d", "e");
        assertThat(pins.list(TEAM, null, 2)).extracting(PinRecord::name).containsExactly("a", "b");
        assertThat(pins.list(TEAM, "b", 2)).extracting(PinRecord::name).containsExactly("c", "d");
        assertThat(pins.list(TEAM, "d", 2)).extracting(PinRecord::name).containsExactly("e");
        assertThat(pins.list(TEAM, "e", 2)).isEmpty();
        assertThat(pins.list(TestCaches.cache("team", "00000000000000bb"))).as("a cache created again has no pins").isEmpty();
        assertThat(pins.list(LEGACY)).extracting(PinRecord::name).containsExactly("old");
        assertThat(aws.clients().dynamoDb().getItem(b -> b.tableName(table).key(Items.key("PINS#legacy", "old"))).item())
                .as("the path items' convention: no incarnation").isNotEmpty();
    }

    @Test
    void deletesOneOrAll() {
        pins.put(TEAM, new PinRecord("x", 1, List.of(revision("x", 0)), 1), null);
        pins.put(TEAM, new PinRecord("y", 1, List.of(revision("y", 0)), 1), null);
        pins.put(LEGACY, new PinRecord("z", 1, List.of(revision("z", 0)), 1), null);

        assertThat(pins.delete(TEAM, "x")).isTrue();
        assertThat(pins.delete(TEAM, "x")).isFalse();
        assertThat(pins.list(TEAM)).extracting(PinRecord::name).containsExactly("y");
        assertThat(aws.clients().dynamoDb().scan(b -> b.tableName(table)).items()).as("no item conjured by the delete").hasSize(2);

        pins.deleteAll(TEAM);
        pins.deleteAll(TEAM);
        assertThat(pins.list(TEAM)).isEmpty();
        assertThat(pins.list(LEGACY)).hasSize(1);
    }

    private PinRecord.Revision revision(String name, int minutes) {
        byte[] bytes = new byte[StorePathHash.BYTES];
        random.nextBytes(bytes);
        return new PinRecord.Revision(new StorePath(StorePath.DEFAULT_STORE_DIR, StorePathHash.of(bytes), name),
                AT.plusSeconds(60L * minutes).plusNanos(123_456_789));
    }
}
