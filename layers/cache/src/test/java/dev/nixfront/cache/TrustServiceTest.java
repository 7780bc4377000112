package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.OidcTokenRequest;
import dev.nixfront.api.TrustInfo;
import dev.nixfront.api.TrustRequest;
import dev.nixfront.cache.fake.FakePorts;
import dev.nixfront.cache.fake.TestIssuer;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.Permission;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exchange of ID tokens for write tokens, against a made-up issuer: every way in that should be
 * refused is, naming the field, with nothing written; the token given out writes that one cache.
 */
class TrustServiceTest {
    private static final String ADMIN_SECRET = "nf_adminadminadminadminadminadminadminadminadm";
    private static final String MAIN = "repo:acme/site:ref:refs/heads/main";

    private final FakePorts fakes = new FakePorts();
    private final TestIssuer issuer = new TestIssuer("https://issuer.example");
    private final Services services = Services.create(new dev.nixfront.cache.Ports(fakes.objects, fakes.caches, fakes.paths,
            fakes.nars, fakes.tokens, new dev.nixfront.cache.fake.FakeKeyVault(), fakes.queue, fakes.metrics, fakes.edge,
            fakes.roots, fakes.pins, fakes.usage, fakes.collections, dev.nixfront.cache.port.CollectionQueue.NONE, fakes.edgeCache,
            issuer.client(), fakes.trusts), CacheSettings.defaults("https://cache.example.org").withNameReservation(Duration.ZERO),
            fakes.clock, new SecureRandom());
    private final Principal admin;

    TrustServiceTest() {
        services.tokens().registerBootstrap(TokenService.hash(ADMIN_SECRET), "bootstrap");
        admin = services.tokens().authenticate("Bearer " + ADMIN_SECRET);
        services.caches().create(admin, new CreateCacheRequest("team", null, null, null));
        services.caches().create(admin, new CreateCacheRequest("other", null, null, null));
    }

    private TrustInfo trust(String cache, String subject) {
        return services.trusts().add(admin, cache, new TrustRequest(issuer.url, subject, null, null));
    }

    private Map<String, Object> claims(String subject) {
        return new HashMap<>(issuer.claims(subject, "nixfront", fakes.clock.instant()));
    }

    private CreatedToken exchange(String cache, String idToken) {
        return services.trusts().exchange(new OidcTokenRequest(cache, idToken));
    }

