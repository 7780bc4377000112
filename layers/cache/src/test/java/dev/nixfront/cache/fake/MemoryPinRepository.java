package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.cache.port.PinRepository;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Pins by cache incarnation and name, written on the adapter's condition: absent when nothing was
 * read, else the version read. {@link #beforePut} runs before each put, so a test can make another
 * writer get there first.
 */
public final class MemoryPinRepository implements PinRepository {
    private final Map<String, TreeMap<String, PinRecord>> pins = new HashMap<>();
    /** Runs before every {@link #put}, outside the lock (a test writes a competing pin there). */
    public Runnable beforePut = () -> { };
    private int puts;

    private static String owner(CacheRecord cache) {
        return cache.name() + "." + cache.incarnation();
    }

    /** How many puts were tried, successful or not. */
    public synchronized int puts() {
        return puts;
    }

    @Override
    public synchronized List<PinRecord> list(CacheRecord cache) {
        return new ArrayList<>(pins.getOrDefault(owner(cache), new TreeMap<>()).values());
    }

    @Override
    public synchronized List<PinRecord> list(CacheRecord cache, String after, int limit) {
        TreeMap<String, PinRecord> of = pins.getOrDefault(owner(cache), new TreeMap<>());
        return (after == null ? of : of.tailMap(after, false)).values().stream().limit(limit).toList();
    }

    @Override
    public synchronized Optional<PinRecord> get(CacheRecord cache, String name) {
        return Optional.ofNullable(pins.getOrDefault(owner(cache), new TreeMap<>()).get(name));
    }

    @Override
    public boolean put(CacheRecord cache, PinRecord pin, PinRecord expected) {
        beforePut.run();
        synchronized (this) {
            puts++;
            TreeMap<String, PinRecord> of = pins.computeIfAbsent(owner(cache), k -> new TreeMap<>());
            PinRecord stored = of.get(pin.name());
            boolean matches = expected == null ? stored == null : stored != null && stored.version() == expected.version();
            if (!matches) {
                return false;
            }
            of.put(pin.name(), pin);
            return true;
        }
    }

    @Override
    public synchronized boolean delete(CacheRecord cache, String name) {
        TreeMap<String, PinRecord> of = pins.get(owner(cache));
        return of != null && of.remove(name) != null;
    }

    @Override
    public synchronized void deleteAll(CacheRecord cache) {
        pins.remove(owner(cache));
    }
}
