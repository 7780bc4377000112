package dev.nixfront.cli.command;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.CacheUsage;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.IndexMigrationRequest;
import dev.nixfront.api.IndexMigrationResponse;
import dev.nixfront.api.Json;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.api.Upstream;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.push.Sizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(name = "cache", mixinStandardHelpOptions = true, description = "Create, list, inspect, update and delete caches.",
        subcommands = {CacheCommand.Create.class, CacheCommand.ListCaches.class, CacheCommand.Info.class, CacheCommand.Update.class,
            CacheCommand.Delete.class, CacheCommand.MigrateIndex.class})
public final class CacheCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a cache with its own Ed25519 signing key (generated, or imported from a Nix secret key file).")
    static final class Create extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Lower-case letters, digits and '-', like a DNS label.")
        String name;

        @Option(names = "--private", description = "Substituting needs a token with read permission.")
        boolean privateCache;

        @Option(names = "--priority", paramLabel = "N", description = "nix-cache-info Priority (lower wins; default: the server's, 41).")
        Integer priority;

        @Option(names = "--signing-key-file", paramLabel = "FILE",
                description = "Import this Nix secret key (as written by nix-store --generate-binary-cache-key) instead of generating one.")
        Path signingKeyFile;

        @Mixin
        UpstreamOptions upstreams;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            String key = signingKeyFile == null ? null : Files.readString(signingKeyFile, StandardCharsets.UTF_8).strip();
            CacheInfo info = client().createCache(new CreateCacheRequest(name, privateCache ? Boolean.TRUE : null, priority, key,
                    upstreams.requested(spec)));
            out().println("created cache " + info.name());
            describe(info);
            return 0;
        }

        private void describe(CacheInfo info) {
            out().println("  substituter: " + info.substituter());
            out().println("  public key:  " + info.publicKey());
            printUpstreams(out(), info, "  upstream:    ");
        }
    }

    /** The upstreams of {@code info}, one line each, or a line saying there are none. */
    static void printUpstreams(PrintWriter out, CacheInfo info, String label) {
        List<Upstream> list = info.upstreams() == null ? List.of() : info.upstreams();
        if (list.isEmpty()) {
            out.println(label + "none");
        }
        list.forEach(u -> out.println(label + u.url() + " " + u.publicKey()));
    }

    /**
     * {@code --upstream URL --upstream-key KEY}, repeatable and paired in order, and
     * {@code --no-default-upstream}: the list a cache gets is cache.nixos.org (unless left out)
     * followed by the ones given.
     */
    static final class UpstreamOptions {
        @Option(names = "--upstream", paramLabel = "URL",
                description = "An upstream cache, after cache.nixos.org (repeat for more, in order): what it serves, signed by its "
                        + "--upstream-key, is not pushed and counts as present for the closure check.")
        List<String> urls = new ArrayList<>();

        @Option(names = "--upstream-key", paramLabel = "KEY",
                description = "The public key (name:base64) of the --upstream in the same position.")
        List<String> keys = new ArrayList<>();

        @Option(names = "--no-default-upstream", description = "Leave cache.nixos.org out of the upstreams.")
        boolean noDefault;

        /** The list to send, or null when no option was given (create: the server's default; update: unchanged). */
        List<Upstream> requested(CommandSpec spec) {
            if (urls.size() != keys.size()) {
                throw new ParameterException(spec.commandLine(), "give one --upstream-key for each --upstream, in the same order"
                        + " (got " + urls.size() + " URLs and " + keys.size() + " keys)");
            }
            if (urls.isEmpty() && !noDefault) {
                return null;
            }
            List<Upstream> list = new ArrayList<>(noDefault ? List.of() : Upstream.DEFAULT);
            for (int i = 0; i < urls.size(); i++) {
                list.add(new Upstream(urls.get(i), keys.get(i)));
            }
            return list;
        }

        boolean given() {
            return noDefault || !urls.isEmpty() || !keys.isEmpty();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the caches this token can see.")
    static final class ListCaches extends ClientCommand {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            var list = client().listCaches();
            if (json) {
                out().println(Json.write(list));
                return 0;
            }
            List<CacheInfo> caches = list.caches();
            if (caches.isEmpty()) {
                out().println("no caches yet: nixfront cache create NAME");
                return 0;
            }
            int width = Math.max(4, caches.stream().mapToInt(c -> c.name().length()).max().orElse(4));
            out().printf("%-" + width + "s  %8s  %-7s  %s%n", "NAME", "PRIORITY", "PRIVATE", "SUBSTITUTER");
            for (CacheInfo cache : caches) {
                out().printf("%-" + width + "s  %8d  %-7s  %s%n", cache.name(), cache.priority(), cache.privateCache() ? "yes" : "no", cache.substituter());
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Show a cache: its substituter URL and public key, and what it holds (published paths, NAR bytes, last push).")
    static final class Info extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--json", description = "Print JSON (with publicKey and substituter).")
        boolean json;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            CacheInfo info = client().cacheInfo(name);
            if (json) {
                out().println(Json.write(info));
                return 0;
            }
            out().println("name:        " + info.name());
            out().println("substituter: " + info.substituter());
            out().println("public key:  " + info.publicKey());
            out().println("priority:    " + info.priority());
            out().println("private:     " + (info.privateCache() ? "yes" : "no"));
            printUpstreams(out(), info, "upstream:    ");
            if (info.createdAt() != null) {
                out().println("created:     " + info.createdAt());
            }
            CacheUsage usage = info.usage();
            if (usage != null) {
                // Absent from servers older than the usage counters.
                out().println("paths:       " + usage.paths());
                out().println("NAR files:   " + Sizes.bytes(usage.narBytes()) + " (" + usage.narBytes() + " bytes)");
                out().println("last push:   " + (usage.lastPush() == null ? "never" : usage.lastPush().toString()));
            }
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = {"Make a cache private or public, change its priority, or what garbage collection keeps. Reads of a "
                    + "private cache need a token with read permission (Nix sends it from a netrc file: login anything, "
                    + "password the token).",
                    "Garbage collection (nixfront gc) keeps the closures of pins and of roots pushed within --retention, the "
                    + "newest first up to --max-size, and deletes a NAR --nar-grace after the last narinfo naming it went."})
    static final class Update extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "0..1")
        Visibility visibility;

        @Option(names = "--priority", paramLabel = "N", description = "nix-cache-info Priority (lower wins), 0 to 10000.")
        Integer priority;

        @Option(names = "--retention", paramLabel = "DURATION",
                description = "How long a pushed root keeps its closure, like 30d or 12h; forever (the default) collects nothing by age.")
        String retention;

        @Option(names = "--max-size", paramLabel = "BYTES", description = "The most NAR bytes to keep (the oldest roots' closures go first); 0 for no limit.")
        Long maxSize;

        @Option(names = "--nar-grace", paramLabel = "DURATION",
                description = "How long a NAR outlives the last narinfo naming it (default 30d: Nix may hold a narinfo that long).")
        String narGrace;

        @Mixin
        UpstreamOptions upstreams;

        /** One of the two, or neither. */
        static final class Visibility {
            @Option(names = "--private", required = true, description = "Reads need a token with read permission.")
            boolean privateCache;

            @Option(names = "--public", required = true, description = "Anyone can read it.")
            boolean publicCache;
        }

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            if (visibility == null && priority == null && retention == null && maxSize == null && narGrace == null && !upstreams.given()) {
                throw new ParameterException(spec.commandLine(), "nothing to change: give --private, --public, --priority, "
                        + "--retention, --max-size, --nar-grace, --upstream or --no-default-upstream");
            }
            Boolean privateCache = visibility == null ? null : visibility.privateCache;
            CacheInfo info = client().updateCache(name, new UpdateCacheRequest(privateCache, priority, retention, maxSize, narGrace,
                    upstreams.requested(spec)));
            out().println("updated cache " + info.name());
            out().println("  private:  " + (info.privateCache() ? "yes" : "no"));
            out().println("  priority: " + info.priority());
            out().println("  retention: " + info.retention() + (info.maxSize() == null ? "" : ", at most " + info.maxSize() + " bytes")
                    + "; NAR grace " + info.narGrace());
            printUpstreams(out(), info, "  upstream: ");
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a cache: its key, its index and its objects. Nix stops finding its paths.")
    static final class Delete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            client().deleteCache(name);
            out().println("deleted cache " + name);
            return 0;
        }
    }

    @Command(name = "migrate-index", mixinStandardHelpOptions = true,
            description = {"Move every cache's path listing into the sharded index, once after upgrading a deployment "
                    + "made before it (docs/deploy.md, 'Upgrades'). Safe to run again or to interrupt; needs an admin token of all caches."})
    static final class MigrateIndex extends ClientCommand {
        @Override
        int run() throws IOException, InterruptedException, ApiException {
            String from = null;
            long moved = 0;
            int caches = 0;
            do {
                IndexMigrationResponse step = client().migrateIndex(new IndexMigrationRequest(from));
                moved += step.moved();
                caches += step.finished().size();
                for (String done : step.finished()) {
                    out().println("migrated " + done);
                }
                from = step.next();
                if (from != null) {
                    out().println("migrating " + from + " (" + moved + " paths so far) ...");
                }
            } while (from != null);
            out().println("done: " + caches + " caches, " + moved + " paths moved");
            return 0;
        }
    }
}
