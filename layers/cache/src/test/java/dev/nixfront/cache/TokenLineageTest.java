package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.TokenInfo;
import dev.nixfront.cache.fake.MemoryTokenRepository;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.fake.MutableClock;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.cache.port.TokenRecord;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tokens bounded by their maker, tried as an attacker would: each misuse is a test. */
class TokenLineageTest {
    private static final dev.nixfront.cache.fake.MemoryCacheRepository CACHES =
            dev.nixfront.cache.fake.MemoryCacheRepository.withCaches("team", "other");
    private static final String ROOT = "nf_rootrootrootrootrootrootrootrootrootrootroo";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T17:00:00Z"));
    private final MemoryTokenRepository repository = new MemoryTokenRepository();
    /** Runs before each token write reaches the table: another container acting in between. */
    private Runnable beforeCreate = () -> { };
    private final TokenService tokens = container();
    private final Principal root = authenticate(registered());

    private TokenService container() {
        repository.beforeCreate(() -> beforeCreate.run());
        return new TokenService(repository, CACHES, EdgeStore.NONE, clock, new SecureRandom(), Duration.ofSeconds(30));
    }

    private String registered() {
        tokens.registerBootstrap(TokenService.hash(ROOT), "bootstrap");
        return ROOT;
    }

    private Principal authenticate(String token) {
        return authenticate(tokens, token);
    }

    private static Principal authenticate(TokenService in, String token) {
        return in.authenticate("Bearer " + token);
    }

    private CreatedToken make(Principal maker, List<String> caches, List<String> permissions, Instant expiresAt) {
        return tokens.create(maker, new CreateTokenRequest(null, caches, permissions, expiresAt));
    }

    private CreatedToken admin(Principal maker, String... caches) {
        return make(maker, List.of(caches), List.of("admin"), null);
    }

    private static DomainException failure(Runnable r) {
        try {
            r.run();
        } catch (DomainException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    private TokenInfo listed(CreatedToken token) {
        return tokens.list(root).tokens().stream().filter(t -> t.id().equals(token.info().id())).findFirst().orElseThrow();
    }

    @Test
    void aChildTokenNeverOutlivesItsMakerAndDiesWithIt() {
        Instant inAMinute = clock.instant().plusSeconds(60);
        CreatedToken maker = make(root, List.of("*"), List.of("admin"), inAMinute);
        Principal makerP = authenticate(maker.token());

        DomainException later = failure(() -> make(makerP, List.of("*"), List.of("admin"), inAMinute.plus(Duration.ofDays(365))));
        assertThat(later.status()).isEqualTo(400);
        assertThat(later.field()).isEqualTo("expiresAt");
        assertThat(later.reason()).contains(inAMinute.toString(), maker.info().id());
        CreatedToken child = admin(makerP, "*");
        assertThat(child.info().expiresAt()).as("an omitted expiry takes the maker's").isEqualTo(inAMinute);
        assertThat(child.info().createdBy()).isEqualTo(maker.info().id());
        CreatedToken grandchild = make(authenticate(child.token()), List.of("team"), List.of("read"), inAMinute);
        assertThat(authenticate(grandchild.token()).depth()).as("root, maker, child above it").isEqualTo(3);

        tokens.revoke(root, maker.info().id());

        for (CreatedToken dead : List.of(maker, child, grandchild)) {
            DomainException e = failure(() -> authenticate(dead.token()));
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.reason()).contains(maker.info().id(), "revoked");
            assertThat(listed(dead).revokedAt()).isEqualTo(listed(maker).revokedAt());
        }
    }

    @Test
    void everythingMadeWithATokenStopsWithItsExpiry() {
        Instant soon = clock.instant().plusSeconds(60);
        CreatedToken maker = make(root, List.of("team"), List.of("admin"), soon);
        CreatedToken child = admin(authenticate(maker.token()), "team");
        clock.advance(Duration.ofSeconds(60));

        assertThat(failure(() -> authenticate(maker.token())).reason()).contains("expired");
        DomainException e = failure(() -> authenticate(child.token()));
        assertThat(e.reason()).isEqualTo("token " + child.info().id() + " was made by " + maker.info().id()
                + ", which expired at " + soon);
    }

    @Test
    void aMakerRevokedHereDiesInOtherContainersWithEverythingItMadeWithinTheLookupTtl() {
        CreatedToken maker = admin(root, "team");
        CreatedToken child = admin(authenticate(maker.token()), "team");
        CreatedToken grandchild = make(authenticate(child.token()), List.of("team"), List.of("write"), null);
        TokenService elsewhere = container();
        for (CreatedToken t : List.of(maker, child, grandchild)) {
            authenticate(elsewhere, t.token());
        }
        clock.advance(Duration.ofSeconds(1));

        tokens.revoke(root, maker.info().id());

        clock.advance(Duration.ofSeconds(29));
        for (CreatedToken t : List.of(child, grandchild)) {
            DomainException e = failure(() -> authenticate(elsewhere, t.token()));
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.reason()).as("names the revoked ancestor").contains(maker.info().id(), "revoked");
        }
    }

