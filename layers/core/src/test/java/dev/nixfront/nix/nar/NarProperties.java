package dev.nixfront.nix.nar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NixFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class NarProperties {
    @Property(tries = 150)
    void writerOutputIsTheGrammarsAndTheReaderAgrees(@ForAll("trees") Tree tree) throws Exception {
        Path dir = Files.createTempDirectory("nar-prop");
        try {
            Path root = dir.resolve("root");
            tree.write(root);
            ByteArrayOutputStream out = new ByteArrayOutputStream();

            NarSummary written = NarWriter.dumpAndHash(root, out);

            byte[] nar = out.toByteArray();
            assertThat(nar).isEqualTo(tree.nar());
            assertThat(written).isEqualTo(new NarSummary(Hash.sha256(nar), nar.length));
            assertThat(NarReader.verify(new ByteArrayInputStream(nar))).isEqualTo(written);
            assertThat(NarWriter.hash(root)).isEqualTo(written);
        } finally {
            Tree.delete(dir);
        }
    }

    @Property(tries = 2000)
    void randomBytesAreRefusedWithAFormatError(@ForAll @Size(max = 600) byte[] bytes, @ForAll boolean withMagic) {
        byte[] input = withMagic ? concat(NarBytes.magic().bytes(), bytes) : bytes;
        assertFailsCleanlyOrIsValid(input);
    }

    @Property(tries = 2000)
    void mutatedNarsAreRefusedWithAFormatErrorOrStillValid(
            @ForAll("trees") Tree tree, @ForAll @IntRange(max = 3) int mutation, @ForAll long seed) {
        Random random = new Random(seed);
        byte[] nar = tree.nar();
        int at = random.nextInt(nar.length + 1);
        byte[] mutated = switch (mutation) {
            case 0 -> flip(nar, Math.min(at, nar.length - 1), 1 + random.nextInt(255));
            case 1 -> Arrays.copyOf(nar, at);
            case 2 -> insert(nar, at, randomBytes(random, 1 + random.nextInt(16)));
            default -> lengthAt(nar, (at / 8) * 8 % nar.length, random.nextLong());
        };
        assertFailsCleanlyOrIsValid(mutated);
    }

    /** Only a NixFormatException, quickly; or, if the mutation kept it a NAR, the right summary. */
    private static void assertFailsCleanlyOrIsValid(byte[] input) {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                NarSummary summary = NarReader.verify(new ByteArrayInputStream(input));
                assertThat(summary).isEqualTo(new NarSummary(Hash.sha256(input), input.length));
            } catch (NixFormatException e) {
                assertThat(e.field()).startsWith("nar");
                assertThat(e.reason()).isNotBlank();
            } catch (EOFException e) {
                throw new AssertionError("truncation must be a NixFormatException", e);
            } catch (IOException e) {
                throw new AssertionError("a byte array cannot fail to read", e);
            }
        });
    }

    @Provide
    Arbitrary<Tree> trees() {
        return Trees.trees(3);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] flip(byte[] nar, int at, int mask) {
        byte[] out = nar.clone();
        out[at] ^= (byte) mask;
        return out;
    }

    private static byte[] insert(byte[] nar, int at, byte[] extra) {
        byte[] out = new byte[nar.length + extra.length];
        System.arraycopy(nar, 0, out, 0, at);
        System.arraycopy(extra, 0, out, at, extra.length);
        System.arraycopy(nar, at, out, at + extra.length, nar.length - at);
        return out;
    }

    /** Overwrites an aligned u64, where lengths live, with an arbitrary value. */
    private static byte[] lengthAt(byte[] nar, int at, long value) {
        byte[] out = nar.clone();
        for (int i = 0; i < 8 && at + i < out.length; i++) {
            out[at + i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
