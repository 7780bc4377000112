package dev.nixfront.cache.port;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * The key-value store the read path checks private caches against, written by the domain before it
 * answers: a CloudFront KeyValueStore read by the viewer-request function in AWS, a map in the local
 * read server. It holds only what a check needs and the edge cannot work out itself, for one look-up
 * per key (the entries are {@code dev.nixfront.cache.EdgeEntries}):
 * <pre>
 * c:team                                      {"p":true,"i":"3f9a0c1d2b4e5f60"}
 * t:&lt;sha256 hex of the token&gt;:team          {"i":"3f9a0c1d2b4e5f60","e":1767225600}
 * t:&lt;sha256 hex of the token&gt;:*             {"e":0}
 * s:filled                                    {"at":1767225600}
 * </pre>
 * The table stays the truth: anything here can be recomputed from it ({@code EdgeReconciler}).
 */
public interface EdgeStore {
    /**
     * The most keys one {@link #put} or {@link #delete} is given: CloudFront's KeyValueStore takes
     * at most 50 changes per update request, so an adapter maps one call to one request.
     */
    int MAX_BATCH = 50;

    /** Sets these entries (key to compact JSON value), replacing what the keys held; at most {@link #MAX_BATCH}. */
    void put(Map<String, String> entries);

    /** Removes these keys; a key that is not there is no error. At most {@link #MAX_BATCH}. */
    void delete(Collection<String> keys);

    /** Every entry, for reconciliation with the table. */
    Map<String, String> list();

    /** The value of one key, if the store holds it. */
    Optional<String> get(String key);

    /** The store's current version (a KeyValueStore's ETag): it changes with every write. */
    String version();

    /**
     * Applies these changes (at most {@link #MAX_BATCH} in all) only if the store is still at
     * {@code ifVersion}, and returns its version after them; throws {@link Conflict}, changing
     * nothing, when another writer got there first. What lets the reconciler write what it worked out
     * from a table it read after {@code ifVersion}, and start over when the services wrote meanwhile.
     */
    String apply(Map<String, String> puts, Collection<String> deletes, String ifVersion);

    /** The store is no longer at the version a conditional write was for. */
    final class Conflict extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Conflict(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * No store at all: writes go nowhere and it lists nothing. What the AWS wiring gives the functions
     * that change no cache or token (all but admin, which writes the CloudFront KeyValueStore).
     */
    EdgeStore NONE = new EdgeStore() {
        @Override
        public void put(Map<String, String> entries) {
            // nowhere to write
        }

        @Override
        public void delete(Collection<String> keys) {
            // nothing to remove
        }

        @Override
        public Map<String, String> list() {
            return Map.of();
        }

        @Override
        public Optional<String> get(String key) {
            return Optional.empty();
        }

        @Override
        public String version() {
            return "none";
        }

        @Override
        public String apply(Map<String, String> puts, Collection<String> deletes, String ifVersion) {
            return "none";
        }
    };
}
