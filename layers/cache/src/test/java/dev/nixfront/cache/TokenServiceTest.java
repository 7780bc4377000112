package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.cache.fake.MemoryTokenRepository;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.fake.MutableClock;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.Permission;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenServiceTest {
    private static final dev.nixfront.cache.fake.MemoryCacheRepository CACHES =
            dev.nixfront.cache.fake.MemoryCacheRepository.withCaches("team", "other");
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T17:00:00Z"));
    private final MemoryTokenRepository repository = new MemoryTokenRepository();
    private final TokenService tokens = service();
    /** The bootstrap token, authenticated as the admin function would: makers must be on record. */
    private final Principal admin = bootstrap("nf_adminadminadminadminadminadminadminadminadm");

    private TokenService service() {
        return new TokenService(repository, CACHES, EdgeStore.NONE, clock, new SecureRandom(), Duration.ofSeconds(30));
    }

    private Principal bootstrap(String secret) {
        tokens.registerBootstrap(TokenService.hash(secret), "bootstrap");
        return tokens.authenticate("Bearer " + secret);
    }

    private CreatedToken create(List<String> caches, List<String> permissions, Instant expiresAt) {
        return tokens.create(admin, new CreateTokenRequest("ci", caches, permissions, expiresAt));
    }

    private Principal holder(CreatedToken token) {
        return tokens.authenticate("Bearer " + token.token());
    }

    private static DomainException failure(Runnable r) {
        try {
            r.run();
        } catch (DomainException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void aTokenIsShownOnceAndStoredOnlyAsItsHash() {
        CreatedToken created = create(List.of("team"), List.of("read", "write"), null);

        assertThat(created.token()).matches("nf_[A-Za-z0-9_-]{43}");
        assertThat(created.info().id()).matches("tk_[0-9a-f]{16}");
        assertThat(created.info().caches()).containsExactly("team");
        assertThat(created.info().permissions()).containsExactly("read", "write");
        assertThat(created.info().createdBy()).isEqualTo(TokenService.BOOTSTRAP_ID);
        assertThat(created.toString()).doesNotContain(created.token());
        assertThat(repository.all()).filteredOn(t -> t.id().equals(created.info().id())).singleElement().satisfies(t -> {
            assertThat(t.secretHash()).isEqualTo(TokenService.hash(created.token()));
            assertThat(t.toString()).doesNotContain(created.token());
        });

        Principal p = tokens.authenticate("Bearer " + created.token());
        assertThat(p.tokenId()).isEqualTo(created.info().id());
        assertThat(p.scope().allows(CacheName.of("team"), Permission.WRITE)).isTrue();
        assertThat(p.scope().allows(CacheName.of("team"), Permission.ADMIN)).isFalse();
        assertThat(p.scope().allows(CacheName.of("other"), Permission.READ)).isFalse();
    }

    @Test
    void everyWayToFailAuthenticationSaysWhy() {
        assertThat(failure(() -> tokens.authenticate(null)).reason()).contains("missing Authorization");
        assertThat(failure(() -> tokens.authenticate("Basic abc")).reason()).contains("Bearer");
        assertThat(failure(() -> tokens.authenticate("Bearer abc")).reason()).isEqualTo("unknown token");
        DomainException unknown = failure(() -> tokens.authenticate("Bearer nf_unknown"));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.toApiError().error()).isEqualTo("unauthenticated");
        assertThat(unknown.reason()).isEqualTo("unknown token");
    }

    @Test
    void anExpiredTokenFailsAtOnceEvenWhenItsLookupIsCached() {
        CreatedToken created = create(List.of("*"), List.of("read"), clock.instant().plusSeconds(10));
        tokens.authenticate("Bearer " + created.token());
        clock.advance(Duration.ofSeconds(10));
        DomainException e = failure(() -> tokens.authenticate("Bearer " + created.token()));
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.reason()).contains("expired");
    }

    @Test
    void aRevokedTokenFailsAtOnceHereAndWithinAMinuteInOtherContainers() {
        CreatedToken created = create(List.of("team"), List.of("read"), null);
        TokenService otherContainer = service();
        otherContainer.authenticate("Bearer " + created.token());

        tokens.revoke(admin, created.info().id());

        assertThat(failure(() -> tokens.authenticate("Bearer " + created.token())).reason()).contains("revoked");
        clock.advance(Duration.ofSeconds(59));
        DomainException e = failure(() -> otherContainer.authenticate("Bearer " + created.token()));
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.reason()).contains("revoked");
        assertThat(tokens.list(admin).tokens()).filteredOn(t -> t.id().equals(created.info().id()))
                .singleElement().satisfies(t -> assertThat(t.revokedAt()).isNotNull());
    }

    @Test
    void lookupsAreReusedWithinTheTtlOnly() {
        CreatedToken created = create(List.of("team"), List.of("read"), null);
        int before = repository.lookups();
        tokens.authenticate("Bearer " + created.token());
        tokens.authenticate("Bearer " + created.token());
        assertThat(repository.lookups()).as("the token; its maker was remembered when it made it").isEqualTo(before + 1);
        clock.advance(Duration.ofSeconds(30));
        tokens.authenticate("Bearer " + created.token());
        assertThat(repository.lookups()).as("the token and its maker").isEqualTo(before + 3);
    }

    @Test
    void nobodyHandsOutMoreThanTheyHold() {
        Principal teamAdmin = holder(create(List.of("team"), List.of("admin"), null));
        Principal writer = holder(create(List.of("*"), List.of("write"), null));

        assertThat(tokens.create(teamAdmin, new CreateTokenRequest(null, List.of("team"), List.of("write"), null)).token()).startsWith("nf_");
        assertThat(failure(() -> tokens.create(teamAdmin, new CreateTokenRequest(null, List.of("*"), List.of("read"), null))).status()).isEqualTo(403);
        assertThat(failure(() -> tokens.create(teamAdmin, new CreateTokenRequest(null, List.of("other"), List.of("read"), null))).status()).isEqualTo(403);
        assertThat(failure(() -> tokens.create(writer, new CreateTokenRequest(null, List.of("team"), List.of("read"), null))).status()).isEqualTo(403);
        assertThat(failure(() -> tokens.create(teamAdmin, new CreateTokenRequest(null, List.of("team", "other"), List.of("read"), null))).field())
                .isEqualTo("cache");
        assertThat(failure(() -> tokens.list(writer)).status()).isEqualTo(403);
        assertThat(failure(() -> tokens.revoke(writer, "tk_0000000000000000")).status()).isEqualTo(403);
    }

    @Test
    void badRequestsNameTheirField() {
        assertThat(failure(() -> create(List.of(), List.of("read"), null)).field()).isEqualTo("caches");
        assertThat(failure(() -> create(List.of("Team!"), List.of("read"), null)).field()).isEqualTo("caches[0]");
        assertThat(failure(() -> create(List.of("team"), List.of("fly"), null)).field()).isEqualTo("permissions[0]");
        assertThat(failure(() -> create(List.of("*", "team"), List.of("read"), null)).field()).isEqualTo("caches");
        assertThat(failure(() -> create(List.of("team"), List.of("read"), clock.instant())).field()).isEqualTo("expiresAt");
        // Found by an outside review: listings print descriptions on an admin's terminal.
        assertThat(failure(() -> tokens.create(Fixture.ADMIN, new CreateTokenRequest("ci\u001b[2J", List.of("team"),
                List.of("read"), null))).field()).isEqualTo("description");
        assertThat(failure(() -> tokens.create(Fixture.ADMIN, new CreateTokenRequest("a\u202eb", List.of("team"),
                List.of("read"), null))).field()).isEqualTo("description");
        assertThat(failure(() -> tokens.revoke(admin, "nope")).status()).isEqualTo(400);
        assertThat(failure(() -> tokens.revoke(admin, "tk_0000000000000000")).status()).isEqualTo(404);
    }

    /** What Secrets Manager generates for the stack: 48 letters and digits, no {@code nf_}. */
    private static final String GENERATED = "HVHJ4NCReEhgl0YK513BQjUdHTFxqznoX51JouWbssPn3zV8";

    @Test
    void aRegisteredBootstrapTokenIsAnAllCachesAdminWhateverItLooksLike() {
        assertThat(failure(() -> tokens.authenticate("Bearer " + GENERATED)).reason()).isEqualTo("unknown token");
        assertThat(tokens.registerBootstrap(TokenService.hash(GENERATED), "bootstrap")).isEqualTo(TokenService.Bootstrap.RECORDED);
        assertThat(tokens.registerBootstrap(TokenService.hash(GENERATED), "bootstrap")).as("idempotent")
                .isEqualTo(TokenService.Bootstrap.PRESENT);
        Principal p = tokens.authenticate("Bearer " + GENERATED);
        assertThat(p.tokenId()).isEqualTo(TokenService.BOOTSTRAP_ID);
        assertThat(p.scope().allowsEverywhere(Permission.ADMIN)).isTrue();
        assertThat(p.expiresAt()).isNull();
        assertThat(p.depth()).as("the root of every chain").isZero();
        assertThat(repository.all()).filteredOn(t -> t.revokedAt() == null).singleElement()
                .satisfies(t -> assertThat(t.secretHash()).isEqualTo(TokenService.hash(GENERATED)));
    }

    @Test
    void rotatingTheBootstrapSecretRetiresTheOldValue() {
        String rotated = "Zq9" + GENERATED.substring(3);
        tokens.registerBootstrap(TokenService.hash(GENERATED), "bootstrap");
        tokens.authenticate("Bearer " + GENERATED);
        clock.advance(Duration.ofMinutes(5));
        // A new version of the function that holds the secret starts with the new value.
        TokenService next = new TokenService(repository, CACHES, EdgeStore.NONE, clock, new SecureRandom(), Duration.ofSeconds(30));
        assertThat(next.registerBootstrap(TokenService.hash(rotated), "bootstrap")).isEqualTo(TokenService.Bootstrap.RECORDED);
        assertThat(next.authenticate("Bearer " + rotated).scope().allowsEverywhere(Permission.ADMIN)).isTrue();
        assertThat(failure(() -> next.authenticate("Bearer " + GENERATED)).reason()).contains("was revoked");
        // Other containers may still hold the old lookup until it expires, then they refuse it too.
        clock.advance(Duration.ofSeconds(31));
        assertThat(failure(() -> tokens.authenticate("Bearer " + GENERATED)).status()).isEqualTo(401);
    }

    @Test
    void aRevokedBootstrapTokenStaysRevokedAcrossColdStarts() {
        Principal current = bootstrap(GENERATED);
        tokens.revoke(current, TokenService.BOOTSTRAP_ID);
        TokenService coldStart = new TokenService(repository, CACHES, EdgeStore.NONE, clock, new SecureRandom(), Duration.ofSeconds(30));
        assertThat(coldStart.registerBootstrap(TokenService.hash(GENERATED), "bootstrap")).isEqualTo(TokenService.Bootstrap.REVOKED);
        assertThat(failure(() -> coldStart.authenticate("Bearer " + GENERATED)).reason()).contains("was revoked");
    }

    @Test
    void tokensThatCannotBeHeaderTextAreRefusedBeforeAnyLookup() {
        int before = repository.lookups();
        assertThat(failure(() -> tokens.authenticate("Bearer " + "x".repeat(1025))).status()).isEqualTo(401);
        assertThat(failure(() -> tokens.authenticate("Bearer nf_a\u0001b")).reason()).contains("printable ASCII");
        assertThat(failure(() -> tokens.authenticate("Bearer ")).status()).isEqualTo(401);
        assertThat(repository.lookups()).isEqualTo(before);
    }

    /** Found by an outside review: putting back the value a rotation retired revoked the new one too. */
    @Test
    void puttingAnEarlierValueBackIsReportedAndLocksNobodyOut() {
        String rotated = "Zq9" + GENERATED.substring(3);
        tokens.registerBootstrap(TokenService.hash(GENERATED), "bootstrap");
        TokenService next = new TokenService(repository, CACHES, EdgeStore.NONE, clock, new SecureRandom(), Duration.ofSeconds(30));
        next.registerBootstrap(TokenService.hash(rotated), "bootstrap");
        TokenService rolledBack = new TokenService(repository, CACHES, EdgeStore.NONE, clock, new SecureRandom(), Duration.ofSeconds(30));
        assertThat(rolledBack.registerBootstrap(TokenService.hash(GENERATED), "bootstrap")).isEqualTo(TokenService.Bootstrap.REVOKED);
        assertThat(rolledBack.authenticate("Bearer " + rotated).scope().allowsEverywhere(Permission.ADMIN))
                .as("the value in use before the roll-back still works").isTrue();
    }

    /** Found by an outside review: cold starts registering the same new value at once failed all but one. */
    @Test
    void coldStartsRegisteringTheSameValueAtOnceAllSucceed() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var start = new java.util.concurrent.CountDownLatch(1);
            // Every container looks before any writes: the interleaving that made three of four fail.
            var allLooked = new java.util.concurrent.CyclicBarrier(4);
            var looked = java.util.concurrent.ConcurrentHashMap.<Thread>newKeySet();
            repository.afterFindBySecretHash(hash -> {
                if (looked.add(Thread.currentThread())) {
                    try {
                        allLooked.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            List<java.util.concurrent.Future<TokenService.Bootstrap>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                TokenService container = new TokenService(repository, CACHES, EdgeStore.NONE, clock, new SecureRandom(), Duration.ofSeconds(30));
                runs.add(pool.submit(() -> {
                    start.await();
                    return container.registerBootstrap(TokenService.hash(GENERATED), "bootstrap");
                }));
            }
            start.countDown();
            List<TokenService.Bootstrap> outcomes = new java.util.ArrayList<>();
            for (var run : runs) {
                outcomes.add(run.get());
            }
            repository.afterFindBySecretHash(hash -> { });
            assertThat(outcomes).containsExactlyInAnyOrder(TokenService.Bootstrap.RECORDED, TokenService.Bootstrap.PRESENT,
                    TokenService.Bootstrap.PRESENT, TokenService.Bootstrap.PRESENT);
            assertThat(tokens.authenticate("Bearer " + GENERATED).tokenId()).isEqualTo(TokenService.BOOTSTRAP_ID);
        } finally {
            pool.shutdownNow();
        }
    }
}
