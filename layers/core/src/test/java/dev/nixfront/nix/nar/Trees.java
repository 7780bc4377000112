package dev.nixfront.nix.nar;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Random file-system trees with odd but legal names, for properties. */
final class Trees {
    /** Pieces that make names odd but legal: spaces, a leading '-', dots, and characters whose UTF-8 and UTF-16 orders differ. */
    private static final String[] NAME_PIECES = {
        "a", "B", "z", "0", "9", "-", " ", ".", "_", "é", "日本", "～", "😀", "Ω", "#", "'", "\\", "\t", "\n", "e\u0301"
    };

    private Trees() {}

    static Arbitrary<Tree> trees(int depth) {
        Arbitrary<Tree> leaf = Arbitraries.oneOf(files(), links());
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Tree> dir = Arbitraries.maps(names(), Arbitraries.lazy(() -> trees(depth - 1)))
                .ofMaxSize(5)
                .map(Tree.Dir::new);
        return Arbitraries.frequencyOf(Tuple.of(2, leaf), Tuple.of(3, dir));
    }

    static Arbitrary<Tree> files() {
        Arbitrary<byte[]> contents = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1000).ofMaxSize(20_000));
        return Combinators.combine(contents, Arbitraries.of(true, false)).as(Tree.File::new);
    }

    static Arbitrary<Tree> links() {
        Arbitrary<String> relative = names().list().ofMinSize(1).ofMaxSize(4).map(parts -> String.join("/", parts));
        return Arbitraries.oneOf(
                relative,
                relative.map(r -> "/" + r),
                relative.map(r -> "../" + r),
                Arbitraries.of("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-dangling", ".", "..", "/"))
                .map(Tree.Link::new);
    }

    static Arbitrary<String> names() {
        return Arbitraries.of(NAME_PIECES).list().ofMinSize(1).ofMaxSize(6)
                .map(parts -> String.join("", parts))
                .filter(n -> !n.equals(".") && !n.equals(".."))
                .filter(n -> n.getBytes(StandardCharsets.UTF_8).length <= 255);
    }
}
