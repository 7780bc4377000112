package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.IndexMigrationRequest;
import dev.nixfront.api.IndexMigrationResponse;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.Scope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheAdminServiceTest {
    /** Nix's own test key (src/libstore-tests/realisation.cc). */
    private static final String NIX_TEST_SECRET =
            "test-key:tU7tTvLcScf8pmz/eTV0BEtLmRsPpZfKaRcd0nCN+pysBZPHSeg61/u2oc7mIOewfuAY1V1BiX32homTaDJ2Jw==";
    private static final String NIX_TEST_PUBLIC = "test-key:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=";

    private final Fixture f = new Fixture();

    private static DomainException failure(Runnable r) {
        try {
            r.run();
        } catch (DomainException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void createGeneratesAKeyWritesNixCacheInfoAndShowsTheSubstituter() {
        CacheInfo info = f.services.caches().create(ADMIN, new CreateCacheRequest("team", true, 30, null));

        assertThat(info.name()).isEqualTo("team");
        assertThat(info.publicKey()).startsWith("team-1:").hasSize("team-1:".length() + 44);
        assertThat(info.substituter()).isEqualTo("https://cache.example.org/team");
        assertThat(info.priority()).isEqualTo(30);
        assertThat(info.privateCache()).isTrue();
        assertThat(info.createdAt()).isEqualTo(f.clock.instant());
        var cacheInfo = f.objects.object("team/nix-cache-info").orElseThrow();
        assertThat(new String(cacheInfo.body(), StandardCharsets.UTF_8))
                .isEqualTo("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n");
        assertThat(cacheInfo.contentType()).isEqualTo("text/x-nix-cache-info");
        byte[] sealed = f.caches.get(CacheName.of("team")).orElseThrow().sealedKey();
        assertThat(sealed).isNotEmpty();
        assertThat(f.caches.get(CacheName.of("team")).orElseThrow().toString()).doesNotContain(new String(sealed, StandardCharsets.UTF_8));
    }

    @Test
    void anImportedNixKeySignsForItsPublicKey() {
        CacheInfo info = f.services.caches().create(ADMIN, new CreateCacheRequest("team", null, null, NIX_TEST_SECRET));
        assertThat(info.publicKey()).isEqualTo(NIX_TEST_PUBLIC);
        assertThat(info.priority()).isEqualTo(40);
        assertThat(info.privateCache()).isFalse();
    }

    @Test
    void badInputIs400DuplicatesAre409AndErrorsNeverEchoTheKey() {
        DomainException badKey = failure(() -> f.services.caches().create(ADMIN,
                new CreateCacheRequest("team", null, null, NIX_TEST_SECRET.substring(0, 40))));
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(badKey.field()).isEqualTo("signingKey");
        assertThat(badKey.reason()).doesNotContain(NIX_TEST_SECRET.substring(9, 40));
        assertThat(failure(() -> f.services.caches().create(ADMIN, new CreateCacheRequest("Team", null, null, null))).field()).isEqualTo("name");
        assertThat(failure(() -> f.services.caches().create(ADMIN, new CreateCacheRequest("-x", null, null, null))).field()).isEqualTo("name");
        assertThat(failure(() -> f.services.caches().create(ADMIN, new CreateCacheRequest("x".repeat(64), null, null, null))).status()).isEqualTo(400);
        assertThat(failure(() -> f.services.caches().create(ADMIN, new CreateCacheRequest("team", null, -1, null))).field()).isEqualTo("priority");
        f.createCache("team");
        assertThat(failure(() -> f.createCache("team")).status()).isEqualTo(409);
    }

    @Test
    void listingShowsOnlyReadableCachesAndInfoChecksScopeBeforeExistence() {
        f.createCache("alpha");
        f.createCache("beta");
        // A token made for beta is bound to its incarnation, as TokenService makes them.
        Principal betaReader = new Principal("tk_b", Scope.fromLists(List.of("beta"), List.of("read")), null, null, 0,
                Map.of("beta", f.caches.get(CacheName.of("beta")).orElseThrow().incarnation()));

        assertThat(f.services.caches().list(ADMIN).caches()).extracting(CacheInfo::name).containsExactly("alpha", "beta");
        assertThat(f.services.caches().list(betaReader).caches()).extracting(CacheInfo::name).containsExactly("beta");
        assertThat(failure(() -> f.services.caches().info(betaReader, "alpha")).status()).isEqualTo(403);
        assertThat(failure(() -> f.services.caches().info(betaReader, "gamma")).status()).isEqualTo(403);
        assertThat(failure(() -> f.services.caches().info(ADMIN, "gamma")).status()).isEqualTo(404);
        assertThat(failure(() -> f.services.caches().create(betaReader, new CreateCacheRequest("beta2", null, null, null))).status()).isEqualTo(403);
        assertThat(failure(() -> f.services.caches().delete(betaReader, "beta")).status()).isEqualTo(403);
    }

    @Test
    void deleteRemovesObjectsPathsAndTheCacheSoTheNameCanBeUsedAfresh() {
        f.createCache("team");
        f.createCache("keep");
        Fixture.Nar one = Fixture.nar("one");
        f.upload("team", one);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info())));

        f.services.caches().delete(ADMIN, "team");

        assertThat(f.objects.keys()).allMatch(k -> k.startsWith("keep/"));
        assertThat(f.paths.record(CacheName.of("team"), one.path().hash())).isEmpty();
        assertThat(failure(() -> f.services.caches().info(ADMIN, "team")).status()).isEqualTo(404);
        DomainException reserved = failure(() -> f.createCache("team"));
        assertThat(reserved.status()).isEqualTo(409);
        assertThat(reserved.reason()).contains("free again at 2026-11-25T18:16:00Z");
        f.clock.advance(CacheSettings.NAME_RESERVATION);
        CacheInfo again = f.createCache("team");
        assertThat(f.services.query().missing(ADMIN, "team",
                new dev.nixfront.api.MissingRequest(List.of(one.path().hash().value()))).missing()).hasSize(1);
        assertThat(again.name()).isEqualTo("team");
    }

    /**
     * The listing migration works cache by cache in name order, stops starting steps once its
     * budget is spent and says where to go on, and finishes a cache only when a step finds nothing.
     */
    @Test
    void migrateIndexResumesWhereItsBudgetEnded() {
        for (String name : List.of("c", "a", "b")) {
            f.createCache(name);
        }
        f.paths.legacyListings.putAll(Map.of("a", 1_200, "c", 10));
        f.paths.onMigrateStep = () -> f.clock.advance(Duration.ofSeconds(8));

        IndexMigrationResponse first = f.services.caches().migrateIndex(ADMIN, new IndexMigrationRequest(null));
        assertThat(first).isEqualTo(new IndexMigrationResponse(1_200, List.of(), "a"));

        f.paths.onMigrateStep = () -> f.clock.advance(Duration.ofSeconds(1));
        IndexMigrationResponse second = f.services.caches().migrateIndex(ADMIN, new IndexMigrationRequest(first.next()));
        assertThat(second).isEqualTo(new IndexMigrationResponse(10, List.of("a", "b", "c"), null));
        assertThat(f.paths.legacyListings).containsOnly(Map.entry("a", 0), Map.entry("b", 0), Map.entry("c", 0));

        IndexMigrationResponse fromB = f.services.caches().migrateIndex(ADMIN, new IndexMigrationRequest("b"));
        assertThat(fromB.finished()).containsExactly("b", "c");
    }

    /** A cache deleted during the migration is left to its deletion's sweep, which reads both listings. */
    @Test
    void migrateIndexStopsMovingTheItemsOfACacheDeletedMeanwhile() {
        f.createCache("a");
        f.paths.legacyListings.put("a", 1_200);
        f.paths.onMigrateStep = () -> {
            if (f.paths.legacyListings.get("a") < 1_200) {
                f.services.caches().delete(ADMIN, "a");
            }
        };

        IndexMigrationResponse done = f.services.caches().migrateIndex(ADMIN, new IndexMigrationRequest(null));

        assertThat(done.next()).isNull();
        assertThat(done.moved()).as("the step during which it was deleted, and none after").isEqualTo(1_000);
        assertThat(f.paths.legacyListings).containsEntry("a", 200);
    }

    @Test
    void onlyAnAdminOfAllCachesMigratesAndFromMustBeACacheName() {
        f.createCache("team");
        Principal teamAdmin = new Principal("tk_0000000000000001", Scope.fromLists(List.of("team"), List.of("admin")));
        DomainException refused = failure(() -> f.services.caches().migrateIndex(teamAdmin, new IndexMigrationRequest(null)));
        assertThat(refused.status()).isEqualTo(403);
        DomainException invalid = failure(() -> f.services.caches().migrateIndex(ADMIN, new IndexMigrationRequest("Not A Cache")));
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.field()).isEqualTo("from");
    }
}
