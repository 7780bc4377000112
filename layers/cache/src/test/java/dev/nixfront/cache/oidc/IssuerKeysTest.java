package dev.nixfront.cache.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.fake.TestIssuer;
import dev.nixfront.cache.port.UpstreamClient;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Fetching issuers' keys concurrently: a slow issuer holds up only the exchanges that need its keys,
 * and callers of one issuer share its one fetch in flight.
 */
class IssuerKeysTest {
    private final TestIssuer fast = new TestIssuer("https://fast.example");
    private final TestIssuer slow = new TestIssuer("https://slow.example");
    /** Completed by the test: until then the slow issuer's answers hang. */
    private final CompletableFuture<Void> release = new CompletableFuture<>();
    private final AtomicInteger slowAsks = new AtomicInteger();
    private final UpstreamClient client = (url, privateAddresses, timeout, maxBytes) -> {
        if (url.getHost().equals("slow.example")) {
            slowAsks.incrementAndGet();
            return release.thenCompose(v -> slow.client().get(url, privateAddresses, timeout, maxBytes));
        }
        return fast.client().get(url, privateAddresses, timeout, maxBytes);
    };
    private final IssuerKeys keys = new IssuerKeys(client, false);
    private final Instant now = Instant.parse("2026-11-25T17:00:00Z");

    @Test
    void aSlowIssuerHoldsUpNoOtherIssuersExchangesAndItsCallersShareOneFetch() throws Exception {
        assertThat(keys.key(fast.url, fast.kid, now)).isEqualTo(fast.publicKey());
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            try {
                Future<RSAPublicKey> stalled = pool.submit(() -> keys.key(slow.url, slow.kid, now));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (slowAsks.get() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(slowAsks.get()).as("the slow fetch has started").isEqualTo(1);

                // Before, key() was synchronized across the fetch: this waited for the slow issuer (3.5 s).
                Future<RSAPublicKey> kept = pool.submit(() -> keys.key(fast.url, fast.kid, now));
                assertThat(kept.get(2, TimeUnit.SECONDS)).as("kept keys of another issuer, at once").isEqualTo(fast.publicKey());

                Future<RSAPublicKey> second = pool.submit(() -> keys.key(slow.url, slow.kid, now));
                Thread.sleep(100);
                assertThat(second.isDone()).as("a second caller of the slow issuer waits for the fetch in flight").isFalse();
                release.complete(null);
                assertThat(stalled.get(5, TimeUnit.SECONDS)).isEqualTo(slow.publicKey());
                assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(slow.publicKey());
                assertThat(slow.fetches.get()).as("one discovery document and one key set, for both").isEqualTo(2);
            } finally {
                release.complete(null);
            }
        }
        assertThat(fast.fetches.get()).isEqualTo(2);
    }

    @Test
    void callersWaitingOnAFailedFetchAreRefusedAndTheMinuteRuleHolds() throws Exception {
        slow.documents().clear();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            try {
                Future<RSAPublicKey> first = pool.submit(() -> keys.key(slow.url, slow.kid, now));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (slowAsks.get() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                Future<RSAPublicKey> second = pool.submit(() -> keys.key(slow.url, slow.kid, now));
                Thread.sleep(100);
                release.complete(null);
                for (Future<RSAPublicKey> refused : java.util.List.of(first, second)) {
                    try {
                        refused.get(5, TimeUnit.SECONDS);
                        throw new AssertionError("accepted");
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(IdTokenException.class);
                        assertThat(((IdTokenException) e.getCause()).field()).isEqualTo("idToken.iss");
                        assertThat(e.getCause().getMessage()).contains("answered 404");
                    }
                }
            } finally {
                release.complete(null);
            }
        }
        assertThat(slow.fetches.get()).as("one failed fetch for both").isEqualTo(1);
        try {
            keys.key(slow.url, slow.kid, now.plusSeconds(30));
            throw new AssertionError("accepted");
        } catch (IdTokenException e) {
            assertThat(e.getMessage()).contains("less than a minute ago");
        }
        assertThat(slow.fetches.get()).isEqualTo(1);
    }
}