    /** The refusal, after checking that nothing was written. */
    private DomainException refused(String cache, String idToken) {
        int tokens = fakes.tokens.all().size();
        Map<String, String> edge = Map.copyOf(fakes.edge.entries());
        try {
            exchange(cache, idToken);
        } catch (DomainException e) {
            assertThat(fakes.tokens.all()).hasSize(tokens);
            assertThat(fakes.edge.entries()).isEqualTo(edge);
            return e;
        }
        throw new AssertionError("accepted");
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
    void anIdTokenOfATrustedJobBecomesAnHourLongWriteTokenOfThatCacheAlone() {
        TrustInfo trust = trust("team", MAIN);
        assertThat(trust.id()).matches("tr_[0-9a-f]{16}");
        assertThat(trust.audience()).isEqualTo("nixfront");
        assertThat(trust.ttlSeconds()).isEqualTo(3600);
        assertThat(trust.createdBy()).isEqualTo(TokenService.BOOTSTRAP_ID);

        CreatedToken token = exchange("team", issuer.token(claims(MAIN)));

        assertThat(token.info().caches()).containsExactly("team");
        assertThat(token.info().permissions()).containsExactly("read", "write");
        assertThat(token.info().expiresAt()).isEqualTo(fakes.clock.instant().plus(Duration.ofHours(1)));
        assertThat(token.info().createdBy()).isEqualTo(TokenService.BOOTSTRAP_ID);
        assertThat(token.info().description()).isEqualTo("oidc " + trust.id() + " " + MAIN);
        Principal ci = services.tokens().authenticate("Bearer " + token.token());
        ci.require(CacheName.of("team"), Permission.WRITE);
        assertThat(failure(() -> ci.require(CacheName.of("other"), Permission.READ)).status()).isEqualTo(403);
        assertThat(failure(() -> ci.require(CacheName.of("team"), Permission.ADMIN)).status()).isEqualTo(403);
        assertThat(failure(() -> services.tokens().create(ci, new CreateTokenRequest("x", List.of("team"), List.of("read"), null)))
                .status()).isEqualTo(403);
        assertThat(fakes.edge.entries()).containsKey("t:" + TokenService.hash(token.token()) + ":team");

        fakes.clock.advance(Duration.ofHours(1));
        assertThat(failure(() -> services.tokens().authenticate("Bearer " + token.token())).reason()).contains("expired");
    }

    @Test
    void theTokenExpiresWithTheTrustsMakerAndDiesWithItsRevocation() {
        CreatedToken teamAdmin = services.tokens().create(admin, new CreateTokenRequest("team admin", List.of("team"),
                List.of("admin"), fakes.clock.instant().plus(Duration.ofMinutes(20))));
        Principal maker = services.tokens().authenticate("Bearer " + teamAdmin.token());
        services.trusts().add(maker, "team", new TrustRequest(issuer.url, MAIN, null, "1h"));

        CreatedToken token = exchange("team", issuer.token(claims(MAIN)));
        assertThat(token.info().expiresAt()).isEqualTo(fakes.clock.instant().plus(Duration.ofMinutes(20)));
        assertThat(token.info().createdBy()).isEqualTo(teamAdmin.info().id());

        services.tokens().revoke(admin, teamAdmin.info().id());
        assertThat(failure(() -> services.tokens().authenticate("Bearer " + token.token())).status()).isEqualTo(401);
        DomainException dead = refused("team", issuer.token(claims(MAIN)));
        assertThat(dead.status()).isEqualTo(401);
        assertThat(dead.reason()).contains("no longer works").contains("revoked");
    }

    @Test
    void theIssuerMustBeOneATrustOfThisCacheNames() {
        trust("other", MAIN);
        Map<String, Object> claims = claims(MAIN);
        DomainException e = refused("team", issuer.token(claims));
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.field()).isEqualTo("idToken.iss");
        assertThat(issuer.fetches.get()).as("nothing fetched for an issuer no trust names").isZero();

        trust("team", MAIN);
        claims.put("iss", "https://evil.example");
        assertThat(refused("team", issuer.token(claims)).field()).isEqualTo("idToken.iss");
        assertThat(refused("nosuch", issuer.token(claims(MAIN))).reason())
                .as("an unknown cache answers as one without trusts").contains("trusts no ID tokens");
        assertThat(issuer.fetches.get()).isZero();
    }