    @Test
    void aCrashHalfwayThroughMarkingLeavesNoUsableDescendant() {
        CreatedToken maker = admin(root, "team");
        CreatedToken child = admin(authenticate(maker.token()), "team");
        CreatedToken grandchild = make(authenticate(child.token()), List.of("team"), List.of("read"), null);
        TokenService elsewhere = container();

        repository.failRevocationsAfter(1);
        assertThatThrownBy(() -> tokens.revoke(root, maker.info().id())).hasMessageContaining("died");
        repository.failRevocationsAfter(Integer.MAX_VALUE);

        assertThat(listed(child).revokedAt()).as("not marked yet").isNull();
        for (CreatedToken t : List.of(child, grandchild)) {
            assertThat(failure(() -> authenticate(elsewhere, t.token())).reason()).contains(maker.info().id(), "revoked");
            assertThat(failure(() -> authenticate(t.token())).status()).isEqualTo(401);
        }
        // Revoking again finishes the marking, for listings and the edge.
        tokens.revoke(root, maker.info().id());
        assertThat(listed(child).revokedAt()).isEqualTo(listed(maker).revokedAt());
        assertThat(listed(grandchild).revokedAt()).isEqualTo(listed(maker).revokedAt());
    }

    @Test
    void noTokenMakesOneBeyondItsOwnCachesOrPermissions() {
        Principal teamAdmin = authenticate(admin(root, "team").token());
        Principal teamWriter = authenticate(make(root, List.of("team"), List.of("write"), null).token());
        Principal everyWriter = authenticate(make(root, List.of("*"), List.of("read", "write"), null).token());

        assertThat(failure(() -> admin(teamAdmin, "*")).status()).isEqualTo(403);
        assertThat(failure(() -> admin(teamAdmin, "team", "other")).status()).isEqualTo(403);
        assertThat(failure(() -> make(teamWriter, List.of("team"), List.of("read"), null)).status()).isEqualTo(403);
        assertThat(failure(() -> make(everyWriter, List.of("team"), List.of("read"), null)).status()).isEqualTo(403);
        assertThat(make(teamAdmin, List.of("team"), List.of("read", "write", "admin"), null).info().caches()).containsExactly("team");

        Scope team = Scope.fromLists(List.of("team"), List.of("write"));
        assertThat(Scope.admin().includes(team)).isTrue();
        assertThat(team.includes(Scope.fromLists(List.of("team"), List.of("read")))).isTrue();
        assertThat(team.includes(Scope.fromLists(List.of("team"), List.of("admin")))).isFalse();
        assertThat(team.includes(Scope.fromLists(List.of("*"), List.of("read")))).isFalse();
        assertThat(team.includes(Scope.fromLists(List.of("team", "other"), List.of("read")))).isFalse();
    }

    @Test
    void chainsStopAtEightMakers() {
        Principal maker = root;
        for (int depth = 1; depth <= Lineage.MAX_DEPTH; depth++) {
            maker = authenticate(admin(maker, "team").token());
            assertThat(maker.depth()).isEqualTo(depth);
        }
        Principal deepest = maker;
        int records = repository.all().size();

        DomainException tooDeep = failure(() -> admin(deepest, "team"));

        assertThat(tooDeep.status()).isEqualTo(400);
        assertThat(tooDeep.reason()).contains("8 makers above it");
        assertThat(repository.all()).as("nothing written").hasSize(records);
    }

    @Test
    void aTokenWhoseChainIsTooLongOrBrokenInTheTableIsRefused() {
        String previous = TokenService.hash(ROOT);
        String previousId = TokenService.BOOTSTRAP_ID;
        for (int i = 1; i <= Lineage.MAX_DEPTH + 1; i++) {
            String secret = "nf_forged-" + i;
            repository.create(new TokenRecord("tk_" + "%016x".formatted(i), TokenService.hash(secret), null, Scope.admin(),
                    clock.instant(), null, null, new TokenRecord.Maker(previousId, previous)));
            previous = TokenService.hash(secret);
            previousId = "tk_" + "%016x".formatted(i);
        }
        assertThat(failure(() -> authenticate("nf_forged-" + (Lineage.MAX_DEPTH + 1))).reason()).contains("more than 8 makers");
        assertThat(authenticate("nf_forged-" + Lineage.MAX_DEPTH).depth()).isEqualTo(Lineage.MAX_DEPTH);

        repository.create(new TokenRecord("tk_00000000000000aa", TokenService.hash("nf_orphan"), null, Scope.admin(),
                clock.instant(), null, null, new TokenRecord.Maker("tk_00000000000000ab", TokenService.hash("nf_gone"))));
        assertThat(failure(() -> authenticate("nf_orphan")).reason()).contains("tk_00000000000000ab", "not on record");
    }

