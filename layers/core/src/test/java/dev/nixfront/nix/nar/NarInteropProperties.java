package dev.nixfront.nix.nar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Random trees: our NAR is byte for byte what the real {@code nix-store --dump} writes. */
class NarInteropProperties {
    @BeforeContainer
    static void nixIsInstalled() {
        Tools.requireNix();
    }

    @Property(tries = 60)
    void ourNarOfARandomTreeIsWhatNixDumps(@ForAll("trees") Tree tree) throws Exception {
        Path dir = Files.createTempDirectory("nar-interop");
        try {
            Path root = dir.resolve("root");
            tree.write(root);
            Path nixes = dir.resolve("nix.nar");
            Tools.run(List.of("nix-store", "--dump", root.toString()), null, nixes);

            ByteArrayOutputStream ours = new ByteArrayOutputStream();
            NarWriter.dump(root, ours);

            assertThat(ours.toByteArray()).isEqualTo(Files.readAllBytes(nixes));
        } finally {
            Tree.delete(dir);
        }
    }

    @Provide
    Arbitrary<Tree> trees() {
        return Trees.trees(3);
    }
}
