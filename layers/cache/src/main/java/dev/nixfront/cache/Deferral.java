package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.VerificationQueue;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.nix.NarInfo;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Hands paths to the verify function: writes each one's {@code verifying} record (its full info,
 * this request's attempt, the time) and submits the job naming them. The records hold the info; the
 * job names hashes only, to stay far below Lambda's 256 KB async payload (200 narinfos with long
 * reference lists do not).
 */
final class Deferral {
    private final PathIndex paths;
    private final VerificationQueue queue;
    private final Clock clock;
    private final SecureRandom random;

    Deferral(PathIndex paths, VerificationQueue queue, Clock clock, SecureRandom random) {
        this.paths = Objects.requireNonNull(paths);
        this.queue = Objects.requireNonNull(queue);
        this.clock = Objects.requireNonNull(clock);
        this.random = Objects.requireNonNull(random);
    }

    /**
     * Records the paths {@code verifying} and queues their verification, in the order given, which
     * must put references before referrers. A path published meanwhile keeps its record (the write
     * is conditional) and the job finds it done.
     */
    void submit(CacheRecord cache, List<NarInfo> referencesFirst) {
        if (referencesFirst.isEmpty()) {
            return;
        }
        String attempt = newAttempt();
        List<String> hashes = new ArrayList<>(referencesFirst.size());
        for (NarInfo info : referencesFirst) {
            paths.putUnlessPublished(cache, new PathRecord(info, PathState.VERIFYING, null, clock.instant(), attempt));
            hashes.add(info.storePath().hash().value());
        }
        queue.submit(new VerifyJob(cache.name().value(), cache.incarnation(), hashes));
    }

    /**
     * A fresh id for one request's verifying records. From the injected generator, not
     * {@code UUID.randomUUID()}: SnapStart restores many containers from one snapshot, and only a
     * generator that mixes in fresh entropy on every call (see the functions' wiring) keeps them apart.
     */
    private String newAttempt() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
