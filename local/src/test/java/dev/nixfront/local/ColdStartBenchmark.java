package dev.nixfront.local;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.Json;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cli.client.ClientConfig;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.Nix32;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.nar.NarWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The cold-start benchmark (issue 15): for each function of the synthesized stack, stood up on the
 * AWS-mode stand-ins ({@link AwsModeDeployment}: s3proxy, dynalite, moto_server), starts fresh JVMs
 * with the function's deployment classpath and its template environment, and times, through
 * {@link ColdStartProbe}, the handler's construction (JVM start included) and its first answer to one
 * representative event:
 * <ul>
 *   <li>{@code cold}: construction, then the event (a Lambda cold start without SnapStart);</li>
 *   <li>{@code primed}: construction, the SnapStart priming, then the event: the first answer of an
 *       environment restored from a primed snapshot (the restore itself is not played);</li>
 *   <li>{@code aot}: as {@code cold}, on a JDK 25 AOT cache made by one training run of the same
 *       function ({@code -XX:AOTCacheOutput}, then {@code -XX:AOTCache}).</li>
 * </ul>
 * Each run's machine load (the 1, 5 and 15 minute load averages) is taken before it starts. Prints
 * a Markdown table of medians. A main, not a test: {@code bench/cold-starts.sh} runs it.
 *
 * <p>Arguments: {@code [--runs N] [--modes cold,primed,aot] [--java PATH] [--functions query,upload,...]}.
 */
public final class ColdStartBenchmark {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Map<String, String> FUNCTIONS = new LinkedHashMap<>();

    static {
        FUNCTIONS.put("query", "QueryHandler");
        FUNCTIONS.put("upload", "UploadHandler");
        FUNCTIONS.put("publish", "PublishHandler");
        FUNCTIONS.put("verify", "VerifyHandler");
        FUNCTIONS.put("admin", "AdminHandler");
        FUNCTIONS.put("collect", "CollectHandler");
    }

    private ColdStartBenchmark() {
    }

    record Run(String function, String mode, double jvm, double constructed, double prime, double answer, String status, String load) {
    }

    public static void main(String[] args) throws Exception {
        int runs = 5;
        List<String> modes = List.of("cold", "primed", "aot");
        List<String> functions = new ArrayList<>(FUNCTIONS.keySet());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--modes" -> modes = List.of(args[++i].split(","));
                case "--functions" -> functions = List.of(args[++i].split(","));
                case "--java" -> java = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path work = Files.createTempDirectory("nixfront-cold-starts-");
        try {
            run(work, runs, modes, functions, java);
        } finally {
            LocalStackExtension.deleteTree(work);
        }
        // The stand-ins leave non-daemon threads behind.
        System.exit(0);
    }

