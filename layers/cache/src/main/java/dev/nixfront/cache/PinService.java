package dev.nixfront.cache;

import dev.nixfront.api.PinInfo;
import dev.nixfront.api.PinList;
import dev.nixfront.api.PinRequest;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.cache.port.PinRepository;
import dev.nixfront.nix.StorePath;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Pins: named roots that garbage collection keeps whatever the cache's retention, each with its last
 * few revisions. A pin is written conditionally on the version read, and read again and rewritten
 * when another write got there first, so two pins of one name at once both land, in some order.
 */
public final class PinService {
    /** Tries of a pin whose item keeps changing under it: two writers at once need two. */
    static final int ATTEMPTS = 5;

    private final PathIndex paths;
    private final PinRepository pins;
    private final Clock clock;
    private final String storeDir;
    private final CacheLookup lookup;

    PinService(CacheRepository caches, PathIndex paths, PinRepository pins, Clock clock, String storeDir) {
        this.paths = Objects.requireNonNull(paths);
        this.pins = Objects.requireNonNull(pins);
        this.clock = Objects.requireNonNull(clock);
        this.storeDir = Objects.requireNonNull(storeDir);
        this.lookup = new CacheLookup(caches);
    }

    /**
     * Pins {@code request.path()} under {@code name}: a new pin keeps {@code keepRevisions} (default
     * 1) revisions, an existing one its setting unless one is given. The path must be published in
     * the cache (409 naming it otherwise). Pinning the newest revision's path again renews its time
     * and changes nothing else; another path becomes the newest revision and the oldest beyond
     * {@code keepRevisions} are dropped. Everything is validated before anything is written.
     */
    public PinInfo put(Principal principal, String cache, String name, PinRequest request) {
        CacheRecord record = lookup.require(principal, cache, Permission.WRITE);
        requireName(name, "name");
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        StorePath path = RootService.storePath(request.path(), storeDir, "path");
        Integer keep = request.keepRevisions();
        if (keep != null && (keep < 1 || keep > PinRequest.MAX_KEEP_REVISIONS)) {
            throw DomainException.invalid("keepRevisions", "must be between 1 and " + PinRequest.MAX_KEEP_REVISIONS + ", got " + keep);
        }
        // A path a collection marked is taken back here (its sweep read the pins before this one may land).
        if (!RootService.keptAlive(paths, record, paths.get(record, List.of(path.hash())).get(path.hash()), path)) {
            throw DomainException.conflict("path", path + " is not published in cache " + record.name()
                    + "; push it first (a path still verifying is published once its verification ends)");
        }
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            PinRecord read = pins.get(record, name).orElse(null);
            PinRecord pin = next(read, name, path, keep);
            if (pins.put(record, pin, read)) {
                return info(pin);
            }
        }
        throw DomainException.conflict("name", "pin " + name + " of cache " + record.name() + " kept changing while it was"
                + " written (" + ATTEMPTS + " tries); try again");
    }

    /** The pin as it is after pinning {@code path} over {@code read} (null: no pin yet). */
    private PinRecord next(PinRecord read, String name, StorePath path, Integer keepRevisions) {
        PinRecord.Revision now = new PinRecord.Revision(path, clock.instant());
        if (read == null) {
            return new PinRecord(name, keepRevisions == null ? 1 : keepRevisions, List.of(now), 1);
        }
        int keep = keepRevisions == null ? read.keepRevisions() : keepRevisions;
        List<PinRecord.Revision> revisions = new ArrayList<>();
        revisions.add(now);
        // The newest pinned again stays one revision, with its new time; another path goes in front.
        List<PinRecord.Revision> older = read.revisions().getFirst().path().equals(path)
                ? read.revisions().subList(1, read.revisions().size()) : read.revisions();
        for (PinRecord.Revision revision : older) {
            if (revisions.size() == keep) {
                break;
            }
            revisions.add(revision);
        }
        return new PinRecord(name, keep, revisions, read.version() + 1);
    }

    /** One page of the cache's pins in name order, after {@code after} (null: from the first). */
    public PinList list(Principal principal, String cache, String after) {
        CacheRecord record = lookup.require(principal, cache, Permission.READ);
        if (after != null) {
            requireName(after, "after");
        }
        List<PinRecord> page = pins.list(record, after, PinList.PAGE);
        return new PinList(page.stream().map(PinService::info).toList(),
                page.size() == PinList.PAGE ? page.getLast().name() : null);
    }

    /** Removes the pin; 404 if the cache has none of that name. */
    public void delete(Principal principal, String cache, String name) {
        CacheRecord record = lookup.require(principal, cache, Permission.WRITE);
        requireName(name, "name");
        if (!pins.delete(record, name)) {
            throw DomainException.notFound("name", "cache " + record.name() + " has no pin named " + name);
        }
    }

    private static void requireName(String name, String field) {
        String problem = nameProblem(name);
        if (problem != null) {
            throw DomainException.invalid(field, problem);
        }
    }

    /** Why {@code name} is not a pin name ({@link PinRecord#NAME_PATTERN}), naming the fault, never echoing the input; null if it is one. */
    static String nameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "a pin name must not be empty";
        }
        if (name.length() > 100) {
            return "a pin name has at most 100 characters, got " + name.length();
        }
        if (name.startsWith(".")) {
            return "a pin name must not start with '.'";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' || c == '-')) {
                return "a pin name uses only A-Z, a-z, 0-9 and . _ + -, found '"
                        + (c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c)) + "'";
            }
        }
        return name.matches(PinRecord.NAME_PATTERN) ? null : "not a pin name";
    }

    static PinInfo info(PinRecord pin) {
        return new PinInfo(pin.name(), pin.keepRevisions(), pin.revisions().stream()
                .map(r -> new PinInfo.Revision(r.path().toString(), r.pinnedAt()))
                .toList());
    }
}
