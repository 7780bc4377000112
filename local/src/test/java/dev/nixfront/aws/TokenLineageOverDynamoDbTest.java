package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.TokenInfo;
import dev.nixfront.cache.DomainException;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.TokenService;
import dev.nixfront.cache.fake.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tokens bounded by their maker with the table in dynalite: two {@link TokenService}s on one table
 * are two Lambda containers, each with its own lookup cache.
 */
@ExtendWith(LocalAws.Extension.class)
class TokenLineageOverDynamoDbTest {
    private static final String ROOT = "nf_dynalite-root-token-for-the-lineage-test";
    private static final Duration TTL = Duration.ofSeconds(30);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T17:00:00Z"));
    private DynamoDbTokenRepository repository;
    private TokenService here;
    private TokenService elsewhere;

    @BeforeEach
    void setUp(LocalAws aws) {
        String table = aws.newTable();
        repository = new DynamoDbTokenRepository(aws.clients().dynamoDb(), table);
        DynamoDbCacheRepository caches = new DynamoDbCacheRepository(aws.clients().dynamoDb(), table);
        for (String name : new String[] {"team", "other"}) {
            caches.create(new dev.nixfront.cache.port.CacheRecord(dev.nixfront.cache.port.CacheName.of(name),
                    name + "-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=", new byte[] {1}, 40, false, clock.instant(),
                    name.equals("team") ? "00000000000000aa" : "00000000000000bb", null), null);
        }
        here = new TokenService(repository, caches, EdgeStore.NONE, clock, new SecureRandom(), TTL);
        elsewhere = new TokenService(repository, caches, EdgeStore.NONE, clock, new SecureRandom(), TTL);
        here.registerBootstrap(TokenService.hash(ROOT), "bootstrap");
    }

    private static Principal as(TokenService container, String token) {
        return container.authenticate("Bearer " + token);
    }

    private static DomainException refusal(Runnable call) {
        DomainException e = catchThrowableOfType(DomainException.class, call::run);
        assertThat(e).as("refused").isNotNull();
        return e;
    }

    @Test
    void aChildTokenNeverOutlivesItsMakerAndDiesWithIt() {
        Instant inAnHour = clock.instant().plus(Duration.ofHours(1));
        CreatedToken maker = here.create(as(here, ROOT), new CreateTokenRequest("maker", List.of("team"), List.of("admin"), inAnHour));
        Principal makerP = as(here, maker.token());
        DomainException outliving = refusal(() -> here.create(makerP,
                new CreateTokenRequest("forever", List.of("team"), List.of("admin"), inAnHour.plusSeconds(1))));
        assertThat(outliving.status()).isEqualTo(400);
        assertThat(outliving.field()).isEqualTo("expiresAt");
        CreatedToken child = here.create(makerP, new CreateTokenRequest("child", List.of("team"), List.of("admin"), null));
        assertThat(child.info().expiresAt()).isEqualTo(inAnHour);
        CreatedToken grandchild = here.create(as(here, child.token()),
                new CreateTokenRequest("ci", List.of("team"), List.of("write"), null));
        for (CreatedToken t : List.of(maker, child, grandchild)) {
            as(elsewhere, t.token());
        }

        here.revoke(as(here, ROOT), maker.info().id());

        for (CreatedToken t : List.of(maker, child, grandchild)) {
            assertThat(refusal(() -> as(here, t.token())).reason()).contains(maker.info().id(), "revoked");
        }
        clock.advance(TTL);
        for (CreatedToken t : List.of(child, grandchild)) {
            DomainException e = refusal(() -> as(elsewhere, t.token()));
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.reason()).contains(maker.info().id(), "revoked");
        }
        List<TokenInfo> listed = here.list(as(here, ROOT)).tokens();
        assertThat(listed).filteredOn(t -> !t.id().equals(TokenService.BOOTSTRAP_ID)).hasSize(3)
                .allSatisfy(t -> assertThat(t.revokedAt()).isNotNull())
                .extracting(TokenInfo::createdBy)
                .containsExactlyInAnyOrder(TokenService.BOOTSTRAP_ID, maker.info().id(), child.info().id());
    }
}
