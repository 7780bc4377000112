package dev.nixfront.cache.port;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which caches a token covers and what it may do there. On the wire and in the table the caches
 * are a list of names where {@code "*"} means every cache, present and future.
 */
public record Scope(boolean allCaches, SortedSet<CacheName> caches, Set<Permission> permissions) {
    public static final String ALL = "*";

    public Scope {
        caches = Collections.unmodifiableSortedSet(new TreeSet<>(Objects.requireNonNull(caches, "caches")));
        permissions = permissions.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(permissions));
        if (allCaches && !caches.isEmpty()) {
            throw new IllegalArgumentException("a scope over all caches lists no cache");
        }
        if (!allCaches && caches.isEmpty()) {
            throw new IllegalArgumentException("a scope names at least one cache or '*'");
        }
        if (permissions.isEmpty()) {
            throw new IllegalArgumentException("a scope grants at least one permission");
        }
    }

    /** A scope granting everything on every cache: the bootstrap admin token's. */
    public static Scope admin() {
        return new Scope(true, new TreeSet<>(), EnumSet.of(Permission.ADMIN));
    }

    public boolean covers(CacheName cache) {
        return allCaches || caches.contains(cache);
    }

    /** Whether the scope allows {@code needed} on {@code cache}. */
    public boolean allows(CacheName cache, Permission needed) {
        return covers(cache) && grants(needed);
    }

    /** Whether the scope grants {@code needed} (on the caches it covers). */
    public boolean grants(Permission needed) {
        return permissions.stream().anyMatch(p -> p.includes(needed));
    }

    /**
     * Whether every cache {@code other} covers is one this scope covers: {@code *} is covered only
     * by {@code *}, since it also reaches caches made later.
     */
    public boolean coversAll(Scope other) {
        return allCaches || (!other.allCaches && caches.containsAll(other.caches));
    }

    /**
     * Whether {@code other} is within this scope: no cache beyond this one's and no permission this
     * one does not grant. A token only ever makes tokens within its own scope.
     */
    public boolean includes(Scope other) {
        return coversAll(other) && other.permissions.stream().allMatch(this::grants);
    }

    /** Whether the scope allows {@code needed} on every cache, present and future. */
    public boolean allowsEverywhere(Permission needed) {
        return allCaches && grants(needed);
    }

    /** The caches as stored and sent: {@code ["*"]} or the sorted names. */
    public List<String> cacheList() {
        return allCaches ? List.of(ALL) : caches.stream().map(CacheName::value).toList();
    }

    /** The permissions as stored and sent, e.g. {@code ["read", "write"]}. */
    public List<String> permissionList() {
        return permissions.stream().sorted().map(Permission::wire).toList();
    }

    /**
     * Rebuilds a scope from its stored/wire lists. Throws IllegalArgumentException, naming the
     * offending entry, for unknown permissions, bad names or a mix of {@code "*"} and names.
     */
    public static Scope fromLists(Collection<String> cacheList, Collection<String> permissionList) {
        boolean all = false;
        TreeSet<CacheName> names = new TreeSet<>();
        for (String c : cacheList) {
            if (ALL.equals(c)) {
                all = true;
            } else {
                names.add(new CacheName(c));
            }
        }
        if (all && !names.isEmpty()) {
            throw new IllegalArgumentException("'*' already covers every cache; do not list names with it");
        }
        EnumSet<Permission> perms = EnumSet.noneOf(Permission.class);
        for (String p : permissionList) {
            Permission permission = Permission.fromWire(p);
            if (permission == null) {
                throw new IllegalArgumentException("unknown permission '" + p + "', expected read, write or admin");
            }
            perms.add(permission);
        }
        return new Scope(all, names, perms);
    }
}
