package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.Layout;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The key functions that spread one cache's writes: the path listing's shard ({@link PathListing})
 * and the staging prefix ({@link Layout#staging}). Store hashes are made as Nix makes an output
 * path's (SHA-256 of {@code output:out:sha256:<drv hash>:/nix/store:<name>}, folded to 20 bytes),
 * for derivations of a package-set-like naming, deterministically: the shares below are facts of
 * these inputs, not of a random draw.
 */
class PathListingTest {
    private static final CacheRecord CACHE = new CacheRecord(CacheName.of("team"), "team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=",
            new byte[] {1}, 40, false, Instant.parse("2026-11-25T17:00:00Z"), "3f9a0c1d2b4e5f60", null);
    private static final String[] NAMES = {"glibc-2.40", "gcc-14.2.0-lib", "hello-2.12.1", "openssl-3.3.2", "python3-3.12.7",
        "zlib-1.3.1", "bash-5.2p37", "coreutils-9.5", "perl-5.40.0", "source", "libffi-3.4.6-dev", "ncurses-6.5"};

    @Test
    void noShardTakesMoreThanTwiceItsFairShareOfACachesWrites() {
        for (int paths : new int[] {1_000, 10_000, 100_000}) {
            Map<String, Integer> writes = spread(paths, i -> PathListing.shard(storeHash(i)));
            double fair = (double) paths / PathListing.SHARDS.size();
            assertThat(writes.keySet()).as("%d paths use every shard", paths).containsExactlyInAnyOrderElementsOf(PathListing.SHARDS);
            assertThat(writes.values()).as("%d paths, fair share %.1f: %s", paths, fair, writes)
                    .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo((int) (2 * fair)).isGreaterThanOrEqualTo((int) (fair / 2)));
        }
    }

    @Test
    void theShardIsTheLastDigitAndNamesTheCacheIncarnation() {
        StorePathHash hash = new StorePathHash("0123456789abcdfghijklmnpqrsvwxyz");
        assertThat(PathListing.shard(hash)).isEqualTo("z");
        assertThat(PathListing.partition(CACHE, hash)).isEqualTo("PATHS#team.3f9a0c1d2b4e5f60#z");
        assertThat(PathListing.legacyPartition(CACHE)).isEqualTo("PATHS#team.3f9a0c1d2b4e5f60");
        assertThat(DynamoDbPathIndex.item(CACHE, sample(hash))).containsEntry("gsi2pk", AttributeValue.fromS("PATHS#team.3f9a0c1d2b4e5f60#z"));
    }

    @Test
    void stagedFilesSpreadOverThirtyTwoPrefixesOfTheCache() {
        int files = 10_000;
        Map<String, Integer> writes = spread(files, i -> {
            String key = Layout.staging(CACHE.name(), Hash.sha256(("file " + i).getBytes(StandardCharsets.UTF_8)), Compression.ZSTD);
            assertThat(key).matches("_staging/team/[0-9a-df-np-sv-z]/[0-9a-df-np-sv-z]{52}\\.nar\\.zst");
            return key.substring(0, key.lastIndexOf('/') + 1);
        });
        assertThat(writes).hasSize(32);
        double fair = files / 32.0;
        assertThat(writes.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo((int) (2 * fair)));
    }

    private static Map<String, Integer> spread(int count, Function<Integer, String> key) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            counts.merge(key.apply(i), 1, Integer::sum);
        }
        return counts;
    }

    /** The output path hash of the i-th derivation, as Nix computes it (makeOutputPath, compressHash to 20 bytes). */
    static StorePathHash storeHash(int i) {
        String name = NAMES[i % NAMES.length];
        byte[] drvHash = sha256("Derive([(\"out\",\"\",\"\",\"\")],[],[],\"x86_64-linux\",\"/bin/sh\",[],[(\"n\",\"" + i + "\")])");
        byte[] digest = sha256("output:out:sha256:" + HexFormat.of().formatHex(drvHash) + ":/nix/store:" + name);
        byte[] folded = new byte[StorePathHash.BYTES];
        for (int b = 0; b < digest.length; b++) {
            folded[b % folded.length] ^= digest[b];
        }
        return StorePathHash.of(folded);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PathRecord sample(StorePathHash hash) {
        NarInfo info = NarInfo.builder(new StorePath(StorePath.DEFAULT_STORE_DIR, hash, "hello")).url("nar/x.nar")
                .compression(Compression.NONE).narHash(Hash.sha256(new byte[0])).narSize(8).build();
        return new PathRecord(info, PathState.PUBLISHED, null, Instant.EPOCH);
    }
}
