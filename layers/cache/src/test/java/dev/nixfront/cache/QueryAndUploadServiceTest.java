package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PathStatus;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cache.port.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryAndUploadServiceTest {
    private final Fixture f = new Fixture();

    private static DomainException failure(Runnable r) {
        try {
            r.run();
        } catch (DomainException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void missingListsWhatIsNotPublishedInRequestOrder() {
        f.createCache("team");
        Fixture.Nar one = Fixture.nar("one");
        Fixture.Nar two = Fixture.nar("two");
        f.upload("team", one);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info())));

        var missing = f.services.query().missing(ADMIN, "team",
                new MissingRequest(List.of(two.path().hash().value(), one.path().hash().value())));

        assertThat(missing.missing()).containsExactly(two.path().hash().value());
        assertThat(f.services.query().status(ADMIN, "team", one.path().hash().value()))
                .isEqualTo(new PathStatus(one.path().hash().value(), "published", null));
        assertThat(f.services.query().status(ADMIN, "team", two.path().hash().value()).state()).isEqualTo("absent");
    }

    @Test
    void missingChecksSizeFormatAndScope() {
        f.createCache("team");
        List<String> tooMany = Collections.nCopies(MissingRequest.MAX + 1, "0123456789abcdfghijklmnpqrsvwxyz");
        assertThat(failure(() -> f.services.query().missing(ADMIN, "team", new MissingRequest(tooMany))).status()).isEqualTo(413);
        DomainException bad = failure(() -> f.services.query().missing(ADMIN, "team",
                new MissingRequest(List.of("0123456789abcdfghijklmnpqrsvwxyz", "e123456789abcdfghijklmnpqrsvwxyz"))));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.field()).isEqualTo("storeHashes[1]");
        Principal other = new Principal("tk_o", Scope.fromLists(List.of("other"), List.of("admin")));
        assertThat(failure(() -> f.services.query().missing(other, "team", new MissingRequest(List.of()))).status()).isEqualTo(403);
        assertThat(failure(() -> f.services.query().status(ADMIN, "team", "short")).field()).isEqualTo("hash");
    }

    @Test
    void aSinglePutIsBoundToLengthChecksumTypeAndAtMostFifteenMinutes() {
        f.createCache("team");
        Fixture.Nar one = Fixture.nar("one");
        UploadResponse response = f.services.uploads().request(ADMIN, "team", new UploadRequest(List.of(
                new NarUpload(one.fileHash().toString(), one.file().length, "zstd"),
                new NarUpload(one.fileHash().toString(), one.file().length, "zstd"))));

        UploadTarget t = response.uploads().get(0);
        assertThat(response.uploads()).hasSize(2).allMatch(u -> u.equals(t));
        // The key is a staging key: a presigned request never names one the read path serves.
        assertThat(t.key()).isEqualTo("_staging/team/" + Fixture.staged(one.fileHash()) + ".nar.zst");
        assertThat(java.net.URI.create(t.put().url()).getPath()).isEqualTo("/" + t.key());
        assertThat(t.present()).isFalse();
        assertThat(t.multipart()).isNull();
        assertThat(t.put().method()).isEqualTo("PUT");
        assertThat(t.put().headers())
                .containsEntry("Content-Length", Integer.toString(one.file().length))
                .containsEntry("x-amz-checksum-sha256", one.fileHash().toBase64())
                .containsEntry("Content-Type", "application/x-nix-nar");
        assertThat(Duration.between(f.clock.instant(), response.expiresAt())).isLessThanOrEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void uploadRequestsAreValidated() {
        f.createCache("team");
        Fixture.Nar one = Fixture.nar("one");
        String h = one.fileHash().toString();
        assertThat(failure(() -> f.services.uploads().request(ADMIN, "team", new UploadRequest(List.of(
                new NarUpload(h, 1, "zstd"), new NarUpload("sha256:nope", 1, "zstd"))))).field()).isEqualTo("nars[1].fileHash");
        assertThat(failure(() -> f.services.uploads().request(ADMIN, "team", new UploadRequest(List.of(
                new NarUpload(h, 0, "zstd"))))).field()).isEqualTo("nars[0].fileSize");
        assertThat(failure(() -> f.services.uploads().request(ADMIN, "team", new UploadRequest(List.of(
                new NarUpload(h, 1, "gzip"))))).field()).isEqualTo("nars[0].compression");
        List<NarUpload> many = new ArrayList<>(Collections.nCopies(UploadRequest.MAX + 1, new NarUpload(h, 1, "zstd")));
        assertThat(failure(() -> f.services.uploads().request(ADMIN, "team", new UploadRequest(many))).status()).isEqualTo(413);
        Principal reader = new Principal("tk_r", Scope.fromLists(List.of("team"), List.of("read")));
        assertThat(failure(() -> f.services.uploads().request(reader, "team", new UploadRequest(List.of()))).status()).isEqualTo(403);
        assertThat(failure(() -> f.services.uploads().parts(ADMIN, "team", new PartsRequest(h, 10, "zstd", "u", 1, 1))).field())
                .isEqualTo("fileSize");
        assertThat(failure(() -> f.services.uploads().parts(ADMIN, "team",
                new PartsRequest(h, 100L << 20, "zstd", "u", 9, 1))).field()).isEqualTo("firstPart");
        assertThat(failure(() -> f.services.uploads().parts(ADMIN, "team",
                new PartsRequest(h, 100L << 20, "zstd", "u", 1, 1001))).field()).isEqualTo("count");
    }
}
