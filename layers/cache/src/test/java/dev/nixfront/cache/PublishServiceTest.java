package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.sign.PublicKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PublishServiceTest {
    private static final CacheName TEAM = CacheName.of("team");

    private final Fixture f = new Fixture();

    private PublishResponse publish(Fixture.Nar... nars) {
        return f.services.publish().publish(ADMIN, "team", new PublishRequest(Arrays.stream(nars).map(Fixture.Nar::info).toList()));
    }

    private Optional<NarInfo> readableNarInfo(Fixture.Nar nar) throws Exception {
        Optional<byte[]> body = f.objects.object("team/" + nar.path().hash() + ".narinfo").map(o -> o.body());
        if (body.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(NarInfo.parse(body.get(), "/nix/store"));
    }

    private DomainException refused(Fixture.Nar... nars) {
        try {
            publish(nars);
        } catch (DomainException e) {
            return e;
        }
        throw new AssertionError("publish was accepted");
    }

    @Test
    void publishesAClosureSignedReferencesBeforeReferrersNarinfoBeforeIndex() throws Exception {
        String publicKey = f.createCache("team").publicKey();
        Fixture.Nar dep = nar("dep-1.0");
        Fixture.Nar app = nar("app-1.0", dep.path(), Fixture.storePath("app-1.0"));
        f.uploadAll("team", dep, app);

        PublishResponse response = publish(app, dep);

        assertThat(response.results()).containsExactly(
                new PublishResult(app.path().toString(), "published"), new PublishResult(dep.path().toString(), "published"));
        NarInfo info = readableNarInfo(app).orElseThrow();
        assertThat(info.url()).isEqualTo("nar/" + Fixture.staged(app.fileHash()) + ".nar.zst");
        assertThat(info.references()).containsExactlyInAnyOrder(app.path(), dep.path());
        assertThat(info.verifiedBy(PublicKey.parse(publicKey))).isTrue();
        assertThat(f.objects.object("team/" + app.path().hash() + ".narinfo").orElseThrow().contentType())
                .isEqualTo("text/x-nix-narinfo");
        assertThat(f.paths.record(TEAM, app.path().hash()).orElseThrow().state()).isEqualTo(PathState.PUBLISHED);

        List<String> writes = new ArrayList<>(f.objects.writes());
        assertThat(writes.indexOf("put team/" + dep.path().hash() + ".narinfo"))
                .isLessThan(writes.indexOf("put team/" + app.path().hash() + ".narinfo"));
        assertThat(f.paths.writes()).containsExactly("published " + dep.path().hash(), "published " + app.path().hash());
        assertThat(f.metrics.total("PathsPublished")).isEqualTo(2);
        assertThat(f.metrics.total("BytesPublished")).isEqualTo(dep.file().length + app.file().length);
    }

    @Test
    void theIndexIsWrittenOnlyAfterTheNarinfoObject() {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        // A store that refuses the narinfo write must leave no index item behind.
        f.objects.store("team/" + one.path().hash() + ".narinfo", "StorePath: /nix/store/x\n".getBytes(StandardCharsets.UTF_8), "text/plain", null);
        assertThatThrownBy(() -> publish(one)).isInstanceOf(IllegalStateException.class);
        assertThat(f.paths.record(TEAM, one.path().hash())).isEmpty();
    }

    @Test
    void republishingTheSameInfoSucceedsAndChangesNothing() throws Exception {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        publish(one);
        NarInfo before = readableNarInfo(one).orElseThrow();
        int objectWrites = f.objects.writes().size();
        int indexWrites = f.paths.writes().size();

        assertThat(publish(one).results()).containsExactly(new PublishResult(one.path().toString(), "published"));

        assertThat(f.objects.writes()).hasSize(objectWrites);
        assertThat(f.paths.writes()).hasSize(indexWrites);
        assertThat(readableNarInfo(one)).contains(before);
    }

    @Test
    void differentInfoForAPublishedPathIs409AndNeverOverwrites() throws Exception {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        publish(one);
        NarInfo before = readableNarInfo(one).orElseThrow();
        Fixture.Nar other = Fixture.nar("one", Map.of("other", "different bytes\n"), Compression.ZSTD);
        f.upload("team", other);

        DomainException e = refused(other);

        assertThat(e.status()).isEqualTo(409);
        assertThat(e.field()).isEqualTo("paths[0].storePath");
        assertThat(e.reason()).contains("already published with different info").contains("NarHash");
        assertThat(readableNarInfo(one)).contains(before);
    }

    @Test
    void aMissingReferenceIs409NamingItAndNothingIsWritten() {
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        f.uploadAll("team", dep, app);

        DomainException e = refused(app);

        assertThat(e.status()).isEqualTo(409);
        assertThat(e.field()).isEqualTo("paths[0].references");
        assertThat(e.missing()).containsExactly(dep.path().baseName());
        // Named once, in missing; the reason only counts them (a 409 must stay small whatever was sent).
        // The cache has the default upstream, which (faked) does not serve it either.
        assertThat(e.reason()).isEqualTo("references not published in cache team nor in this batch nor served, validly signed, by its"
                + " upstreams: 1; missing names them").doesNotContain(dep.path().baseName());
        assertThat(e.toApiError().missing()).containsExactly(dep.path().baseName());
        assertThat(e.toApiError().missingCount()).isEqualTo(1);
        assertThat(f.objects.keys()).noneMatch(k -> k.endsWith(".narinfo"));
        assertThat(f.paths.writes()).isEmpty();
        assertThat(f.metrics.entries()).anyMatch(m -> m.name().equals("PublishRejected")
                && m.dimensions().equals(Map.of("Reason", "MissingReference")));
    }

    @Test
    void aReferencePublishedEarlierCounts() {
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        f.uploadAll("team", dep, app);
        publish(dep);
        assertThat(publish(app).results().get(0).state()).isEqualTo("published");
    }

    @Test
    void aLyingFileHashIsRefusedAndNothingIsReadable() throws Exception {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        // Points at the honest upload's key? No: the key is named by FileHash, so a lie points
        // elsewhere. Put the honest bytes where the lie points, as a multipart upload could (S3
        // checks its parts, not the whole), and the server still refuses: the bytes do not hash
        // to the claim.
        Hash lie = Hash.sha256("something else".getBytes(StandardCharsets.UTF_8));
        f.objects.store("_staging/team/" + Fixture.staged(lie) + ".nar.zst", one.file(), "application/x-nix-nar", null);
        Fixture.Nar lying = one.withInfo(with(one.info(), lie.toString(), one.info().fileSize(), one.info().narHash(), one.info().narSize()));

        DomainException e = refused(lying);

        assertThat(e.status()).isEqualTo(422);
        assertThat(e.field()).isEqualTo("paths[0].fileHash");
        assertThat(readableNarInfo(one)).isEmpty();
        assertThat(f.objects.keys()).noneMatch(k -> k.contains("/nar/"));
        PathRecord rejected = f.paths.record(TEAM, one.path().hash()).orElseThrow();
        assertThat(rejected.state()).isEqualTo(PathState.REJECTED);
        assertThat(rejected.reason()).startsWith("fileHash:");
        assertThat(f.services.query().missing(ADMIN, "team",
                new dev.nixfront.api.MissingRequest(List.of(one.path().hash().value()))).missing()).hasSize(1);
    }

    @Test
    void aFileHashWithNoUploadIsRefused() {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        DomainException e = refused(one);
        assertThat(e.status()).isEqualTo(422);
        assertThat(e.field()).isEqualTo("paths[0].fileHash");
        assertThat(e.reason()).contains("no NAR file was uploaded");
    }

    @Test
    void aLyingFileSizeIsRefused() throws Exception {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        Fixture.Nar lying = one.withInfo(with(one.info(), one.info().fileHash(), one.info().fileSize() + 1, one.info().narHash(), one.info().narSize()));

        DomainException e = refused(lying);

        assertThat(e.status()).isEqualTo(422);
        assertThat(e.field()).isEqualTo("paths[0].fileSize");
        assertThat(readableNarInfo(one)).isEmpty();
    }

    @Test
    void aLyingNarHashIsRefused() throws Exception {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        Fixture.Nar lying = one.withInfo(with(one.info(), one.info().fileHash(), one.info().fileSize(),
                Hash.sha256(new byte[1]).toString(), one.info().narSize()));

        DomainException e = refused(lying);

        assertThat(e.status()).isEqualTo(422);
        assertThat(e.field()).isEqualTo("paths[0].narHash");
        assertThat(readableNarInfo(one)).isEmpty();
        assertThat(f.metrics.entries()).anyMatch(m -> m.dimensions().equals(Map.of("Reason", "NarHash")));
    }

    @Test
    void aLyingNarSizeIsRefusedEitherWay() throws Exception {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);

        DomainException shorter = refused(one.withInfo(with(one.info(), one.info().fileHash(), one.info().fileSize(),
                one.info().narHash(), one.info().narSize() - 8)));
        DomainException longer = refused(one.withInfo(with(one.info(), one.info().fileHash(), one.info().fileSize(),
                one.info().narHash(), one.info().narSize() + 8)));

        assertThat(shorter.status()).isEqualTo(422);
        assertThat(shorter.field()).isEqualTo("paths[0].narSize");
        assertThat(longer.status()).isEqualTo(422);
        assertThat(longer.field()).isEqualTo("paths[0].narSize");
        assertThat(readableNarInfo(one)).isEmpty();
    }

    @Test
    void aMalformedNarIsRefusedEvenWhenEveryHashMatchesIt() throws Exception {
        f.createCache("team");
        byte[] garbage = "this is not a NAR at all, but it is hashed honestly".getBytes(StandardCharsets.UTF_8);
        Fixture.Nar bad = Fixture.fromNar("bad", garbage, new NarSummary(Hash.sha256(garbage), garbage.length), Compression.XZ);
        f.upload("team", bad);

        DomainException e = refused(bad);

        assertThat(e.status()).isEqualTo(422);
        assertThat(e.field()).isEqualTo("paths[0].nar");
        assertThat(e.reason()).contains("not a well-formed NAR");
        assertThat(readableNarInfo(bad)).isEmpty();
    }

    @Test
    void aFileThatIsNotTheDeclaredCompressionIsRefused() {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        // zstd bytes declared as xz: hashes match the file, decompression does not.
        Fixture.Nar mislabeled = new Fixture.Nar(one.path(), one.nar(), one.file(), Compression.XZ,
                new PathInfo(one.info().storePath(), one.info().narHash(), one.info().narSize(), one.info().fileHash(),
                        one.info().fileSize(), "xz", one.info().references(), null, null));
        f.upload("team", mislabeled);

        DomainException e = refused(mislabeled);

        assertThat(e.status()).isEqualTo(422);
        assertThat(e.field()).isEqualTo("paths[0].compression");
    }

    @Test
    void everyFieldIsValidatedWithItsJsonPath() {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        PathInfo i = one.info();
        record Case(PathInfo info, String field) {}
        List<Case> cases = List.of(
                new Case(new PathInfo("/nix/store/short-x", i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(), List.of(), null, null), "storePath"),
                new Case(new PathInfo("/other/store/" + one.path().baseName(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(), List.of(), null, null), "storePath"),
                new Case(new PathInfo(i.storePath(), "md5:abc", i.narSize(), i.fileHash(), i.fileSize(), i.compression(), List.of(), null, null), "narHash"),
                new Case(new PathInfo(i.storePath(), i.narHash(), 0, i.fileHash(), i.fileSize(), i.compression(), List.of(), null, null), "narSize"),
                new Case(new PathInfo(i.storePath(), i.narHash(), i.narSize(), null, i.fileSize(), i.compression(), List.of(), null, null), "fileHash"),
                new Case(new PathInfo(i.storePath(), i.narHash(), i.narSize(), i.fileHash(), -1, i.compression(), List.of(), null, null), "fileSize"),
                new Case(new PathInfo(i.storePath(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), "bzip2", List.of(), null, null), "compression"),
                new Case(new PathInfo(i.storePath(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(), List.of("ok-but-no-hash"), null, null), "references[0]"),
                new Case(new PathInfo(i.storePath(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(), List.of(), "bad deriver", null), "deriver"),
                new Case(new PathInfo(i.storePath(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(), List.of(), null, "fixed:sha256"), "ca"));
        for (Case c : cases) {
            DomainException e = refused(one, one.withInfo(c.info()));
            assertThat(e.status()).as(c.field()).isEqualTo(400);
            assertThat(e.field()).as(c.field()).isEqualTo("paths[1]." + c.field());
            assertThat(e.reason()).as(c.field()).isNotBlank();
        }
        assertThat(f.objects.writes()).noneMatch(w -> w.contains(".narinfo"));
    }

    @Test
    void batchLimitsAndAuthorisation() {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        List<PathInfo> tooMany = java.util.Collections.nCopies(PublishRequest.MAX + 1, one.info());
        assertThatThrownBy(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(tooMany)))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(413));
        assertThatThrownBy(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of())))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> f.services.publish().publish(ADMIN, "nope", new PublishRequest(List.of(one.info()))))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(404));
        Principal reader = new Principal("tk_reader", dev.nixfront.cache.port.Scope.fromLists(List.of("team"), List.of("read")));
        assertThatThrownBy(() -> f.services.publish().publish(reader, "team", new PublishRequest(List.of(one.info()))))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(403));
        Principal otherCache = new Principal("tk_other", dev.nixfront.cache.port.Scope.fromLists(List.of("other"), List.of("write")));
        assertThatThrownBy(() -> f.services.publish().publish(otherCache, "team", new PublishRequest(List.of(one.info()))))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(403));
    }

    @Test
    void aCycleInTheBatchIsRefused() {
        f.createCache("team");
        StorePath a = Fixture.storePath("a");
        StorePath b = Fixture.storePath("b");
        Fixture.Nar na = nar("a", b);
        Fixture.Nar nb = nar("b", a);
        DomainException e = refused(na, nb);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.reason()).contains("cycle");
    }

    @Test
    void twoCachesAreSeparate() throws Exception {
        f.createCache("team");
        f.createCache("other");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        publish(one);
        assertThat(f.objects.keys()).noneMatch(k -> k.startsWith("other/") && k.endsWith(".narinfo"));
        assertThat(f.services.query().missing(ADMIN, "other",
                new dev.nixfront.api.MissingRequest(List.of(one.path().hash().value()))).missing()).hasSize(1);
        // The NAR uploaded to team is not there for other: publishing there needs its own upload.
        DomainException e = null;
        try {
            f.services.publish().publish(ADMIN, "other", new PublishRequest(List.of(one.info())));
        } catch (DomainException ex) {
            e = ex;
        }
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(422);
    }

    static PathInfo with(PathInfo i, String fileHash, long fileSize, String narHash, long narSize) {
        return new PathInfo(i.storePath(), narHash, narSize, fileHash, fileSize, i.compression(), i.references(), i.deriver(), i.ca());
    }
}
