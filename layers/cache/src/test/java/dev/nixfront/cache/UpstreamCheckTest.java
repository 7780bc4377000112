package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.Upstream;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.GcPolicy;
import dev.nixfront.cache.port.UpstreamCache;
import dev.nixfront.cache.port.UpstreamClient;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.sign.SecretKey;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The server's upstream check against a fake upstream: signatures, failures, remembered answers; and the settings' URL rules. */
class UpstreamCheckTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKey upstreamKey = SecretKey.generate("up-1", RANDOM);
    private final SecretKey otherKey = SecretKey.generate("other-1", RANDOM);
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);
    private final Map<URI, String> served = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    private final UpstreamClient fake = (url, privateAddresses, timeout, maxBytes) -> {
        requests.incrementAndGet();
        if (url.getHost().equals("down.example")) {
            return CompletableFuture.failedFuture(new UpstreamClient.Failure(UpstreamClient.Failure.Reason.CONNECTION_FAILED));
        }
        if (url.getHost().equals("banner.example")) {
            // What the JDK's client says of an upstream that sent a banner, not HTTP: its text quoted.
            return CompletableFuture.failedFuture(new ProtocolException("Invalid status line: \"SECRET-BANNER api_key=hunter2\""));
        }
        String body = served.get(url);
        return CompletableFuture.completedFuture(body == null ? new UpstreamClient.Answer(404, null) : new UpstreamClient.Answer(200, body));
    };

    private StorePath path(String name) throws Exception {
        byte[] h = new byte[20];
        RANDOM.nextBytes(h);
        return StorePath.parse("/nix/store/" + dev.nixfront.nix.Nix32.encode(h) + "-" + name);
    }

    private void serve(String upstream, StorePath path, SecretKey key) {
        Hash hash = Hash.sha256(path.toString().getBytes(StandardCharsets.UTF_8));
        NarInfo info = NarInfo.builder(path).url("nar/" + hash.toNix32() + ".nar").compression(Compression.NONE).fileHash(hash)
                .fileSize(100).narHash(hash).narSize(100).references(List.of()).build().sign(key);
        served.put(URI.create(upstream + "/" + path.hash() + ".narinfo"), info.render());
    }

    private CacheRecord cache(String... urls) {
        List<UpstreamCache> upstreams = java.util.Arrays.stream(urls).map(u -> new UpstreamCache(URI.create(u), upstreamKey.publicKey())).toList();
        return new CacheRecord(CacheName.of("team"), "team-1:x", new byte[1], 40, false, clock.instant(), "0123456789abcdef", null,
                GcPolicy.KEEP_ALL, upstreams);
    }

    @Test
    void onlyPathsSignedByTheUpstreamsKeyCountAndPositiveAnswersAreRememberedForTheRequestAlone() throws Exception {
        UpstreamCheck check = new UpstreamCheck(fake, clock, UpstreamSettings.defaults(), "/nix/store");
        StorePath good = path("good");
        StorePath forged = path("forged");
        StorePath absent = path("absent");
        serve("https://up.example", good, upstreamKey);
        serve("https://up.example", forged, otherKey);
        UpstreamCheck.Answers request = new UpstreamCheck.Answers();
        UpstreamCheck.Outcome outcome = check.served(cache("https://up.example"), List.of(good, forged, absent), request);
        assertThat(outcome.served()).containsExactly(good);
        assertThat(outcome.warnings()).isEmpty();
        assertThat(requests).hasValue(3);

        assertThat(check.served(cache("https://up.example"), List.of(good), request).served()).containsExactly(good);
        assertThat(requests).as("the positive answer was remembered within the request").hasValue(3);
        assertThat(check.served(cache("https://up.example"), List.of(good), new UpstreamCheck.Answers()).served()).containsExactly(good);
        assertThat(requests).as("and asked again by the next").hasValue(4);
    }

    @Test
    void aFailingUpstreamCountsAsAbsentWithAWarningAndTheNextOneIsStillAsked() throws Exception {
        UpstreamCheck check = new UpstreamCheck(fake, clock, UpstreamSettings.defaults(), "/nix/store");
        StorePath p = path("p");
        serve("https://second.example", p, upstreamKey);
        UpstreamCheck.Outcome outcome = check.served(cache("https://down.example", "https://second.example"), List.of(p),
                new UpstreamCheck.Answers());
        assertThat(outcome.served()).containsExactly(p);
        assertThat(outcome.warnings()).singleElement().asString().contains("https://down.example").contains("failed (connection failed)");
    }

    @Test
    void aFailureIsToldInAFixedCategoryNeverInTheUpstreamsOwnWords() throws Exception {
        UpstreamCheck check = new UpstreamCheck(fake, clock, UpstreamSettings.defaults(), "/nix/store");
        StorePath p = path("p");
        UpstreamCheck.Outcome outcome = check.served(cache("https://banner.example"), List.of(p), new UpstreamCheck.Answers());
        assertThat(outcome.served()).isEmpty();
        // The client's own failures carry a category (HttpUpstreamClientTest); anything else is a failed connection.
        assertThat(outcome.warnings()).containsExactly("upstream https://banner.example failed (connection failed): its paths counted as absent");
    }

    @Test
    void anUpstreamThatDoesNotAnswerWithinTheCheckIsCancelledAndSaidToHaveTimedOut() throws Exception {
        UpstreamSettings quick = new UpstreamSettings(List.of(), false, Duration.ofMillis(100), Duration.ofMillis(200));
        List<CompletableFuture<UpstreamClient.Answer>> asked = new CopyOnWriteArrayList<>();
        UpstreamClient stuck = (url, privateAddresses, timeout, maxBytes) -> {
            CompletableFuture<UpstreamClient.Answer> f = new CompletableFuture<>();
            asked.add(f);
            return f;
        };
        UpstreamCheck check = new UpstreamCheck(stuck, Clock.systemUTC(), quick, "/nix/store");
        UpstreamCheck.Outcome outcome = check.served(cache("https://stuck.example"), List.of(path("a"), path("b")),
                new UpstreamCheck.Answers());
        assertThat(outcome.warnings()).containsExactly("upstream https://stuck.example failed (timed out): its paths counted as absent");
        assertThat(asked).hasSize(2).allMatch(CompletableFuture::isCancelled);
    }

    @Test
    void anUpstreamKeysNameIsAtMost128PrintableAsciiCharacters() {
        UpstreamSettings aws = UpstreamSettings.defaults();
        String data = upstreamKey.publicKey().toString().substring("up-1:".length());
        assertThat(aws.check(List.of(new Upstream("https://a.example.org", "k".repeat(128) + ":" + data)))).hasSize(1);
        List<Upstream> huge = new ArrayList<>();
        for (int i = 0; i < Upstream.MAX; i++) {
            // 8 of them made a cache item of 360 KB, read on every request; at 60,000 characters DynamoDB refused it (500).
            huge.add(new Upstream("https://u" + i + ".example.org", "k".repeat(45_000) + ":" + data));
        }
        for (List<Upstream> bad : List.of(huge, List.of(new Upstream("https://a.example.org", "k".repeat(129) + ":" + data)),
                List.of(new Upstream("https://a.example.org", "cache\u202egnp.exe-1:" + data)),
                List.of(new Upstream("https://a.example.org", "caché-1:" + data)))) {
            assertThatThrownBy(() -> aws.check(bad)).isInstanceOf(DomainException.class)
                    .hasFieldOrPropertyWithValue("field", "upstreams[0].publicKey")
                    .hasMessageContaining("at most 128 printable ASCII characters");
        }
    }

    @Test
    void embeddedPrivateAddressesTrailingDotsSingleLabelsAndNonAsciiAreRefusedAndDuplicatesFoundWhateverTheSpelling() throws Exception {
        UpstreamSettings aws = UpstreamSettings.defaults();
        String key = Upstream.NIXOS.publicKey();
        for (String bad : List.of("https://[::a9fe:a9fe]", "https://[64:ff9b::a9fe:a9fe]", "https://[2002:a9fe:a9fe::1]",
                "https://[::ffff:0:a9fe:a9fe]", "https://[64:ff9b:1::1]", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
                "https://[::ffff:127.0.0.1]", "https://localhost.", "https://metadata.google.internal.", "https://LOCALHOST",
                "https://vm", "https://vm.", "https://cache.example.org/\u202egpj", "https://cache.example.org/caf\u00e9",
                "https://cache.example.org/a\u0007b")) {
            assertThatThrownBy(() -> aws.check(List.of(new Upstream(bad, key)))).as(bad).isInstanceOf(DomainException.class)
                    .hasFieldOrPropertyWithValue("field", "upstreams[0].url");
        }
        for (String embedded : List.of("::a9fe:a9fe", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "::ffff:0:a9fe:a9fe", "2002:0a00:0001::1")) {
            assertThat(UpstreamSettings.isPublic(InetAddress.getByName(embedded))).as(embedded).isFalse();
        }
        assertThat(UpstreamSettings.isPublic(InetAddress.getByName("2002:9765:015b::1"))).as("6to4 of a public address").isTrue();
        assertThat(UpstreamSettings.isPublic(InetAddress.getByName("2a04:4e42::347"))).isTrue();

        for (String same : List.of("https://cache.nixos.org:443", "https://cache.nixos.org/.", "https://CACHE.nixos.org/",
                "https://cache.nixos.org./", "https://cache.nixos.org/a/..")) {
            assertThatThrownBy(() -> aws.check(List.of(Upstream.NIXOS, new Upstream(same, key)))).as(same)
                    .hasFieldOrPropertyWithValue("field", "upstreams[1].url").hasMessageContaining("twice");
            assertThat(aws.check(List.of(new Upstream(same, key))).getFirst().url()).as(same).isEqualTo(URI.create(Upstream.NIXOS.url()));
        }
        assertThat(aws.check(List.of(new Upstream("https://cache.example.org:8443/a/./b/", key))).getFirst().url())
                .isEqualTo(URI.create("https://cache.example.org:8443/a/b"));
        UpstreamSettings local = aws.withPrivateAddresses(true);
        assertThat(local.check(List.of(new Upstream("http://vm:8471/up", key))).getFirst().url()).isEqualTo(URI.create("http://vm:8471/up"));
    }

    @Test
    void upstreamUrlsAreHttpsToPublicAddressesUnlessTheDeploymentAllowsPrivateOnes() throws Exception {
        UpstreamSettings aws = UpstreamSettings.defaults();
        String key = Upstream.NIXOS.publicKey();
        assertThat(aws.check(List.of(new Upstream("https://cache.example.org/", key))).getFirst().url())
                .isEqualTo(URI.create("https://cache.example.org"));
        for (String bad : List.of("http://169.254.169.254/", "https://169.254.169.254", "https://127.0.0.1:8471/up", "https://10.0.0.1",
                "https://[::1]/", "https://localhost/x", "ftp://cache.example.org", "https://user:pw@cache.example.org",
                "https://cache.example.org?x=1", "http://cache.example.org")) {
            assertThatThrownBy(() -> aws.check(List.of(new Upstream(bad, key)))).as(bad).isInstanceOf(DomainException.class)
                    .hasFieldOrPropertyWithValue("field", "upstreams[0].url");
        }
        assertThatThrownBy(() -> aws.check(List.of(new Upstream("https://cache.example.org", "nokey"))))
                .hasFieldOrPropertyWithValue("field", "upstreams[0].publicKey");
        assertThatThrownBy(() -> aws.check(java.util.Collections.nCopies(Upstream.MAX + 1, Upstream.NIXOS)))
                .hasFieldOrPropertyWithValue("field", "upstreams");

        UpstreamSettings local = aws.withPrivateAddresses(true);
        assertThat(local.check(List.of(new Upstream("http://127.0.0.1:8471/up", key)))).hasSize(1);
        assertThat(UpstreamSettings.isPublic(InetAddress.getByName("169.254.169.254"))).isFalse();
        assertThat(UpstreamSettings.isPublic(InetAddress.getByName("100.64.0.1"))).isFalse();
        assertThat(UpstreamSettings.isPublic(InetAddress.getByName("151.101.1.91"))).isTrue();
    }
}
