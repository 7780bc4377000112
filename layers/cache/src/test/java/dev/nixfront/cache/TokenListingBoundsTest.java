package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.Json;
import dev.nixfront.api.TokenInfo;
import dev.nixfront.api.TokenList;
import dev.nixfront.cache.fake.MemoryCacheRepository;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.fake.MemoryTokenRepository;
import dev.nixfront.cache.fake.MutableClock;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.cache.port.TokenRecord;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Found by an outside review: one cache admin made 18,000 tokens and the listing grew past what
 * Lambda answers (6 MB). A listing is a page now; the worst page (every token naming the most
 * caches, with the longest names and descriptions) stays under 4 MB, and the pages add up to all.
 */
class TokenListingBoundsTest {
    private static final String ROOT = "nf_root-token-of-the-listing-bounds-test-0000";

    @Test
    void everyPageFitsLambdasAnswerAndThePagesAddUpToEveryToken() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T17:00:00Z"));
        MemoryTokenRepository repository = new MemoryTokenRepository();
        TokenService tokens = new TokenService(repository, new MemoryCacheRepository(), EdgeStore.NONE, clock, new SecureRandom(),
                Duration.ofSeconds(30));
        tokens.registerBootstrap(TokenService.hash(ROOT), "root");
        List<String> caches = new ArrayList<>();
        for (int c = 0; c < TokenService.MAX_CACHES; c++) {
            caches.add("%02d".formatted(c) + "c".repeat(61));
        }
        String description = "\u00e9".repeat(200);
        int count = TokenService.LIST_PAGE * 2 + 17;
        for (int i = 0; i < count; i++) {
            repository.create(new TokenRecord("tk_%016x".formatted(i), TokenService.hash("nf_token-" + i), description,
                    Scope.fromLists(caches, List.of("read", "write", "admin")), clock.instant(), clock.instant().plusSeconds(60),
                    null));
        }
        Principal root = tokens.authenticate("Bearer " + ROOT);

        Set<String> seen = new HashSet<>();
        String after = null;
        int pages = 0;
        do {
            TokenList page = tokens.list(root, null, after);
            int bytes = Json.write(page).getBytes(StandardCharsets.UTF_8).length;
            assertThat(bytes).as("page %d", pages).isLessThan(4 * 1024 * 1024);
            page.tokens().stream().map(TokenInfo::id).forEach(seen::add);
            after = page.next();
            pages++;
        } while (after != null);
        assertThat(seen).hasSize(count + 1);
        assertThat(pages).isEqualTo(3);
    }
}