    private static void run(Path work, int runs, List<String> modes, List<String> functions, String java) throws Exception {
        Path root = AwsModeDeployment.repositoryRoot();
        String probe = probeClasses(work.resolve("probe"));
        List<Path> layer = unzip(root.resolve("layers/lambda-layer/target/nixfront-layer.zip"), work.resolve("layer"));
        List<Path> edgeLayer = unzip(root.resolve("layers/lambda-layer/target/nixfront-edge-layer.zip"), work.resolve("edge-layer"));
        Path functionsJar = root.resolve("functions/target/nixfront-functions.jar");

        // Inline verification up to 64 KiB, as in the AWS-mode tests: the verify function's paths are bigger.
        try (AwsModeDeployment aws = AwsModeDeployment.start(work.resolve("stack"), 64 << 10)) {
            String token = aws.adminSecretValue();
            NixfrontClient admin = new NixfrontClient(new ClientConfig(aws.apiUrl(), token), PresignedHttp.HTTP);
            String cache = "cold-" + Closures.seed().substring(0, 8);
            admin.createCache(new CreateCacheRequest(cache, null, null, null));
            int perFunction = runs * modes.size() + (modes.contains("aot") ? 1 : 0);

            Map<String, List<List<String>>> events = new TreeMap<>();
            List<PathInfo> published = new ArrayList<>();
            List<List<String>> publishEvents = new ArrayList<>();
            for (int i = 0; i < perFunction; i++) {
                PathInfo path = upload(admin, cache, work, 4 << 10);
                publishEvents.add(api(ApiRoute.PUBLISH, token, Json.write(new PublishRequest(List.of(path))), "cache", cache));
                published.add(path);
            }
            events.put("publish", publishEvents);
            List<List<String>> verifyEvents = new ArrayList<>();
            // The verify jobs' paths stay verifying until the probes have verified them: hold Lambda's queue.
            AutoCloseable held = aws.holdAsync();
            try {
                int before = aws.asyncInvocations().size();
                for (int i = 0; i < perFunction; i++) {
                    admin.publish(cache, new PublishRequest(List.of(upload(admin, cache, work, 128 << 10))));
                }
                for (LambdaInvokeRecorder.Invocation invocation : aws.asyncInvocations().subList(before, aws.asyncInvocations().size())) {
                    Map<String, Object> job = Json.mapper().readValue(invocation.payload(), new TypeReference<Map<String, Object>>() {});
                    List<String> event = new ArrayList<>(List.of("kind\tmap"));
                    event.add("string\tcache\t" + job.get("cache"));
                    event.add("string\tincarnation\t" + job.get("incarnation"));
                    event.add("list\tstoreHashes\t" + String.join(",", listOf(job.get("storeHashes"))));
                    verifyEvents.add(event);
                }
                events.put("verify", verifyEvents);
                events.put("query", Collections.nCopies(perFunction, api(ApiRoute.MISSING, token, Json.write(new MissingRequest(
                        published.stream().map(p -> Path.of(p.storePath()).getFileName().toString().substring(0, 32)).toList())),
                        "cache", cache)));
                events.put("upload", Collections.nCopies(perFunction, api(ApiRoute.UPLOADS, token, Json.write(new UploadRequest(List.of(
                        new NarUpload(Hash.sha256(randomBytes(64)).toString(), 4096, "zstd")))), "cache", cache)));
                List<List<String>> adminEvents = new ArrayList<>();
                for (int i = 0; i < perFunction; i++) {
                    adminEvents.add(api(ApiRoute.CREATE_CACHE, token, Json.write(new CreateCacheRequest(cache + "-" + i, null, null, null))));
                }
                events.put("admin", adminEvents);
                events.put("collect", Collections.nCopies(perFunction, List.of("kind\tmap", "string\tschedule\tdaily")));

                List<Run> results = new ArrayList<>();
                Map<String, Integer> used = new TreeMap<>();
                Map<String, String> byHandler = aws.functionsByHandler();
                for (String function : functions) {
                    String handler = FUNCTIONS.get(function);
                    String id = byHandler.get(handler);
                    List<Path> classpath = new ArrayList<>(List.of(functionsJar));
                    classpath.addAll(layer);
                    if (function.equals("admin")) {
                        classpath.addAll(edgeLayer);
                    }
                    String cp = classpath.stream().map(Path::toString).collect(Collectors.joining(":")) + ":" + probe;
                    Map<String, String> environment = aws.environment(id);
                    environment.put("AWS_ACCESS_KEY_ID", System.getProperty("aws.accessKeyId"));
                    environment.put("AWS_SECRET_ACCESS_KEY", System.getProperty("aws.secretAccessKey"));
                    environment.put("AWS_EC2_METADATA_DISABLED", "true");
                    Path aot = work.resolve(function + ".aot");
                    if (modes.contains("aot")) {
                        List<String> event = events.get(function).get(used.merge(function, 1, Integer::sum) - 1);
                        probe(java, List.of("-XX:AOTCacheOutput=" + aot), cp, environment, handler, aws.aliasArn(id), event, "cold",
                                work, function, "training");
                    }
                    for (int r = 0; r < runs; r++) {
                        for (String mode : modes) {
                            List<String> event = events.get(function).get(used.merge(function, 1, Integer::sum) - 1);
                            List<String> flags = mode.equals("aot") ? List.of("-XX:AOTCache=" + aot) : List.of();
                            Run result = probe(java, flags, cp, environment, handler, aws.aliasArn(id), event,
                                    mode.equals("primed") ? "primed" : "cold", work, function, mode);
                            results.add(result);
                            System.err.println(result);
                        }
                    }
                }
                report(results, functions, modes, runs);
            } finally {
                held.close();
            }
            aws.drainAsync();
        }
    }