    @Test
    void audienceTimesAndSubjectAreChecked() {
        trust("team", MAIN);
        Instant now = fakes.clock.instant();
        Map<String, Object> wrongAudience = claims(MAIN);
        wrongAudience.put("aud", List.of("sts.amazonaws.com", "other"));
        assertThat(refused("team", issuer.token(wrongAudience)).field()).isEqualTo("idToken.aud");

        Map<String, Object> expired = claims(MAIN);
        expired.put("iat", now.getEpochSecond() - 600);
        expired.put("nbf", now.getEpochSecond() - 600);
        expired.put("exp", now.getEpochSecond() - 61);
        assertThat(refused("team", issuer.token(expired)).field()).isEqualTo("idToken.exp");
        expired.put("exp", now.getEpochSecond() - 30);
        assertThat(exchange("team", issuer.token(expired)).token()).as("within the skew").startsWith("nf_");

        Map<String, Object> early = claims(MAIN);
        early.put("nbf", now.getEpochSecond() + 120);
        assertThat(refused("team", issuer.token(early)).field()).isEqualTo("idToken.nbf");
        Map<String, Object> future = claims(MAIN);
        future.put("iat", now.getEpochSecond() + 120);
        assertThat(refused("team", issuer.token(future)).field()).isEqualTo("idToken.iat");
        Map<String, Object> tooLong = claims(MAIN);
        tooLong.put("exp", now.getEpochSecond() + 7200);
        assertThat(refused("team", issuer.token(tooLong)).field()).isEqualTo("idToken.exp");
        Map<String, Object> noExp = claims(MAIN);
        noExp.remove("exp");
        assertThat(refused("team", issuer.token(noExp)).field()).isEqualTo("idToken.exp");

        for (String other : List.of("repo:acme/site:ref:refs/heads/dev", "repo:acme/site:pull_request", "repo:acme/site2:ref:refs/heads/main",
                "repo:evil/site:ref:refs/heads/main", "repo:acme/site:ref:refs/heads/main:x")) {
            DomainException e = refused("team", issuer.token(claims(other)));
            assertThat(e.status()).as(other).isEqualTo(403);
            assertThat(e.field()).isEqualTo("idToken.sub");
        }
    }

    @Test
    void aWildcardStandsForOneFieldAndNeverForTheOwner() {
        trust("team", "repo:acme/*:ref:refs/heads/*");
        assertThat(exchange("team", issuer.token(claims("repo:acme/site:ref:refs/heads/feature/x"))).token()).startsWith("nf_");
        assertThat(refused("team", issuer.token(claims("repo:acme/site:pull_request"))).status()).isEqualTo(403);
        assertThat(refused("team", issuer.token(claims("repo:acme/site:environment:ref:refs/heads/x"))).status()).isEqualTo(403);
        assertThat(refused("team", issuer.token(claims("repo:acme/:ref:refs/heads/main"))).status()).as("one or more").isEqualTo(403);
        for (String pattern : List.of("repo:*:ref:refs/heads/main", "*:acme/site", "repo:ac*/site:ref:x", "repo:acme/site with space", "")) {
            DomainException e = failure(() -> trust("team", pattern));
            assertThat(e.status()).as(pattern).isEqualTo(400);
            assertThat(e.field()).isEqualTo("subject");
        }
    }

