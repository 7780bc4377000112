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
import java.util.Set;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

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
    /** Runs that may meet a concurrent writer before one gets through. */
    static final int MAX_ATTEMPTS = 5;

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

    /**
     * Computes the desired entries and applies the difference to the store, without undoing a change
     * the services make meanwhile. The listings it computes from are index reads, which may lag a
     * revocation or a switch to private that has already answered; and the services write the table
     * and then the store, possibly between this run's reading and writing. So: it takes the store's
     * version first, confirms each change it means to make against consistent reads of the records
     * behind that key (a change the records no longer call for is dropped, one they call for
     * differently is made as they say), and writes only if the store is still at that version
     * (and at each version its own writes lead to); if another writer got in, it starts over.
     */
    public Outcome reconcile() {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Instant now = clock.instant();
            String version = edge.version();
            Map<String, String> desired = desired(now);
            Map<String, String> current = edge.list();
            Set<String> changed = new TreeSet<>();
            desired.forEach((key, value) -> {
                if (!value.equals(current.get(key))) {
                    changed.add(key);
                }
            });
            current.keySet().stream().filter(EdgeEntries::managed).filter(key -> !desired.containsKey(key)).forEach(changed::add);
            Map<String, String> puts = new TreeMap<>();
            List<String> deletes = new ArrayList<>();
            Confirmation truth = new Confirmation(now);
            for (String key : changed) {
                Optional<String> confirmed = truth.of(key);
                if (confirmed.isPresent() && !confirmed.get().equals(current.get(key))) {
                    puts.put(key, confirmed.get());
                } else if (confirmed.isEmpty() && current.containsKey(key)) {
                    deletes.add(key);
                }
            }
            boolean mark = !current.containsKey(EdgeEntries.FILLED);
            try {
                version = applyAll(puts, deletes, version);
                if (mark) {
                    // Last, and only after every entry the table calls for is in.
                    edge.apply(Map.of(EdgeEntries.FILLED, EdgeEntries.filled(clock.instant())), List.of(), version);
                }
            } catch (EdgeStore.Conflict another) {
                continue; // the services wrote meanwhile: work it out again from what is there now
            }
            filled = true;
            int added = (int) puts.keySet().stream().filter(key -> !current.containsKey(key)).count() + (mark ? 1 : 0);
            return new Outcome(puts.size() + (mark ? 1 : 0), deletes.size(), current.size() + added - deletes.size());
        }
        throw new IllegalStateException("the edge store changed under each of " + MAX_ATTEMPTS + " reconciliations; the next"
                + " scheduled run tries again");
    }

    private String applyAll(Map<String, String> puts, List<String> deletes, String version) {
        List<Map.Entry<String, String>> putList = List.copyOf(puts.entrySet());
        int changes = putList.size() + deletes.size();
        for (int from = 0; from < changes; from += EdgeStore.MAX_BATCH) {
            int to = Math.min(changes, from + EdgeStore.MAX_BATCH);
            Map<String, String> batchPuts = new TreeMap<>();
            List<String> batchDeletes = new ArrayList<>();
            for (int i = from; i < to; i++) {
                if (i < putList.size()) {
                    batchPuts.put(putList.get(i).getKey(), putList.get(i).getValue());
                } else {
                    batchDeletes.add(deletes.get(i - putList.size()));
                }
            }
            version = edge.apply(batchPuts, batchDeletes, version);
        }
        return version;
    }

    /**
     * What one key should hold according to consistent reads of the cache or token behind it (and
     * the token's makers, and its caches): the listings' view is only a hint of what to look at.
     */
    private final class Confirmation {
        private final Instant now;
        private final Map<String, Optional<TokenRecord>> tokensByHash = new HashMap<>();
        private final Map<CacheName, Optional<CacheRecord>> cachesByName = new HashMap<>();

        Confirmation(Instant now) {
            this.now = now;
        }

        Optional<String> of(String key) {
            if (key.startsWith(EdgeEntries.CACHE_PREFIX)) {
                return cache(key.substring(EdgeEntries.CACHE_PREFIX.length()))
                        .map(record -> EdgeEntries.cache(record).get(key));
            }
            // t:<sha256 hex>:<cache or *>
            String rest = key.substring(EdgeEntries.TOKEN_PREFIX.length());
            int colon = rest.indexOf(':');
            if (colon < 0) {
                return Optional.empty();
            }
            return token(rest.substring(0, colon)).map(record -> EdgeEntries.token(record, now, this::token,
                    (cache, incarnation) -> cache(cache.value()).filter(CacheRecord::live)
                            .map(c -> c.incarnation().equals(incarnation)).orElse(false)).get(key));
        }

        private Optional<TokenRecord> token(String hash) {
            return tokensByHash.computeIfAbsent(hash, tokens::findBySecretHash);
        }

        private Optional<CacheRecord> cache(String name) {
            CacheName parsed;
            try {
                parsed = CacheName.of(name);
            } catch (IllegalArgumentException notAName) {
                return Optional.empty();
            }
            return cachesByName.computeIfAbsent(parsed, caches::get);
        }
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

            @Override
            public String version() {
                return edge.version();
            }

            @Override
            public String apply(Map<String, String> puts, Collection<String> deletes, String ifVersion) {
                ensureFilled();
                return edge.apply(puts, deletes, ifVersion);
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
