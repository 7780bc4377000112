package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.cache.fake.MemoryTokenRepository;
import dev.nixfront.cache.fake.MutableClock;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.Scope;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenServiceTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T17:00:00Z"));
    private final MemoryTokenRepository repository = new MemoryTokenRepository();
    private final TokenService tokens = service();

    private TokenService service() {
        return new TokenService(repository, clock, new SecureRandom(), Duration.ofSeconds(30), null);
    }

    private CreatedToken create(List<String> caches, List<String> permissions, Instant expiresAt) {
        return tokens.create(Fixture.ADMIN, new CreateTokenRequest("ci", caches, permissions, expiresAt));
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
        assertThat(created.toString()).doesNotContain(created.token());
        assertThat(repository.all()).singleElement().satisfies(t -> {
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
        assertThat(failure(() -> tokens.authenticate("Bearer abc")).reason()).contains("nf_");
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

        tokens.revoke(Fixture.ADMIN, created.info().id());

        assertThat(failure(() -> tokens.authenticate("Bearer " + created.token())).reason()).contains("revoked");
        clock.advance(Duration.ofSeconds(59));
        DomainException e = failure(() -> otherContainer.authenticate("Bearer " + created.token()));
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.reason()).contains("revoked");
        assertThat(tokens.list(Fixture.ADMIN).tokens()).singleElement().satisfies(t -> assertThat(t.revokedAt()).isNotNull());
    }

    @Test
    void lookupsAreReusedWithinTheTtlOnly() {
        CreatedToken created = create(List.of("team"), List.of("read"), null);
        tokens.authenticate("Bearer " + created.token());
        tokens.authenticate("Bearer " + created.token());
        assertThat(repository.lookups()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(30));
        tokens.authenticate("Bearer " + created.token());
        assertThat(repository.lookups()).isEqualTo(2);
    }

    @Test
    void nobodyHandsOutMoreThanTheyHold() {
        Principal teamAdmin = new Principal("tk_teamadmin", Scope.fromLists(List.of("team"), List.of("admin")));
        Principal writer = new Principal("tk_writer", Scope.fromLists(List.of("*"), List.of("write")));

        assertThat(tokens.create(teamAdmin, new CreateTokenRequest(null, List.of("team"), List.of("write"), null)).token()).startsWith("nf_");
        assertThat(failure(() -> tokens.create(teamAdmin, new CreateTokenRequest(null, List.of("*"), List.of("read"), null))).status()).isEqualTo(403);
        assertThat(failure(() -> tokens.create(teamAdmin, new CreateTokenRequest(null, List.of("other"), List.of("read"), null))).status()).isEqualTo(403);
        assertThat(failure(() -> tokens.create(writer, new CreateTokenRequest(null, List.of("team"), List.of("read"), null))).status()).isEqualTo(403);
        assertThat(failure(() -> tokens.list(teamAdmin)).status()).isEqualTo(403);
        assertThat(failure(() -> tokens.revoke(teamAdmin, "tk_0000000000000000")).status()).isEqualTo(403);
    }

    @Test
    void badRequestsNameTheirField() {
        assertThat(failure(() -> create(List.of(), List.of("read"), null)).field()).isEqualTo("caches");
        assertThat(failure(() -> create(List.of("Team!"), List.of("read"), null)).field()).isEqualTo("caches[0]");
        assertThat(failure(() -> create(List.of("team"), List.of("fly"), null)).field()).isEqualTo("permissions[0]");
        assertThat(failure(() -> create(List.of("*", "team"), List.of("read"), null)).field()).isEqualTo("caches");
        assertThat(failure(() -> create(List.of("team"), List.of("read"), clock.instant())).field()).isEqualTo("expiresAt");
        assertThat(failure(() -> tokens.revoke(Fixture.ADMIN, "nope")).status()).isEqualTo(400);
        assertThat(failure(() -> tokens.revoke(Fixture.ADMIN, "tk_0000000000000000")).status()).isEqualTo(404);
    }

    @Test
    void theBootstrapTokenIsAnAllCachesAdmin() {
        String bootstrap = TokenService.newSecret(new SecureRandom());
        TokenService withBootstrap = new TokenService(repository, clock, new SecureRandom(), Duration.ofSeconds(30),
                TokenService.hash(bootstrap));
        Principal p = withBootstrap.authenticate("Bearer " + bootstrap);
        assertThat(p.tokenId()).isEqualTo(Principal.BOOTSTRAP);
        assertThat(p.scope().allowsEverywhere(Permission.ADMIN)).isTrue();
        assertThat(repository.lookups()).isZero();
    }
}
