package dev.nixfront.cache;

import dev.nixfront.cache.oidc.IssuerKeys;
import dev.nixfront.cache.port.EdgeStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;

/**
 * The services of one deployment, built once per container from its ports. Handlers take this;
 * Lambda builds it from the AWS adapters, the local stack from its own.
 *
 * @param edge the reconciler of the read path's store with the table; the services write that store
 *             through {@link EdgeReconciler#fillingFirst()}
 * @param trusts OpenID Connect trusts and the exchange of ID tokens for tokens ({@link TrustService})
 */
public record Services(CacheAdminService caches, TokenService tokens, QueryService query, UploadService uploads,
                       PublishService publish, VerifyService verify, EdgeReconciler edge, RootService roots, PinService pins,
                       GarbageCollector gc, TrustService trusts, LogService logs) {
    public Services {
        Objects.requireNonNull(caches, "caches");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(uploads, "uploads");
        Objects.requireNonNull(publish, "publish");
        Objects.requireNonNull(verify, "verify");
        Objects.requireNonNull(edge, "edge");
        Objects.requireNonNull(roots, "roots");
        Objects.requireNonNull(pins, "pins");
        Objects.requireNonNull(gc, "gc");
        Objects.requireNonNull(trusts, "trusts");
        Objects.requireNonNull(logs, "logs");
    }

    /** Services whose garbage collections wait with {@link GarbageCollector.Pause#REAL}. */
    public static Services create(Ports ports, CacheSettings settings, Clock clock, SecureRandom random) {
        return create(ports, settings, clock, random, GarbageCollector.Pause.REAL);
    }

    /** Services whose garbage collections wait with {@code pause} (tests move a clock instead). */
    public static Services create(Ports ports, CacheSettings settings, Clock clock, SecureRandom random, GarbageCollector.Pause pause) {
        IndexRepair repair = new IndexRepair(ports.objects(), ports.paths(), clock, settings.storeDir());
        // Shared by publish and verify; it remembers nothing itself (answers live with a request or job).
        UpstreamCheck upstreams = new UpstreamCheck(ports.upstreams(), clock, settings.upstreams(), settings.storeDir());
        PathPublisher publisher = new PathPublisher(ports.caches(), ports.objects(), ports.paths(), ports.nars(),
                new SigningKeys(ports.keys()), ports.metrics(), clock, settings.storeDir(), repair, settings.collectionFence(),
                ports.usage(), upstreams);
        Deferral deferral = new Deferral(ports.paths(), ports.queue(), clock, random);
        EdgeReconciler reconciler = new EdgeReconciler(ports.caches(), ports.tokens(), ports.edge(), clock);
        EdgeStore edge = reconciler.fillingFirst();
        TokenService tokens = new TokenService(ports.tokens(), ports.caches(), edge, clock, random, settings.tokenLookupTtl());
        return new Services(
                new CacheAdminService(ports.caches(), ports.paths(), ports.objects(), edge, ports.keys(), random, clock,
                        settings, ports.roots(), ports.pins(), ports.usage(), ports.nars(), ports.collections(), ports.edgeCache(),
                        ports.trusts()),
                tokens,
                new QueryService(ports.caches(), ports.paths(), repair, clock),
                new UploadService(ports.caches(), ports.objects(), clock, settings),
                new PublishService(ports.caches(), ports.paths(), publisher, deferral,
                        new References(repair, publisher, deferral, upstreams), clock, settings),
                new VerifyService(ports.caches(), ports.paths(), publisher, ports.queue(), clock, settings.verifyRates()),
                reconciler,
                new RootService(ports.caches(), ports.paths(), ports.roots(), clock, settings.storeDir()),
                new PinService(ports.caches(), ports.paths(), ports.pins(), clock, settings.storeDir()),
                new GarbageCollector(ports, clock, pause, settings, random),
                // Issuers are fetched under the upstreams' rules: private addresses only where upstreams may have them.
                new TrustService(ports.caches(), ports.trusts(), tokens,
                        new IssuerKeys(ports.upstreams(), settings.upstreams().privateAddresses()), clock, random,
                        settings.upstreams().privateAddresses()),
                new LogService(ports.caches(), ports.paths(), ports.objects(), clock, settings));
    }
}