    @Test
    void onlyRs256SignedByTheIssuersKeyIsAccepted() throws Exception {
        trust("team", MAIN);
        Map<String, Object> claims = claims(MAIN);
        assertThat(refused("team", TestIssuer.sign(Map.of("alg", "none", "kid", issuer.kid), claims, issuer.keys())).field())
                .isEqualTo("idToken.header.alg");
        assertThat(refused("team", TestIssuer.sign(Map.of("alg", "HS256", "kid", issuer.kid), claims, issuer.keys())).field())
                .isEqualTo("idToken.header.alg");
        assertThat(refused("team", TestIssuer.sign(Map.of("alg", "RS256", "kid", issuer.kid, "crit", List.of("exp")), claims,
                issuer.keys())).field()).isEqualTo("idToken.header.crit");
        assertThat(refused("team", TestIssuer.sign(Map.of("alg", "RS256", "kid", issuer.kid), claims, TestIssuer.generate()))
                .field()).as("another key under the issuer's kid").isEqualTo("idToken.signature");

        String good = issuer.token(claims);
        String[] parts = good.split("\\.");
        Map<String, Object> forged = new HashMap<>(claims);
        forged.put("sub", "repo:acme/site:ref:refs/heads/main");
        forged.put("aud", "nixfront");
        forged.put("exp", ((Number) claims.get("exp")).longValue() + 1);
        String tampered = parts[0] + "." + TestIssuer.b64(dev.nixfront.api.Json.writeBytes(forged)) + "." + parts[2];
        assertThat(refused("team", tampered).field()).isEqualTo("idToken.signature");
        DomainException malformed = refused("team", "a.b");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.field()).isEqualTo("idToken");
        DomainException big = refused("team", "a".repeat(9000) + ".b.c");
        assertThat(big.status()).isEqualTo(400);
        assertThat(big.reason()).contains("at most 8192");
        assertThat(exchange("team", good).token()).startsWith("nf_");
    }

    @Test
    void concurrentAddsNeverLeaveMoreThanTwentyTrusts() throws Exception {
        for (int i = 0; i < 11; i++) {
            trust("team", MAIN);
        }
        // Every add counts the trusts before any of them writes: the interleaving that let 15 adds at
        // 11 trusts all succeed (26 stored) when the count was checked only before the write.
        int racers = 15;
        java.util.concurrent.CountDownLatch counted = new java.util.concurrent.CountDownLatch(racers);
        ThreadLocal<Boolean> first = ThreadLocal.withInitial(() -> true);
        dev.nixfront.cache.port.TrustRepository racing = new dev.nixfront.cache.port.TrustRepository() {
            @Override
            public List<dev.nixfront.cache.port.TrustRecord> list(dev.nixfront.cache.port.CacheRecord cache) {
                List<dev.nixfront.cache.port.TrustRecord> listed = fakes.trusts.list(cache);
                if (first.get()) {
                    first.set(false);
                    counted.countDown();
                    try {
                        assertThat(counted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return listed;
            }

            @Override
            public void create(dev.nixfront.cache.port.CacheRecord cache, dev.nixfront.cache.port.TrustRecord trust) {
                fakes.trusts.create(cache, trust);
            }

            @Override
            public boolean delete(dev.nixfront.cache.port.CacheRecord cache, String id) {
                return fakes.trusts.delete(cache, id);
            }

            @Override
            public void deleteAll(dev.nixfront.cache.port.CacheRecord cache) {
                fakes.trusts.deleteAll(cache);
            }
        };
        TrustService raced = new TrustService(fakes.caches, racing, services.tokens(), new dev.nixfront.cache.oidc.IssuerKeys(issuer.client(),
                false), fakes.clock, new SecureRandom(), false);
        java.util.concurrent.atomic.AtomicInteger added = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger refusedTooMany = new java.util.concurrent.atomic.AtomicInteger();
        try (java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(racers)) {
            for (int i = 0; i < racers; i++) {
                pool.submit(() -> {
                    try {
                        raced.add(admin, "team", new TrustRequest(issuer.url, MAIN, null, null));
                        added.incrementAndGet();
                    } catch (DomainException e) {
                        assertThat(e.status()).isEqualTo(413);
                        refusedTooMany.incrementAndGet();
                    }
                    return null;
                });
            }
        }
        assertThat(added.get() + refusedTooMany.get()).isEqualTo(racers);
        List<TrustInfo> stored = services.trusts().list(admin, "team").trusts();
        assertThat(stored).as("at most 20, whatever the interleaving").hasSizeLessThanOrEqualTo(20);
        assertThat(stored).as("every 201 kept, every 413 removed").hasSize(11 + added.get());
    }

    @Test
    void anUnknownKeyIdFetchesTheKeysAgainAtMostOnceAMinute() {
        trust("team", MAIN);
        assertThat(exchange("team", issuer.token(claims(MAIN))).token()).startsWith("nf_");
        assertThat(issuer.fetches.get()).isEqualTo(2);
        assertThat(exchange("team", issuer.token(claims(MAIN))).token()).as("the keys are kept").startsWith("nf_");
        assertThat(issuer.fetches.get()).isEqualTo(2);

        Map<String, Object> claims = claims(MAIN);
        String unknown = TestIssuer.sign(Map.of("alg", "RS256", "kid", "key-2"), claims, issuer.keys());
        fakes.clock.advance(Duration.ofSeconds(61));
        assertThat(refused("team", unknown).field()).isEqualTo("idToken.header.kid");
        assertThat(issuer.fetches.get()).isEqualTo(4);
        assertThat(refused("team", unknown).field()).isEqualTo("idToken.header.kid");
        assertThat(issuer.fetches.get()).as("not again within the minute").isEqualTo(4);

        java.security.KeyPair rotated = issuer.rotate("key-2");
        fakes.clock.advance(Duration.ofSeconds(61));
        Map<String, Object> fresh = claims(MAIN);
        assertThat(exchange("team", TestIssuer.sign(Map.of("alg", "RS256", "kid", "key-2"), fresh, rotated)).token()).startsWith("nf_");
    }

    @Test
    void keysComeOnlyFromTheIssuersOwnHostWithoutRedirects() {
        trust("team", MAIN);
        issuer.moveKeys("https://keys.elsewhere.example/jwks");
        DomainException moved = refused("team", issuer.token(claims(MAIN)));
        assertThat(moved.field()).isEqualTo("idToken.iss");
        assertThat(moved.reason()).contains("scheme, host and port");

        issuer.documents().remove(issuer.discovery().toString());
        fakes.clock.advance(Duration.ofSeconds(61));
        DomainException gone = refused("team", issuer.token(claims(MAIN)));
        assertThat(gone.reason()).contains("answered 404");
    }

    @Test
    void aTrustIsOfOneIncarnationAndGoesWithItsCache() {
        trust("team", MAIN);
        String idToken = issuer.token(claims(MAIN));
        services.caches().delete(admin, "team");
        assertThat(fakes.trusts.size()).isZero();
        services.caches().create(admin, new CreateCacheRequest("team", null, null, null));
        DomainException e = refused("team", idToken);
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.field()).isEqualTo("idToken.iss");
    }

    @Test
    void trustsAreAddedListedAndRemovedByTheCachesAdminsOnly() {
        TrustInfo trust = trust("team", MAIN);
        assertThat(services.trusts().list(admin, "team").trusts()).containsExactly(trust);
        CreatedToken writer = services.tokens().create(admin, new CreateTokenRequest("w", List.of("team"), List.of("write"), null));
        Principal w = services.tokens().authenticate("Bearer " + writer.token());
        assertThat(failure(() -> services.trusts().add(w, "team", new TrustRequest(null, MAIN, null, null))).status()).isEqualTo(403);
        assertThat(failure(() -> services.trusts().list(w, "team")).status()).isEqualTo(403);
        assertThat(failure(() -> services.trusts().add(admin, "team", new TrustRequest("http://issuer.example", MAIN, null, null)))
                .field()).isEqualTo("issuer");
        assertThat(failure(() -> services.trusts().add(admin, "team", new TrustRequest("https://127.0.0.1", MAIN, null, null)))
                .field()).isEqualTo("issuer");
        assertThat(failure(() -> services.trusts().add(admin, "team", new TrustRequest(null, MAIN, null, "2h"))).field()).isEqualTo("ttl");
        // java.net.URI takes any non-ASCII letter, a right-to-left override among them: shown by trust list, it would lie.
        assertThat(failure(() -> services.trusts().add(admin, "team", new TrustRequest("https://issuer.example/\u202egro.buhtig",
                MAIN, null, null))).field()).isEqualTo("issuer");
        assertThat(failure(() -> services.trusts().add(admin, "team", new TrustRequest("https://issuer.example/caf\u00e9",
                MAIN, null, null))).field()).isEqualTo("issuer");
        assertThat(services.trusts().add(admin, "team", new TrustRequest(null, MAIN, null, null)).issuer())
                .isEqualTo(TrustRequest.GITHUB_ACTIONS);

        services.trusts().remove(admin, "team", trust.id());
        assertThat(failure(() -> services.trusts().remove(admin, "team", trust.id())).status()).isEqualTo(404);
        assertThat(refused("team", issuer.token(claims(MAIN))).field()).isEqualTo("idToken.iss");
    }
}