    private static Run probe(String java, List<String> flags, String classpath, Map<String, String> environment, String handler,
                             String arn, List<String> event, String mode, Path work, String function, String label) throws Exception {
        Path eventFile = work.resolve("event-" + function + "-" + System.nanoTime() + ".txt");
        Files.write(eventFile, event, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC"));
        command.addAll(flags);
        command.addAll(List.of("-Dnixfront.probe.arn=" + arn, "-cp", classpath, ColdStartProbe.class.getName(),
                "dev.nixfront.functions." + handler, eventFile.toString(), mode));
        String load = Files.readString(Path.of("/proc/loadavg")).strip().split(" ", 4)[0] + " "
                + Files.readString(Path.of("/proc/loadavg")).strip().split(" ", 4)[1] + " "
                + Files.readString(Path.of("/proc/loadavg")).strip().split(" ", 4)[2];
        Path output = work.resolve("out-" + function + "-" + System.nanoTime() + ".txt");
        ProcessBuilder builder = new ProcessBuilder().redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().keySet().retainAll(List.of("PATH", "HOME", "LANG", "TMPDIR"));
        builder.environment().putAll(environment);
        Instant now = Instant.now();
        command.add(String.valueOf(now.getEpochSecond() * 1_000_000 + now.getNano() / 1000));
        Process process = builder.command(command).start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(function + " " + label + " did not finish in 5 minutes");
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        String line = text.lines().filter(l -> l.startsWith("cold-start ")).findFirst()
                .orElseThrow(() -> new IllegalStateException(function + " " + label + " printed no result:\n" + text));
        Map<String, String> fields = new TreeMap<>();
        for (String field : line.substring("cold-start ".length()).split(" ")) {
            fields.put(field.substring(0, field.indexOf('=')), field.substring(field.indexOf('=') + 1));
        }
        if (text.contains("\"failed (")) {
            // A priming step that failed makes the primed numbers those of a partial priming.
            System.err.println("WARNING: " + function + " " + label + ": a priming step failed:\n" + text);
        }
        String status = fields.get("status");
        if (!List.of("200", "201", "done").contains(status)) {
            throw new IllegalStateException(function + " " + label + " answered " + status + ":\n" + text);
        }
        return new Run(function, label, number(fields.get("jvm")), number(fields.get("constructed")), number(fields.get("prime")),
                number(fields.get("answer")), status, load);
    }

    private static double number(String text) {
        return Double.parseDouble(text);
    }

    private static void report(List<Run> results, List<String> functions, List<String> modes, int runs) {
        System.out.println();
        System.out.printf(Locale.ROOT, "Medians of %d fresh JVMs per function and mode, in ms (JVM = from spawn to the JVM's own start time).%n%n", runs);
        System.out.println("| function | mode | JVM start | constructed (spawn → handler built) | priming | first answer | constructed + first answer | load (1/5/15 min) before the runs |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---|");
        for (String function : functions) {
            for (String mode : modes) {
                List<Run> these = results.stream().filter(r -> r.function().equals(function) && r.mode().equals(mode)).toList();
                if (these.isEmpty()) {
                    continue;
                }
                double constructed = median(these.stream().map(Run::constructed).toList());
                double answer = median(these.stream().map(Run::answer).toList());
                double total = median(these.stream().map(r -> r.constructed() + r.answer()).toList());
                String loads = these.stream().map(Run::load).map(l -> l.split(" ")[0]).sorted().distinct().collect(Collectors.joining(", "));
                System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %.0f | %s | %.0f | **%.0f** | %s |%n", function, mode,
                        median(these.stream().map(Run::jvm).toList()), constructed,
                        mode.equals("primed") ? String.format(Locale.ROOT, "%.0f", median(these.stream().map(Run::prime).toList())) : "",
                        answer, total, loads);
            }
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** An API Gateway event of {@code route}, in {@link ColdStartProbe}'s text form. */
    private static List<String> api(ApiRoute route, String token, String body, String... parameters) {
        List<String> event = new ArrayList<>(List.of("kind\tapi", "routeKey\t" + route.routeKey(), "method\t" + route.method()));
        List<String> values = new ArrayList<>();
        for (int i = 0; i < parameters.length; i += 2) {
            event.add("param\t" + parameters[i] + "\t" + parameters[i + 1]);
            values.add(parameters[i + 1]);
        }
        event.add("rawPath\t" + route.path(values.toArray(String[]::new)));
        event.add("header\tauthorization\tBearer " + token);
        event.add("header\tcontent-type\tapplication/json");
        if (body != null) {
            event.add("body\t" + body);
        }
        return event;
    }

    /** A new path of one file of random bytes, packed as zstd and uploaded to staging through the API, as a push does. */
    private static PathInfo upload(NixfrontClient client, String cache, Path work, int size) throws Exception {
        String storePath = "/nix/store/" + Nix32.encode(randomBytes(20)) + "-cold-start";
        Path file = work.resolve("nar-" + System.nanoTime());
        Files.write(file, randomBytes(size));
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        NarSummary nar;
        try (OutputStream out = CompressionStreams.compress(Compression.ZSTD, packed, CompressionStreams.DEFAULT_LEVEL)) {
            nar = NarWriter.dumpAndHash(file, out);
        }
        Files.delete(file);
        byte[] bytes = packed.toByteArray();
        Hash fileHash = Hash.sha256(bytes);
        UploadTarget target = client.uploads(cache, new UploadRequest(List.of(new NarUpload(fileHash.toString(), bytes.length, "zstd"))))
                .uploads().getFirst();
        int status = PresignedHttp.put(target.put().url(), target.put().headers(), Map.of(), bytes).statusCode();
        if (status != 200) {
            throw new IllegalStateException("the presigned upload answered " + status);
        }
        return new PathInfo(storePath, nar.narHash().toString(), nar.narSize(), fileHash.toString(), bytes.length, "zstd", List.of(), null, null);
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @SuppressWarnings("unchecked")
    private static List<String> listOf(Object value) {
        return (List<String>) value;
    }

    /** The probe's classes alone, so the child's classpath is the deployment's plus only these. */
    private static String probeClasses(Path target) throws Exception {
        Path classes = Path.of(ColdStartProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path dir = target.resolve("dev/nixfront/local");
        Files.createDirectories(dir);
        try (var files = Files.list(classes.resolve("dev/nixfront/local"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("ColdStartProbe")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return target.toString();
    }

    private static List<Path> unzip(Path zip, Path target) throws IOException {
        List<Path> jars = new ArrayList<>();
        try (InputStream in = Files.newInputStream(zip); ZipInputStream entries = new ZipInputStream(in)) {
            for (ZipEntry entry = entries.getNextEntry(); entry != null; entry = entries.getNextEntry()) {
                if (entry.isDirectory() || !entry.getName().endsWith(".jar")) {
                    continue;
                }
                Path out = target.resolve(Path.of(entry.getName()).getFileName().toString());
                Files.createDirectories(target);
                Files.copy(entries, out, StandardCopyOption.REPLACE_EXISTING);
                jars.add(out);
            }
        }
        Collections.sort(jars);
        return jars;
    }
}
