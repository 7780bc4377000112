package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.cache.port.Scope;
import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.nix.Hash;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DynamoDbTokenRepository} over the wire against dynalite. */
@ExtendWith(LocalAws.Extension.class)
class DynamoDbTokenRepositoryTest {
    private static final Instant CREATED = Instant.parse("2026-11-25T17:00:00Z");

    private DynamoDbTokenRepository tokens;
    private LocalAws aws;
    private String table;

    @BeforeEach
    void setUp(LocalAws aws) {
        this.aws = aws;
        this.table = aws.newTable();
        this.tokens = new DynamoDbTokenRepository(aws.clients().dynamoDb(), table);
    }

    @Test
    void findsATokenByTheHashOfItsSecret() {
        TokenRecord ci = token("tk_00000000000000a1", "nf_secret-one", "ci",
                Scope.fromLists(List.of("team", "other"), List.of("read", "write")), Instant.parse("2027-01-01T00:00:00Z"));
        tokens.create(ci);

        assertThat(tokens.findBySecretHash(hash("nf_secret-one"))).contains(ci);
        assertThat(tokens.findBySecretHash(hash("nf_secret-two"))).isEmpty();
    }

    @Test
    void keepsOptionalFieldsAbsent() {
        TokenRecord admin = token("tk_00000000000000a2", "nf_admin", null, Scope.admin(), null);
        tokens.create(admin);
        TokenRecord read = tokens.findBySecretHash(hash("nf_admin")).orElseThrow();
        assertThat(read).isEqualTo(admin);
        assertThat(read.scope().allCaches()).isTrue();
        var item = aws.clients().dynamoDb().getItem(b -> b.tableName(table)
                .key(Items.key("TOKEN#" + hash("nf_admin"), "TOKEN"))).item();
        assertThat(item).doesNotContainKeys("description", "expiresAt", "revokedAt");
        assertThat(item.get("caches").l()).extracting(v -> v.s()).containsExactly("*");
        assertThat(item.get("gsi1pk").s()).isEqualTo("TOKENS");
        assertThat(item.get("gsi1sk").s()).isEqualTo("tk_00000000000000a2");
    }

    @Test
    void refusesASecondTokenWithTheSameSecret() {
        tokens.create(token("tk_00000000000000a3", "nf_same", null, Scope.admin(), null));
        assertThatThrownBy(() -> tokens.create(token("tk_00000000000000a4", "nf_same", null, Scope.admin(), null)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(tokens.findBySecretHash(hash("nf_same")).orElseThrow().id()).isEqualTo("tk_00000000000000a3");
    }

    @Test
    void listsEveryTokenByIdThroughTheIndex() {
        tokens.create(token("tk_000000000000000c", "nf_c", null, Scope.admin(), null));
        tokens.create(token("tk_000000000000000a", "nf_a", "first", Scope.fromLists(List.of("team"), List.of("read")), null));
        tokens.create(token("tk_000000000000000b", "nf_b", null, Scope.admin(), null));

        assertThat(tokens.list()).extracting(TokenRecord::id)
                .containsExactly("tk_000000000000000a", "tk_000000000000000b", "tk_000000000000000c");
        assertThat(tokens.list().getFirst().description()).isEqualTo("first");
    }

    @Test
    void revokeSetsTheTimeOnceAndReportsUnknownIds() {
        tokens.create(token("tk_00000000000000r1", "nf_revoked", null, Scope.admin(), null));
        Instant first = Instant.parse("2026-11-26T10:00:00Z");

        assertThat(tokens.revoke("tk_00000000000000r1", first)).isTrue();
        assertThat(tokens.revoke("tk_00000000000000r1", first.plusSeconds(60))).isTrue();
        assertThat(tokens.revoke("tk_0000000000000000", first)).isFalse();

        TokenRecord revoked = tokens.findBySecretHash(hash("nf_revoked")).orElseThrow();
        assertThat(revoked.revokedAt()).isEqualTo(first);
        assertThat(revoked.activeAt(first.plusSeconds(1))).isFalse();
    }

    private static TokenRecord token(String id, String secret, String description, Scope scope, Instant expiresAt) {
        return new TokenRecord(id, hash(secret), description, scope, CREATED, expiresAt, null);
    }

    private static String hash(String secret) {
        return Hash.sha256(secret.getBytes(StandardCharsets.UTF_8)).toBase16();
    }
}