    @Test
    void aMakerRevokedElsewhereMakesNothingUsableWithinTheLookupTtl() {
        CreatedToken maker = admin(root, "team");
        TokenService elsewhere = container();
        Principal remembered = authenticate(elsewhere, maker.token());
        tokens.revoke(root, maker.info().id());
        int records = repository.all().size();

        DomainException refused = failure(() -> elsewhere.create(remembered, new CreateTokenRequest(null, List.of("team"), List.of("read"), null)));

        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.reason()).contains(maker.info().id(), "revoked");
        assertThat(repository.all()).as("nothing written").hasSize(records);
    }

    @Test
    void aRevocationRacingACreationStillMarksTheNewToken() {
        CreatedToken maker = admin(root, "team");
        Principal makerP = authenticate(maker.token());
        TokenService elsewhere = container();
        // The revocation runs after the maker was checked, before its child exists: its marking
        // cannot see the child, so the creation must notice and revoke what it wrote.
        beforeCreate = () -> {
            beforeCreate = () -> { };
            elsewhere.revoke(authenticate(elsewhere, ROOT), maker.info().id());
        };

        DomainException refused = failure(() -> make(makerP, List.of("team"), List.of("read"), null));

        assertThat(refused.status()).isEqualTo(401);
        assertThat(repository.all()).filteredOn(t -> maker.info().id().equals(t.maker() == null ? null : t.maker().id()))
                .singleElement().satisfies(child -> assertThat(child.revokedAt()).isNotNull());
    }

    @Test
    void aCacheAdminListsAndRevokesTheTokensOfItsCachesAndNothingElse() {
        CreatedToken teamAdmin = admin(root, "team");
        Principal teamP = authenticate(teamAdmin.token());
        CreatedToken teamReader = make(root, List.of("team"), List.of("read"), null);
        CreatedToken both = make(root, List.of("team", "other"), List.of("read"), null);
        CreatedToken every = make(root, List.of("*"), List.of("read"), null);
        CreatedToken otherAdmin = admin(root, "other");

        assertThat(tokens.list(teamP).tokens()).extracting(TokenInfo::id)
                .containsExactlyInAnyOrder(teamAdmin.info().id(), teamReader.info().id());
        assertThat(tokens.list(teamP, "team").tokens()).hasSize(2);
        assertThat(failure(() -> tokens.list(teamP, "other")).status()).isEqualTo(403);
        assertThat(failure(() -> tokens.list(teamP, "Not A Name")).field()).isEqualTo("cache");
        assertThat(tokens.list(root, "team").tokens()).extracting(TokenInfo::id)
                .contains(teamAdmin.info().id(), teamReader.info().id(), both.info().id(), every.info().id())
                .doesNotContain(otherAdmin.info().id());

        // Beyond its caches and absent are the same 404: nothing leaks.
        DomainException beyond = failure(() -> tokens.revoke(teamP, both.info().id()));
        DomainException absent = failure(() -> tokens.revoke(teamP, "tk_00000000000000ff"));
        assertThat(beyond.status()).isEqualTo(404);
        assertThat(beyond.reason()).isEqualTo(absent.reason().replace("tk_00000000000000ff", both.info().id()));
        assertThat(failure(() -> tokens.revoke(teamP, TokenService.BOOTSTRAP_ID)).status()).isEqualTo(404);
        assertThat(authenticate(both.token()).tokenId()).isEqualTo(both.info().id());

        tokens.revoke(teamP, teamReader.info().id());
        assertThat(failure(() -> authenticate(teamReader.token())).status()).isEqualTo(401);
        assertThat(authenticate(every.token()).tokenId()).isEqualTo(every.info().id());
    }

    @Test
    void tokensMadeBeforeMakersWereRecordedKeepWorking() {
        repository.create(new TokenRecord("tk_000000000000001e", TokenService.hash("nf_legacy"), "old ci", Scope.admin(),
                clock.instant().minus(Duration.ofDays(90)), null, null));
        Principal legacy = authenticate("nf_legacy");
        assertThat(legacy.depth()).isZero();
        CreatedToken child = admin(legacy, "team");
        assertThat(child.info().createdBy()).isEqualTo("tk_000000000000001e");
        assertThat(tokens.list(root).tokens()).filteredOn(t -> t.id().equals("tk_000000000000001e"))
                .singleElement().satisfies(t -> assertThat(t.createdBy()).isNull());

        tokens.revoke(root, "tk_000000000000001e");
        assertThat(failure(() -> authenticate(child.token())).reason()).contains("tk_000000000000001e", "revoked");
    }

    @Test
    void rotatingTheBootstrapSecretRetiresEverythingMadeWithTheOldValue() {
        CreatedToken made = admin(root, "*");
        CreatedToken below = admin(authenticate(made.token()), "team");
        clock.advance(Duration.ofMinutes(1));
        TokenService next = container();
        next.registerBootstrap(TokenService.hash("nf_rotated-value"), "bootstrap");

        assertThat(authenticate(next, "nf_rotated-value").depth()).isZero();
        for (CreatedToken t : List.of(made, below)) {
            assertThat(failure(() -> authenticate(next, t.token())).reason()).contains(TokenService.BOOTSTRAP_ID, "revoked");
            assertThat(listed(t).revokedAt()).isEqualTo(clock.instant());
        }
    }
}
