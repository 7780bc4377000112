package dev.nixfront.cli.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class NixStoreTest {
    // Verbatim shape of `nix path-info -r --json` from Nix 2.8 (SRI hashes, full reference paths).
    private static final String NIX_2_8 = """
            [{"path":"/nix/store/j1skbi8g1kn9pzdp9m8540v0h39lfkv1-b","narHash":"sha256-rGKinkEpiMx6hKt73cSoz41YrnAJplIuPx6B0p98PQ0=",\
            "narSize":560,"references":["/nix/store/vh7bla61rjgk302zgclspbsn8w40vf7q-a"],\
            "deriver":"/nix/store/y4kgnkbf21nb1g993kchkafm7vh03k6s-b.drv","registrationTime":1795626799,"ultimate":true},\
            {"path":"/nix/store/vh7bla61rjgk302zgclspbsn8w40vf7q-a","narHash":"sha256-nX14+JKm3sC0QEdEk1CfMlq/66h3Ej0dlhEQbQpZpPU=",\
            "narSize":136,"references":[],"deriver":"/nix/store/s2hmr1z0nsy5mf0449ygc407qnxh041q-a.drv","registrationTime":1795626799,"ultimate":true}]
            """;

    @Test
    void readsWhatNix28Prints() throws IOException {
        List<LocalPath> paths = NixStore.parse(new ObjectMapper().readTree(NIX_2_8));
        assertThat(paths).hasSize(2);
        LocalPath b = paths.getFirst();
        assertThat(b.path().toString()).isEqualTo("/nix/store/j1skbi8g1kn9pzdp9m8540v0h39lfkv1-b");
        assertThat(b.narHash().toSri()).isEqualTo("sha256-rGKinkEpiMx6hKt73cSoz41YrnAJplIuPx6B0p98PQ0=");
        assertThat(b.narSize()).isEqualTo(560);
        assertThat(b.references()).extracting(Object::toString).containsExactly("/nix/store/vh7bla61rjgk302zgclspbsn8w40vf7q-a");
        assertThat(b.deriverPath()).map(Object::toString).contains("/nix/store/y4kgnkbf21nb1g993kchkafm7vh03k6s-b.drv");
        assertThat(b.contentAddress()).isEmpty();
    }

    @Test
    void anInvalidPathIsAnError() throws IOException {
        String json = "[{\"path\":\"/nix/store/j1skbi8g1kn9pzdp9m8540v0h39lfkv1-b\",\"valid\":false}]";
        assertThatThrownBy(() -> NixStore.parse(new ObjectMapper().readTree(json)))
                .isInstanceOf(IOException.class).hasMessageContaining("not a valid path");
    }

    // The shape since Nix 2.19: an object keyed by path (NixOS/nix commit "Make nix path-info --json
    // return an object not array"); newer versions write basenames and may spell a hash as an object.
    private static final String NIX_2_19 = """
            {"/nix/store/j1skbi8g1kn9pzdp9m8540v0h39lfkv1-b":{"narHash":"sha256-rGKinkEpiMx6hKt73cSoz41YrnAJplIuPx6B0p98PQ0=",\
            "narSize":560,"references":["/nix/store/vh7bla61rjgk302zgclspbsn8w40vf7q-a"],\
            "deriver":"/nix/store/y4kgnkbf21nb1g993kchkafm7vh03k6s-b.drv","ca":null,"registrationTime":1795626799,"ultimate":true},\
            "/nix/store/vh7bla61rjgk302zgclspbsn8w40vf7q-a":{"narHash":{"algorithm":"sha256","hash":"nX14+JKm3sC0QEdEk1CfMlq/66h3Ej0dlhEQbQpZpPU="},\
            "narSize":136,"references":[],"deriver":"s2hmr1z0nsy5mf0449ygc407qnxh041q-a.drv"}}
            """;

    @Test
    void readsTheObjectShapeOfNewerNix() throws IOException {
        List<LocalPath> paths = NixStore.parse(new ObjectMapper().readTree(NIX_2_19));
        assertThat(paths).extracting(p -> p.path().toString()).containsExactly(
                "/nix/store/j1skbi8g1kn9pzdp9m8540v0h39lfkv1-b", "/nix/store/vh7bla61rjgk302zgclspbsn8w40vf7q-a");
        LocalPath b = paths.getFirst();
        assertThat(b.narHash().toSri()).isEqualTo("sha256-rGKinkEpiMx6hKt73cSoz41YrnAJplIuPx6B0p98PQ0=");
        assertThat(b.references()).extracting(Object::toString).containsExactly("/nix/store/vh7bla61rjgk302zgclspbsn8w40vf7q-a");
        assertThat(b.contentAddress()).isEmpty();
        LocalPath a = paths.get(1);
        assertThat(a.narHash().toSri()).isEqualTo("sha256-nX14+JKm3sC0QEdEk1CfMlq/66h3Ej0dlhEQbQpZpPU=");
        assertThat(a.deriverPath()).map(Object::toString).contains("/nix/store/s2hmr1z0nsy5mf0449ygc407qnxh041q-a.drv");
    }

    @Test
    void anInvalidPathInTheObjectShapeIsAnError() throws IOException {
        String json = "{\"/nix/store/j1skbi8g1kn9pzdp9m8540v0h39lfkv1-b\":null}";
        assertThatThrownBy(() -> NixStore.parse(new ObjectMapper().readTree(json)))
                .isInstanceOf(IOException.class).hasMessageContaining("j1skbi8g1kn9pzdp9m8540v0h39lfkv1-b is not a valid path");
    }
}
