package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 9, "no ghosts": the index agrees with what is readable, and one request never undoes another's. */
class IndexIntegrityTest {
    private static final CacheName TEAM = CacheName.of("team");

    private final Fixture f = new Fixture();

    private static PathInfo renamed(PathInfo i, StorePath path) {
        return new PathInfo(path.toString(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(),
                i.references(), i.deriver(), i.ca());
    }

    private void publish(PathInfo... infos) {
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(infos)));
    }

    @Test
    void theSameHashUnderAnotherNameIsA409AndTheNarinfoKeepsTheFirstName() throws Exception {
        f.createCache("team");
        Fixture.Nar foo = nar("foo");
        f.upload("team", foo);
        publish(foo.info());
        StorePath bar = new StorePath("/nix/store", foo.path().hash(), "bar");

        assertThatThrownBy(() -> publish(renamed(foo.info(), bar)))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.field()).isEqualTo("paths[0].storePath");
                    assertThat(e.reason()).contains("already published with different info").contains("StorePath");
                });
        byte[] narInfo = f.objects.object("team/" + foo.path().hash() + ".narinfo").orElseThrow().body();
        assertThat(NarInfo.parse(narInfo, "/nix/store").storePath()).isEqualTo(foo.path());
        assertThat(f.paths.record(TEAM, foo.path().hash()).orElseThrow().info().storePath()).isEqualTo(foo.path());
    }

    @Test
    void twoNamesForOneHashInABatchAreA400BeforeAnythingIsWritten() {
        f.createCache("team");
        Fixture.Nar foo = nar("foo");
        f.upload("team", foo);
        StorePath bar = new StorePath("/nix/store", foo.path().hash(), "bar");

        assertThatThrownBy(() -> publish(foo.info(), renamed(foo.info(), bar)))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.field()).isEqualTo("paths[1].storePath");
                });
        assertThat(f.paths.writes()).isEmpty();
    }
}
