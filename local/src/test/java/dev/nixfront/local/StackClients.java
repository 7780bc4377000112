package dev.nixfront.local;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cli.client.ClientConfig;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Compression;
import java.util.List;

/** What the tests that drive a local stack through its API, as a client would, share. */
final class StackClients {
    private StackClients() {
    }

    static NixfrontClient client(LocalStack stack, String token) {
        return new NixfrontClient(new ClientConfig(stack.apiUrl(), token), PresignedHttp.HTTP);
    }

    /** A cache no other test uses: {@code <prefix>-<8 random characters>}. */
    static String newCache(NixfrontClient admin, String prefix) throws Exception {
        String name = prefix + "-" + Closures.seed().substring(0, 8);
        admin.createCache(new CreateCacheRequest(name, null, null, null));
        return name;
    }

    /**
     * A fresh path with no references, {@code <name>-<seed>}: {@code echo <seed> > $out}, or random
     * bytes of the given size; packed as zstd.
     */
    static TestNar leaf(NixTool nix, String name, long randomBytes) throws Exception {
        String script = randomBytes > 0 ? "/usr/bin/head -c " + randomBytes + " /dev/urandom > $out" : "echo " + Closures.seed() + " > $out";
        String path = nix.build("derivation { name = \"" + name + "-" + Closures.seed() + "\"; system = builtins.currentSystem; "
                + "builder = \"/bin/sh\"; args = [ \"-c\" \"" + script + "\" ]; }").getFirst();
        return TestNar.pack(path, Compression.ZSTD, List.of());
    }

    /** The upload answer's target for one NAR. */
    static UploadTarget target(NixfrontClient client, String cache, TestNar nar) throws Exception {
        return client.uploads(cache, new UploadRequest(List.of(new NarUpload(nar.fileHash().toString(), nar.fileSize(),
                nar.compression().narInfoName())))).uploads().getFirst();
    }
}
