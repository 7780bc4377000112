package dev.nixfront.nix.nar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A file-system tree as a value: written to disk for the writer, serialised by hand as the oracle. */
sealed interface Tree {
    record File(byte[] contents, boolean executable) implements Tree {
        @Override
        public String toString() {
            return (executable ? "exec(" : "file(") + contents.length + ")";
        }
    }

    record Link(String target) implements Tree {}

    /** Entries keyed by name; iteration order does not matter, {@link #nar} sorts by bytes. */
    record Dir(Map<String, Tree> entries) implements Tree {}

    Comparator<String> BY_BYTES = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    /** Creates this tree at {@code path}, which must not exist yet. */
    default void write(Path path) throws IOException {
        switch (this) {
            case File f -> {
                Files.write(path, f.contents());
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(f.executable() ? "r-xr-xr-x" : "r--r--r--"));
            }
            case Link l -> Files.createSymbolicLink(path, Path.of(l.target()));
            case Dir d -> {
                Files.createDirectory(path);
                for (Map.Entry<String, Tree> e : d.entries().entrySet()) {
                    e.getValue().write(path.resolve(e.getKey()));
                }
            }
        }
    }

    /** The NAR of this tree, built straight from the format's grammar. */
    default byte[] nar() {
        NarBytes out = NarBytes.magic();
        serialise(out);
        return out.bytes();
    }

    private void serialise(NarBytes out) {
        out.str("(", "type");
        switch (this) {
            case File f -> {
                out.str("regular");
                if (f.executable()) {
                    out.str("executable", "");
                }
                out.str("contents").str(f.contents());
            }
            case Link l -> out.str("symlink", "target", l.target());
            case Dir d -> {
                out.str("directory");
                TreeMap<String, Tree> sorted = new TreeMap<>(BY_BYTES);
                sorted.putAll(d.entries());
                sorted.forEach((name, node) -> {
                    out.str("entry", "(", "name", name, "node");
                    node.serialise(out);
                    out.str(")");
                });
            }
        }
        out.str(")");
    }

    /** Makes everything writable again so a temp dir can be deleted, then deletes it. */
    static void delete(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!Files.isSymbolicLink(p)) {
                    p.toFile().setWritable(true, true);
                }
                Files.delete(p);
            }
        }
    }
}
