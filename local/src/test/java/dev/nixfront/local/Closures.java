package dev.nixfront.local;

import java.util.UUID;

/**
 * Nix expressions for test closures: input-addressed derivations built by {@code /bin/sh}, with a
 * fresh seed in every file so each test run makes store paths no cache has seen.
 */
final class Closures {
    private Closures() {}

    static String seed() {
        return UUID.randomUUID().toString().substring(0, 13);
    }

    /**
     * {@code base <- middle <- top}, plus {@code big} (random bytes, {@code bigBytes} long, so its
     * compressed NAR is about that size too) referenced by top; evaluates to top. Middle and top print
     * a line as they build, so they have build logs (the others' are empty, which push skips).
     */
    static String chain(String seed, long bigBytes) {
        return """
                let
                  mk = name: script: derivation {
                    inherit name; system = builtins.currentSystem; builder = "/bin/sh";
                    args = [ "-c" script ];
                  };
                  base = mk "base-%1$s" "echo base %1$s > $out";
                  big = mk "big-%1$s" "/usr/bin/mkdir $out; /usr/bin/head -c %2$d /dev/urandom > $out/blob; echo %1$s > $out/seed";
                  middle = mk "middle-%1$s" "echo m; /usr/bin/mkdir -p $out/bin; echo ${base} > $out/uses-base; /usr/bin/ln -s ${base} $out/base-link; printf '#!/bin/sh\\necho %1$s\\n' > $out/bin/hello; /usr/bin/chmod +x $out/bin/hello";
                  top = mk "top-%1$s" "echo top; /usr/bin/mkdir $out; echo ${middle} ${big} > $out/refs; echo $out > $out/self";
                in top
                """.formatted(seed, bigBytes);
    }

    /**
     * Two tops sharing a base of {@code shared} paths: {@code [ topA topB ]}. Pushing both at
     * once exercises concurrent publishes of the same paths.
     */
    static String overlapping(String seed, int shared) {
        StringBuilder expr = new StringBuilder("""
                let
                  mk = name: script: derivation {
                    inherit name; system = builtins.currentSystem; builder = "/bin/sh";
                    args = [ "-c" script ];
                  };
                  s0 = mk "shared-0-%1$s" "/usr/bin/head -c 200000 /dev/urandom > $out";
                """.formatted(seed));
        for (int i = 1; i < shared; i++) {
            expr.append("  s%d = mk \"shared-%d-%s\" \"/usr/bin/mkdir $out; echo ${s%d} > $out/ref; /usr/bin/head -c %d /dev/urandom > $out/data\";\n"
                    .formatted(i, i, seed, i - 1, 1000 * i));
        }
        expr.append("  topA = mk \"top-a-%1$s\" \"echo ${s%2$d} a > $out\";\n".formatted(seed, shared - 1));
        expr.append("  topB = mk \"top-b-%1$s\" \"echo ${s%2$d} ${s0} b > $out\";\n".formatted(seed, shared - 1));
        expr.append("in [ topA topB ]\n");
        return expr.toString();
    }
}
