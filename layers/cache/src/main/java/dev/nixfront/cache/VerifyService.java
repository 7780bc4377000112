package dev.nixfront.cache;

import dev.nixfront.api.PathInfo;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The asynchronous half of publish: verifies and publishes the paths of a {@link VerifyJob} in
 * order, or records each as rejected with the reason. Bad uploads never throw (a retry would fail
 * the same way); failures of the stores do, so the job is delivered again, which is safe because
 * every step is idempotent.
 */
public final class VerifyService {
    private final CacheRepository caches;
    private final PathIndex paths;
    private final PathPublisher publisher;
    private final CacheSettings settings;

    VerifyService(CacheRepository caches, PathIndex paths, PathPublisher publisher, CacheSettings settings) {
        this.caches = Objects.requireNonNull(caches);
        this.paths = Objects.requireNonNull(paths);
        this.publisher = Objects.requireNonNull(publisher);
        this.settings = Objects.requireNonNull(settings);
    }

    /** What became of each path of a job. */
    public record Outcome(String storePath, PathState state, String reason) {}

    public List<Outcome> run(VerifyJob job) {
        String problem = CacheName.problem(job.cache());
        if (problem != null) {
            throw new IllegalArgumentException("verify job for an invalid cache name: " + problem);
        }
        Optional<CacheRecord> found = caches.get(new CacheName(job.cache()));
        List<Outcome> outcomes = new ArrayList<>();
        if (found.isEmpty()) {
            // Deleted since the job was queued: nothing may be published into it.
            for (PathInfo p : job.paths()) {
                outcomes.add(new Outcome(p.storePath(), PathState.REJECTED, "cache " + job.cache() + " no longer exists"));
            }
            return outcomes;
        }
        CacheRecord cache = found.get();
        Set<StorePath> done = new HashSet<>();
        Set<StorePath> failed = new HashSet<>();
        for (int i = 0; i < job.paths().size(); i++) {
            NarInfo info;
            try {
                info = PathInfos.toNarInfo(job.paths().get(i), settings.storeDir(), "");
            } catch (DomainException e) {
                // Only a forged job gets here: publish validated every path before queueing it.
                outcomes.add(new Outcome(job.paths().get(i).storePath(), PathState.REJECTED, e.field() + ": " + e.reason()));
                continue;
            }
            PathRecord existing = paths.get(cache.name(), List.of(info.storePath().hash())).get(info.storePath().hash());
            if (existing != null && existing.state() == PathState.PUBLISHED && PathInfos.difference(existing.info(), info) == null) {
                // Delivered again after it was done (Lambda retries whole jobs): nothing to verify.
                done.add(info.storePath());
                outcomes.add(new Outcome(info.storePath().toString(), PathState.PUBLISHED, null));
                continue;
            }
            String reason = unpublishedReference(cache, info, done, failed);
            String metricReason = "MissingReference";
            if (reason == null) {
                try {
                    publisher.publish(cache, info);
                    done.add(info.storePath());
                    outcomes.add(new Outcome(info.storePath().toString(), PathState.PUBLISHED, null));
                    continue;
                } catch (VerificationFailure f) {
                    publisher.reject(cache, info, f.field() + ": " + f.reason(), f.metricReason());
                    failed.add(info.storePath());
                    outcomes.add(new Outcome(info.storePath().toString(), PathState.REJECTED, f.field() + ": " + f.reason()));
                    continue;
                } catch (DomainException e) {
                    reason = e.reason();
                    metricReason = "Conflict";
                }
            } else {
                reason = "references: " + reason;
            }
            publisher.reject(cache, info, reason, metricReason);
            failed.add(info.storePath());
            outcomes.add(new Outcome(info.storePath().toString(), PathState.REJECTED, reason));
        }
        return outcomes;
    }

    private String unpublishedReference(CacheRecord cache, NarInfo info, Set<StorePath> done, Set<StorePath> failed) {
        List<StorePath> lookup = new ArrayList<>();
        for (StorePath ref : info.references()) {
            if (failed.contains(ref)) {
                return ref.baseName() + " was rejected";
            }
            if (!ref.equals(info.storePath()) && !done.contains(ref)) {
                lookup.add(ref);
            }
        }
        if (lookup.isEmpty()) {
            return null;
        }
        Map<StorePathHash, PathRecord> found = paths.get(cache.name(), lookup.stream().map(StorePath::hash).toList());
        for (StorePath ref : lookup) {
            PathRecord r = found.get(ref.hash());
            if (r == null || r.state() != PathState.PUBLISHED || !r.info().storePath().equals(ref)) {
                return ref.baseName() + " is not published";
            }
        }
        return null;
    }
}
