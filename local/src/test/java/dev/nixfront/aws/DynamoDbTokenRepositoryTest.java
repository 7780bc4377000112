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

        assertThat(tokens.list(null, 1000)).extracting(TokenRecord::id)
                .containsExactly("tk_000000000000000a", "tk_000000000000000b", "tk_000000000000000c");
        assertThat(tokens.list(null, 1000).getFirst().description()).isEqualTo("first");
        // Pages: at most limit tokens, continuing after an id.
        assertThat(tokens.list(null, 2)).extracting(TokenRecord::id).containsExactly("tk_000000000000000a", "tk_000000000000000b");
        assertThat(tokens.list("tk_000000000000000b", 2)).extracting(TokenRecord::id).containsExactly("tk_000000000000000c");
        assertThat(tokens.list("tk_000000000000000c", 2)).isEmpty();
    }

    @Test
    void revokeSetsTheTimeOnceAndIgnoresUnknownHashes() {
        tokens.create(token("tk_00000000000000r1", "nf_revoked", null, Scope.admin(), null));
        Instant first = Instant.parse("2026-11-26T10:00:00Z");

        tokens.revokeHash(hash("nf_revoked"), first);
        tokens.revokeHash(hash("nf_revoked"), first.plusSeconds(60));
        tokens.revokeHash(hash("nf_never-made"), first);

        TokenRecord revoked = tokens.findBySecretHash(hash("nf_revoked")).orElseThrow();
        assertThat(revoked.revokedAt()).isEqualTo(first);
        assertThat(revoked.activeAt(first.plusSeconds(1))).isFalse();
        assertThat(tokens.findBySecretHash(hash("nf_never-made"))).as("no item conjured by the update").isEmpty();
    }

    @Test
    void theMakerIsStoredAndWhatATokenMadeIsOneQueryOfItsPartition() {
        TokenRecord root = token("tk_00000000000000b0", "nf_root", null, Scope.admin(), null);
        tokens.create(root);
        TokenRecord child = made("tk_00000000000000c1", "nf_child", root);
        TokenRecord sibling = made("tk_00000000000000c2", "nf_sibling", root);
        TokenRecord grandchild = made("tk_00000000000000d1", "nf_grandchild", child);
        for (TokenRecord t : List.of(child, sibling, grandchild)) {
            tokens.create(t);
        }

        assertThat(tokens.findBySecretHash(hash("nf_grandchild"))).contains(grandchild);
        assertThat(tokens.findBySecretHash(hash("nf_root")).orElseThrow().maker()).isNull();
        assertThat(tokens.madeBy(hash("nf_root"))).containsExactlyInAnyOrder(hash("nf_child"), hash("nf_sibling"));
        assertThat(tokens.madeBy(hash("nf_child"))).containsExactly(hash("nf_grandchild"));
        assertThat(tokens.madeBy(hash("nf_grandchild"))).isEmpty();
        // The notes stay out of the listing and of the token's own key.
        assertThat(tokens.list(null, 1000)).extracting(TokenRecord::id)
                .containsExactly("tk_00000000000000b0", "tk_00000000000000c1", "tk_00000000000000c2", "tk_00000000000000d1");
        var item = aws.clients().dynamoDb().getItem(b -> b.tableName(table)
                .key(Items.key("TOKEN#" + hash("nf_child"), "TOKEN"))).item();
        assertThat(item.get("createdBy").s()).isEqualTo("tk_00000000000000b0");
        assertThat(item.get("makerHash").s()).isEqualTo(hash("nf_root"));
    }

    @Test
    void aTokenOfTheTableBeforeMakersWereRecordedReadsAsARoot() {
        aws.clients().dynamoDb().putItem(b -> b.tableName(table).item(java.util.Map.of(
                "pk", Items.s("TOKEN#" + hash("nf_old")), "sk", Items.s("TOKEN"),
                "gsi1pk", Items.s("TOKENS"), "gsi1sk", Items.s("tk_00000000000000e1"),
                "id", Items.s("tk_00000000000000e1"), "secretHash", Items.s(hash("nf_old")),
                "caches", Items.list(List.of("team")), "permissions", Items.list(List.of("write")),
                "createdAt", Items.s("2025-01-01T00:00:00Z"))));

        TokenRecord old = tokens.findBySecretHash(hash("nf_old")).orElseThrow();
        assertThat(old.maker()).isNull();
        assertThat(old.activeAt(CREATED)).isTrue();
        assertThat(tokens.madeBy(hash("nf_old"))).isEmpty();
    }

    private static TokenRecord made(String id, String secret, TokenRecord maker) {
        return new TokenRecord(id, hash(secret), null, Scope.fromLists(List.of("team"), List.of("admin")), CREATED,
                null, null, new TokenRecord.Maker(maker.id(), maker.secretHash()));
    }

    private static TokenRecord token(String id, String secret, String description, Scope scope, Instant expiresAt) {
        return new TokenRecord(id, hash(secret), description, scope, CREATED, expiresAt, null);
    }

    private static String hash(String secret) {
        return Hash.sha256(secret.getBytes(StandardCharsets.UTF_8)).toBase16();
    }
}
