package dev.nixfront.bench.capacity;

import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PathStatus;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.RootsRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.TokenService;
import dev.nixfront.cache.fake.MemoryObjectStore;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.cache.port.Scope;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One client running {@code nixfront push} for closure after closure, as the CLI's {@code Pusher}
 * does, straight into the services: {@code missing} for the closure's hashes, upload targets in
 * requests of {@value UploadRequest#MAX} NARs, the PUTs of each request's files all at once, one
 * publish of the closure in reference order, then polling status (50 ms doubling to 2 s) for each
 * path the server is still verifying, and at the end, even when nothing was missing, the report of
 * the closure's root (its last path). Each service call is one Lambda invocation, timed in virtual
 * time. It calls as an admin of every cache: the token checks are cached per container in
 * production and left out here.
 */
final class PushClient implements Runnable {
    static final Principal ADMIN = new Principal(TokenService.BOOTSTRAP_ID, Scope.admin());
    private static final long FIRST_POLL = Options.nanos(50);
    private static final long MAX_POLL = Options.nanos(2_000);
    /** The API functions' timeout, under API Gateway's 30 s. */
    private static final Duration API_TIMEOUT = Duration.ofSeconds(29);

    private final Services services;
    private final String cache;
    private final Closures closures;
    private final Meter meter;
    private final Scheduler scheduler;
    private final MemoryObjectStore bucket;
    private final long putLatency;

    PushClient(Services services, String cache, Closures closures, Meter meter, Scheduler scheduler, MemoryObjectStore bucket,
               long putLatencyNanos) {
        this.services = services;
        this.cache = cache;
        this.closures = closures;
        this.meter = meter;
        this.scheduler = scheduler;
        this.bucket = bucket;
        this.putLatency = putLatencyNanos;
    }

    @Override
    public void run() {
        for (List<Closures.Path> closure = closures.next(); closure != null; closure = closures.next()) {
            push(closure);
        }
    }

    private void push(List<Closures.Path> closure) {
        List<String> hashes = closure.stream().map(p -> p.storePath().hash().value()).toList();
        Set<String> missing = new HashSet<>(invoke("query", () -> services.query().missing(ADMIN, cache, new MissingRequest(hashes)))
                .missing());
        List<Closures.Path> todo = closure.stream().filter(p -> missing.contains(p.storePath().hash().value())).toList();
        for (int from = 0; from < todo.size(); from += UploadRequest.MAX) {
            upload(todo.subList(from, Math.min(todo.size(), from + UploadRequest.MAX)));
        }
        if (!todo.isEmpty()) {
            List<PathInfo> infos = todo.stream().map(Closures.Path::info).toList();
            PublishResponse published = invoke("publish", () -> services.publish().publish(ADMIN, cache, new PublishRequest(infos)));
            for (PublishResult result : published.results()) {
                meter.count("publish answered " + result.state(), 1);
            }
            for (PublishResult result : published.results()) {
                if ("verifying".equals(result.state())) {
                    awaitPublished(result.storePath());
                }
            }
        }
        // As the CLI does at the end of every push, also one that found everything there: its root.
        String root = closure.getLast().storePath().toString();
        invoke("publish", () -> services.roots().record(ADMIN, cache, new RootsRequest(List.of(root))));
    }

    /** Asks for upload targets, then PUTs every file the answer names, all at once, each to the staging key it was given. */
    private void upload(List<Closures.Path> batch) {
        Map<String, byte[]> files = new HashMap<>();
        List<NarUpload> nars = new ArrayList<>();
        for (Closures.Path p : batch) {
            files.put(p.info().fileHash(), p.nar());
            nars.add(new NarUpload(p.info().fileHash(), p.info().fileSize(), p.info().compression()));
        }
        UploadResponse answer = invoke("upload", () -> services.uploads().request(ADMIN, cache, new UploadRequest(nars)));
        meter.turn();
        List<Request> puts = new ArrayList<>();
        for (UploadTarget target : answer.uploads()) {
            if (target.present()) {
                continue;
            }
            if (target.put() == null) {
                throw new IllegalStateException("a tiny NAR was given a multipart upload: " + target.key());
            }
            bucket.clientPut(new PresignedRequest(target.put().method(), URI.create(target.put().url()), target.put().headers(),
                    answer.expiresAt()), files.get(target.fileHash()));
            puts.add(new Request(Request.Service.S3, "PUT (client, presigned)", putLatency, List.of(Demand.s3Write(target.key()))));
        }
        meter.finishAll(puts);
    }

    /** What the CLI does before it may publish a referrer, and at the end of a push: poll until published. */
    private void awaitPublished(String storePath) {
        String hash = storePath.substring(storePath.lastIndexOf('/') + 1, storePath.lastIndexOf('/') + 33);
        long pause = FIRST_POLL;
        while (true) {
            PathStatus status = invoke("query", () -> services.query().status(ADMIN, cache, hash));
            if ("published".equals(status.state())) {
                return;
            }
            if (!"verifying".equals(status.state())) {
                throw new IllegalStateException("the cache refused " + storePath + ": " + status.state() + " " + status.reason());
            }
            scheduler.sleep(pause);
            pause = Math.min(MAX_POLL, pause * 2);
        }
    }

    /** One request to one function, its duration counted as that function's Lambda time. */
    private <T> T invoke(String function, Supplier<T> call) {
        long start = scheduler.now();
        T answer = call.get();
        meter.invoked(function, scheduler.now() - start, API_TIMEOUT);
        return answer;
    }
}
