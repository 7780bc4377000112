package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.PathInfo;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/**
 * The largest path item publish lets through fits in a DynamoDB item: dynalite counts item sizes
 * as DynamoDB does and refuses those over 400 KB, as the second test shows it would.
 */
@ExtendWith(LocalAws.Extension.class)
class PathItemSizeTest {
    /** The longest name and an incarnation: the longest keys a path item can have. */
    private static final dev.nixfront.cache.port.CacheRecord LONGEST_CACHE = new dev.nixfront.cache.port.CacheRecord(
            CacheName.of("c".repeat(CacheName.MAX_LENGTH)), "c-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=", new byte[] {1},
            40, false, java.time.Instant.parse("2026-11-25T17:00:00Z"), "ffffffffffffffff", null);
    private static final SecretKey KEY = SecretKey.fromSeed(LONGEST_CACHE.name() + "-1", new byte[32]);
    private static final Instant AT = Instant.parse("2026-11-25T17:00:00Z");

    @Test
    void aPathAtTheReferenceBoundWithEveryOtherFieldAtItsLongestIsStoredAndReadBack(LocalAws aws) {
        DynamoDbPathIndex paths = new DynamoDbPathIndex(aws.clients().dynamoDb(), aws.newTable());
        PathRecord published = new PathRecord(longest("published", PathInfo.MAX_REFERENCE_BYTES).sign(KEY),
                PathState.PUBLISHED, null, AT);
        // A rejected item carries a reason instead of a signature; the server's reasons are a line, not a kilobyte.
        PathRecord rejected = new PathRecord(longest("rejected", PathInfo.MAX_REFERENCE_BYTES), PathState.REJECTED,
                "narHash: " + "x".repeat(1_000), AT);

        assertThat(paths.putUnlessPublished(LONGEST_CACHE, rejected)).isTrue();
        assertThat(paths.putUnlessPublished(LONGEST_CACHE, published)).isTrue();

        assertThat(paths.get(LONGEST_CACHE, List.of(published.hash(), rejected.hash())))
                .containsEntry(published.hash(), published)
                .containsEntry(rejected.hash(), rejected);
    }

    @Test
    void referencesOfAbout400KbWouldNotFit(LocalAws aws) {
        DynamoDbPathIndex paths = new DynamoDbPathIndex(aws.clients().dynamoDb(), aws.newTable());
        PathRecord tooBig = new PathRecord(longest("too-big", 410_000), PathState.VERIFYING, null, AT);

        assertThatThrownBy(() -> paths.putUnlessPublished(LONGEST_CACHE, tooBig))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Item size has exceeded the maximum allowed size");
    }

    /** Every field as long as Nix's syntax allows, and references of exactly {@code referenceBytes}. */
    private static NarInfo longest(String salt, int referenceBytes) {
        StorePath path = path(salt, StorePath.MAX_NAME_LENGTH, "");
        Hash file = sha(salt + " file");
        return NarInfo.builder(path)
                .url("nar/" + file.toNix32() + ".nar.zst")
                .compression(Compression.ZSTD)
                .fileHash(file)
                .fileSize(Long.MAX_VALUE)
                .narHash(sha(salt + " nar"))
                .narSize(Long.MAX_VALUE)
                .references(references(salt, referenceBytes))
                .deriver(path(salt + "-drv", StorePath.MAX_NAME_LENGTH, ".drv"))
                .ca("fixed:r:sha512:" + HexFormat.of().formatHex(new byte[64]))
                .build();
    }

    /** Distinct basenames of the longest names, their lengths plus one summing to exactly {@code bytes}. */
    private static List<StorePath> references(String salt, int bytes) {
        List<StorePath> references = new ArrayList<>();
        int longest = StorePathHash.LENGTH + 1 + StorePath.MAX_NAME_LENGTH + 1;
        int left = bytes;
        for (int i = 0; left > 0; i++) {
            // Longest ones while what is left after them still makes a valid basename (one character of name).
            int shortest = StorePathHash.LENGTH + 1 + 1 + 1;
            int size = left <= longest ? left : left - longest >= shortest ? longest : left - shortest;
            references.add(path(salt + "-ref-" + i, size - StorePathHash.LENGTH - 2, ""));
            left -= size;
        }
        assertThat(references.stream().mapToInt(r -> r.baseName().length() + 1).sum()).isEqualTo(bytes);
        return references;
    }

    /** A path whose name is {@code nameLength} characters, ending in {@code suffix}, its hash drawn from {@code seed}. */
    private static StorePath path(String seed, int nameLength, String suffix) {
        String name = (seed + "-" + "x".repeat(nameLength)).substring(0, nameLength - suffix.length()) + suffix;
        byte[] digest = Hash.sha256(seed.getBytes(StandardCharsets.UTF_8)).bytes();
        return new StorePath(StorePath.DEFAULT_STORE_DIR, StorePathHash.of(Arrays.copyOf(digest, StorePathHash.BYTES)), name);
    }

    private static Hash sha(String text) {
        return Hash.sha256(text.getBytes(StandardCharsets.UTF_8));
    }
}
