package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Work left by the version before the sharded NAR and staging keys, met by the version after
 * (found by an outside review): a path recorded verifying carries the unsharded URL in its index
 * item, and its upload may still sit at the unsharded staging key. Whatever the narinfo says must
 * be where Nix will fetch it.
 */
class ShardedKeysUpgradeTest {
    private final Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
    private final Fixture.Nar p = nar("p");
    private CacheRecord team;

    /** What the version of before wrote for a deferred path: URL nar/<FileHash>.nar.zst, state verifying. */
    private void verifyingFromBefore() throws Exception {
        f.createCache("team");
        team = f.caches.get(CacheName.of("team")).orElseThrow();
        Hash fileHash = p.fileHash();
        NarInfo before = NarInfo.builder(p.path()).url("nar/" + fileHash.toNix32() + ".nar.zst").compression(Compression.ZSTD)
                .fileHash(fileHash).fileSize(p.file().length).narHash(Hash.parse(p.info().narHash())).narSize(p.info().narSize())
                .references(List.of()).build();
        f.paths.putUnlessPublished(team, new PathRecord(before, PathState.VERIFYING, null, f.clock.instant(), "attempt-before"));
    }

    /** The job queued before the upgrade (Lambda keeps async events up to an hour), run by the new code. */
    private List<VerifyService.Outcome> runTheJobQueuedBefore() {
        return f.services.verify().run(new VerifyJob("team", team.incarnation(), List.of(p.path().hash().value())));
    }

    /** Nix fetches {@code <cache>/<URL>}: what the published narinfo names must exist. */
    private void assertTheUrlNamesAnObject() {
        String narinfo = new String(f.objects.object("team/" + p.path().hash() + ".narinfo").orElseThrow().body(), StandardCharsets.UTF_8);
        String url = narinfo.lines().filter(l -> l.startsWith("URL: ")).findFirst().orElseThrow().substring(5);
        assertThat(f.objects.object("team/" + url)).as("the object the published narinfo names").isPresent();
    }

    @Test
    void aVerifyingRecordFromBeforeTheUpgradeIsPublishedWithTheUrlOfItsFile() throws Exception {
        verifyingFromBefore();
        // After the upgrade the client uploads the file again (the answer names the sharded staging key).
        f.upload("team", p);

        assertThat(runTheJobQueuedBefore()).extracting(VerifyService.Outcome::state).containsExactly(PathState.PUBLISHED);
        assertTheUrlNamesAnObject();
    }

    @Test
    void republishingItAnswersPublishedAndItsUrlStillNamesItsFile() throws Exception {
        verifyingFromBefore();
        f.upload("team", p);
        runTheJobQueuedBefore();

        var again = f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(p.info())));
        assertThat(again.results()).extracting(PublishResult::state).containsExactly("published");
        assertTheUrlNamesAnObject();
    }

    /** A deferred path whose upload was staged before the upgrade (unsharded key) is published by its job after it. */
    @Test
    void anUploadStagedBeforeTheUpgradeIsFoundByItsJobAndCopiedToTheShardedKey() throws Exception {
        verifyingFromBefore();
        f.objects.store("_staging/team/" + p.fileHash().toNix32() + ".nar.zst", p.file(), "application/x-nix-nar", null);

        assertThat(runTheJobQueuedBefore()).extracting(VerifyService.Outcome::state).containsExactly(PathState.PUBLISHED);
        assertThat(f.objects.object("team/nar/" + Fixture.staged(p.fileHash()) + ".nar.zst")).isPresent();
        assertThat(f.objects.keys()).noneMatch(k -> k.startsWith("_staging/"));
        assertTheUrlNamesAnObject();
    }
}
