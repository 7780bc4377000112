package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.TokenRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Makes the {@link EdgeStore} what the table says it should be: every entry {@link EdgeEntries}
 * computes from the caches and the tokens (all pages), written where missing or different, and
 * every other {@code c:}/{@code t:} key removed. The services keep the store current as they
 * answer; this repairs what a crash between a table write and a store write left, drops the entries
 * of tokens that expired or whose cache was deleted, and fills a store that starts empty (the local
 * stack's, at every start).
 *
 * <p>It reads the table first and the store after, so a write the services make meanwhile may be
 * undone until the next run: run it where nothing else writes (at start), or accept that.
 *
 * <p>A complete run leaves {@link EdgeEntries#FILLED} behind. The admin function fills a store
 * without it when it starts ({@link #ensureFilled()}), and the services write through {@link
 * #fillingFirst()}, which does the same before a container's first write: the read path refuses a
 * cache without an entry, so an empty store must be filled before anything relies on it.
 */
public final class EdgeReconciler {
    private final CacheRepository caches;
    private final TokenRepository tokens;
    private final EdgeStore edge;
    private final Clock clock;
    private volatile boolean filled;

    /** What one run changed, and how many entries the store holds now. */
    public record Outcome(int put, int deleted, int entries) {}

    public EdgeReconciler(CacheRepository caches, TokenRepository tokens, EdgeStore edge, Clock clock) {
        this.caches = Objects.requireNonNull(caches);
        this.tokens = Objects.requireNonNull(tokens);
        this.edge = Objects.requireNonNull(edge);
        this.clock = Objects.requireNonNull(clock);
    }

    /** The entries the table calls for at {@code now}. */
    public Map<String, String> desired(Instant now) {
        Map<String, String> desired = new TreeMap<>();
        Map<CacheName, String> live = new HashMap<>();
        for (CacheRecord cache : caches.list()) {
            desired.putAll(EdgeEntries.cache(cache));
            if (cache.live()) {
                live.put(cache.name(), cache.incarnation());
            }
        }
        Map<String, TokenRecord> byHash = new HashMap<>();
        List<TokenRecord> all = new ArrayList<>();
        String after = null;
        List<TokenRecord> page;
        do {
            page = tokens.list(after, TokenService.LIST_PAGE);
            for (TokenRecord token : page) {
                all.add(token);
                byHash.put(token.secretHash(), token);
            }
            after = page.isEmpty() ? null : page.getLast().id();
        } while (page.size() == TokenService.LIST_PAGE);
        for (TokenRecord token : all) {
            // Makers come from the listing; one made after the listing began is read from the table.
            desired.putAll(EdgeEntries.token(token, now,
                    hash -> Optional.ofNullable(byHash.get(hash)).or(() -> tokens.findBySecretHash(hash)),
                    (cache, incarnation) -> incarnation.equals(live.get(cache))));
        }
        return desired;
    }

    /** Computes the desired entries and applies the difference to the store. */
    public Outcome reconcile() {
        Map<String, String> desired = desired(clock.instant());
        Map<String, String> current = edge.list();
        Map<String, String> puts = new TreeMap<>();
        desired.forEach((key, value) -> {
            if (!value.equals(current.get(key))) {
                puts.put(key, value);
            }
        });
        List<String> deletes = current.keySet().stream()
                .filter(EdgeEntries::managed)
                .filter(key -> !desired.containsKey(key))
                .sorted()
                .toList();
        EdgeEntries.put(edge, puts);
        EdgeEntries.delete(edge, deletes);
        if (!current.containsKey(EdgeEntries.FILLED)) {
            // Last, and only after every entry the table calls for is in: from now on the read
            // path refuses a cache without one.
            edge.put(Map.of(EdgeEntries.FILLED, EdgeEntries.filled(clock.instant())));
            puts.put(EdgeEntries.FILLED, "");
        }
        filled = true;
        return new Outcome(puts.size(), deletes.size(), current.size() + (int) puts.keySet().stream()
                .filter(key -> !current.containsKey(key)).count() - deletes.size());
    }

    /**
     * The store as the services should write it: before this container's first write, a store
     * without {@link EdgeEntries#FILLED} is reconciled (one look-up of that key per container
     * otherwise). {@link EdgeStore#NONE} stays as it is: there is nothing to fill.
     */
    public EdgeStore fillingFirst() {
        if (edge == EdgeStore.NONE) {
            return edge;
        }
        return new EdgeStore() {
            @Override
            public void put(Map<String, String> entries) {
                ensureFilled();
                edge.put(entries);
            }

            @Override
            public void delete(Collection<String> keys) {
                ensureFilled();
                edge.delete(keys);
            }

            @Override
            public Map<String, String> list() {
                return edge.list();
            }

            @Override
            public Optional<String> get(String key) {
                return edge.get(key);
            }
        };
    }

    /**
     * Reconciles unless this container has seen the store filled: one look-up of {@link
     * EdgeEntries#FILLED}. The admin function calls it when it starts (with SnapStart, when a version
     * is published, so a deployment fills a new store before its first request).
     */
    public void ensureFilled() {
        if (filled || edge == EdgeStore.NONE) {
            return;
        }
        synchronized (this) {
            if (!filled && edge.get(EdgeEntries.FILLED).isEmpty()) {
                reconcile();
            }
            filled = true;
        }
    }
}
