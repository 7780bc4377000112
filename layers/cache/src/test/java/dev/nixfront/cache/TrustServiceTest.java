package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.Json;
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
 * refused is, with nothing written, and with one answer the same for every refusal of a well-formed
 * ID token (the specific reason only in the log's detail); the token given out writes that one cache.
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

    /** The one refusal of a well-formed ID token, whatever was wrong: the specific reason is only in the log's detail. */
    private DomainException uniform(String cache, String idToken, String loggedField) {
        DomainException e = refused(cache, idToken);
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.field()).isEqualTo("idToken");
        assertThat(e.reason()).isEqualTo(TrustService.REFUSAL);
        assertThat(e.detail()).contains("refused on " + loggedField + ":");
        assertThat(e.detail()).as("never the token itself").doesNotContain(idToken.split("\\.")[0]);
        return e;
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
        DomainException dead = uniform("team", issuer.token(claims(MAIN)), "maker");
        assertThat(dead.detail()).contains("no longer works").contains("revoked").contains(teamAdmin.info().id());
        assertThat(Json.write(dead.toApiError())).as("the maker's id and revocation are not the caller's business")
                .doesNotContain(teamAdmin.info().id()).doesNotContain("revoked");
    }

    @Test
    void theIssuerMustBeOneATrustOfThisCacheNames() {
        trust("other", MAIN);
        Map<String, Object> claims = claims(MAIN);
        uniform("team", issuer.token(claims), "idToken.iss");
        assertThat(issuer.fetches.get()).as("nothing fetched for an issuer no trust names").isZero();

        trust("team", MAIN);
        claims.put("iss", "https://evil.example");
        uniform("team", issuer.token(claims), "idToken.iss");
        assertThat(uniform("nosuch", issuer.token(claims(MAIN)), "idToken.iss").detail())
                .as("an unknown cache answers as one without trusts").contains("no such cache");
        assertThat(issuer.fetches.get()).isZero();
    }

    @Test
    void audienceTimesAndSubjectAreChecked() {
        trust("team", MAIN);
        Instant now = fakes.clock.instant();
        Map<String, Object> wrongAudience = claims(MAIN);
        wrongAudience.put("aud", List.of("sts.amazonaws.com", "other"));
        uniform("team", issuer.token(wrongAudience), "idToken.aud");

        Map<String, Object> expired = claims(MAIN);
        expired.put("iat", now.getEpochSecond() - 600);
        expired.put("nbf", now.getEpochSecond() - 600);
        expired.put("exp", now.getEpochSecond() - 61);
        uniform("team", issuer.token(expired), "idToken.exp");
        expired.put("exp", now.getEpochSecond() - 30);
        assertThat(exchange("team", issuer.token(expired)).token()).as("within the skew").startsWith("nf_");

        Map<String, Object> early = claims(MAIN);
        early.put("nbf", now.getEpochSecond() + 120);
        uniform("team", issuer.token(early), "idToken.nbf");
        Map<String, Object> future = claims(MAIN);
        future.put("iat", now.getEpochSecond() + 120);
        uniform("team", issuer.token(future), "idToken.iat");
        Map<String, Object> tooLong = claims(MAIN);
        tooLong.put("exp", now.getEpochSecond() + 7200);
        uniform("team", issuer.token(tooLong), "idToken.exp");
        Map<String, Object> noExp = claims(MAIN);
        noExp.remove("exp");
        uniform("team", issuer.token(noExp), "idToken.exp");

        for (String other : List.of("repo:acme/site:ref:refs/heads/dev", "repo:acme/site:pull_request", "repo:acme/site2:ref:refs/heads/main",
                "repo:evil/site:ref:refs/heads/main", "repo:acme/site:ref:refs/heads/main:x")) {
            assertThat(uniform("team", issuer.token(claims(other)), "idToken.sub").detail()).as(other).contains(other);
        }
    }

    @Test
    void everyRefusalOfAWellFormedIdTokenIsTheSameWhateverTheCacheTrusts() {
        CreatedToken teamAdmin = services.tokens().create(admin, new CreateTokenRequest("team admin", List.of("team"),
                List.of("admin"), null));
        services.trusts().add(services.tokens().authenticate("Bearer " + teamAdmin.token()), "team",
                new TrustRequest(issuer.url, MAIN, null, null));
        // Signed by a key the issuer does not publish, under its kid: once told apart a cache that
        // trusts the issuer (a bad signature) from one that does not, or does not exist.
        String forged = TestIssuer.sign(Map.of("alg", "RS256", "kid", issuer.kid), claims(MAIN), TestIssuer.generate());
        String answer = Json.write(uniform("team", forged, "idToken.signature").toApiError());
        assertThat(Json.write(uniform("other", forged, "idToken.iss").toApiError())).isEqualTo(answer);
        assertThat(Json.write(uniform("nosuch", forged, "idToken.iss").toApiError())).isEqualTo(answer);
        // Once told apart the trust's audience (then a 403 on the subject) from any other.
        Map<String, Object> wrongAudience = claims(MAIN);
        wrongAudience.put("aud", "sts.amazonaws.com");
        assertThat(Json.write(uniform("team", issuer.token(wrongAudience), "idToken.aud").toApiError())).isEqualTo(answer);
        assertThat(Json.write(uniform("team", issuer.token(claims("repo:acme/site:pull_request")), "idToken.sub").toApiError()))
                .isEqualTo(answer);
        // Once named the maker's token and when it was revoked.
        services.tokens().revoke(admin, teamAdmin.info().id());
        assertThat(Json.write(uniform("team", issuer.token(claims(MAIN)), "maker").toApiError())).isEqualTo(answer);
    }

    @Test
    void aWildcardStandsForOneFieldAndNeverForTheOwner() {
        trust("team", "repo:acme/*:ref:refs/heads/*");
        assertThat(exchange("team", issuer.token(claims("repo:acme/site:ref:refs/heads/feature/x"))).token()).startsWith("nf_");
        uniform("team", issuer.token(claims("repo:acme/site:pull_request")), "idToken.sub");
        uniform("team", issuer.token(claims("repo:acme/site:environment:ref:refs/heads/x")), "idToken.sub");
        uniform("team", issuer.token(claims("repo:acme/:ref:refs/heads/main")), "idToken.sub");
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
        uniform("team", TestIssuer.sign(Map.of("alg", "none", "kid", issuer.kid), claims, issuer.keys()), "idToken.header.alg");
        uniform("team", TestIssuer.sign(Map.of("alg", "HS256", "kid", issuer.kid), claims, issuer.keys()), "idToken.header.alg");
        uniform("team", TestIssuer.sign(Map.of("alg", "RS256", "kid", issuer.kid, "crit", List.of("exp")), claims, issuer.keys()),
                "idToken.header.crit");
        uniform("team", TestIssuer.sign(Map.of("alg", "RS256", "kid", issuer.kid), claims, TestIssuer.generate()), "idToken.signature");

        String good = issuer.token(claims);
        String[] parts = good.split("\\.");
        Map<String, Object> forged = new HashMap<>(claims);
        forged.put("sub", "repo:acme/site:ref:refs/heads/main");
        forged.put("aud", "nixfront");
        forged.put("exp", ((Number) claims.get("exp")).longValue() + 1);
        String tampered = parts[0] + "." + TestIssuer.b64(Json.writeBytes(forged)) + "." + parts[2];
        uniform("team", tampered, "idToken.signature");
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
        uniform("team", unknown, "idToken.header.kid");
        assertThat(issuer.fetches.get()).isEqualTo(4);
        uniform("team", unknown, "idToken.header.kid");
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
        DomainException moved = uniform("team", issuer.token(claims(MAIN)), "idToken.iss");
        assertThat(moved.detail()).contains("scheme, host and port");

        issuer.documents().remove(issuer.discovery().toString());
        fakes.clock.advance(Duration.ofSeconds(61));
        DomainException gone = uniform("team", issuer.token(claims(MAIN)), "idToken.iss");
        assertThat(gone.detail()).contains("answered 404");
    }

    @Test
    void aTrustIsOfOneIncarnationAndGoesWithItsCache() {
        trust("team", MAIN);
        String idToken = issuer.token(claims(MAIN));
        services.caches().delete(admin, "team");
        assertThat(fakes.trusts.size()).isZero();
        services.caches().create(admin, new CreateCacheRequest("team", null, null, null));
        uniform("team", idToken, "idToken.iss");
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
        uniform("team", issuer.token(claims(MAIN)), "idToken.iss");
    }
}
