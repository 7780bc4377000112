package dev.nixfront.cli.push;

import dev.nixfront.api.LogResult;
import dev.nixfront.api.LogUploadResponse;
import dev.nixfront.api.LogUploadTarget;
import dev.nixfront.api.LogsRequest;
import dev.nixfront.api.LogsResponse;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.StorePath;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pushes the build logs of the paths a push published, after their narinfos (the server stores a
 * log only for a published path, under its Deriver): per batch of up to {@value LogsRequest#MAX}
 * logs, one request for upload URLs (logs the cache has are skipped), the PUTs, and one request
 * that has the server verify and store them. An empty log is not sent. Logs are a convenience beside
 * the paths, so a failure here is a warning and the push still succeeds.
 */
final class LogPusher {
    private final NixfrontClient client;
    private final Transfer transfer;
    private final LocalLogs logs;
    private final PrintWriter warnings;

    LogPusher(NixfrontClient client, Transfer transfer, LocalLogs logs, PrintWriter warnings) {
        this.client = client;
        this.transfer = transfer;
        this.logs = logs;
        this.warnings = warnings;
    }

    /** Pushes the logs Nix kept for the derivers of {@code pushed}; returns how many the cache stored now. */
    int push(String cache, List<LocalPath> pushed, Path directory) throws InterruptedException {
        Map<StorePath, LocalPath> byDeriver = new LinkedHashMap<>();
        for (LocalPath p : pushed) {
            if (p.deriver() != null) {
                byDeriver.putIfAbsent(p.deriver(), p);
            }
        }
        int stored = 0;
        List<PackedLog> batch = new ArrayList<>();
        long bytes = 0;
        try {
            for (Map.Entry<StorePath, LocalPath> e : byDeriver.entrySet()) {
                Optional<Path> file = logs.find(e.getKey());
                if (file.isEmpty()) {
                    continue;
                }
                Optional<PackedLog> packed = logs.pack(e.getValue().path(), e.getKey(), file.get(),
                        directory.resolve("log-" + e.getKey().hash() + ".zst"));
                if (packed.isEmpty()) {
                    warn("the build log of " + e.getKey() + " is over " + LogsRequest.MAX_BYTES + " bytes; it is not pushed");
                    continue;
                }
                if (packed.get().size() == 0) {
                    // The build printed nothing: nix log has nothing to show either way, and a push of many
                    // quiet builds should not pay a request per silence.
                    Files.deleteIfExists(packed.get().file());
                    continue;
                }
                if (batch.size() == LogsRequest.MAX || bytes + packed.get().size() > LogsRequest.MAX_BYTES) {
                    stored += send(cache, batch);
                    bytes = 0;
                }
                batch.add(packed.get());
                bytes += packed.get().size();
            }
            stored += send(cache, batch);
        } catch (ApiException e) {
            if ((e.status() == 404 && e.error().field() == null) || e.status() == 405) {
                warn("the server does not take build logs (it is older than them); none were pushed");
            } else {
                warn("build logs not pushed: " + e.getMessage());
            }
        } catch (IOException e) {
            warn("build logs not pushed: " + e.getMessage());
        }
        return stored;
    }

    /** Uploads and publishes {@code batch}, then empties it; returns how many logs the cache stored now. */
    private int send(String cache, List<PackedLog> batch) throws IOException, InterruptedException, ApiException {
        if (batch.isEmpty()) {
            return 0;
        }
        try {
            LogUploadResponse answer = client.logUploads(cache, new LogsRequest(batch.stream().map(PackedLog::wire).toList()));
            if (answer.logs().size() != batch.size()) {
                throw new IOException("the server answered " + answer.logs().size() + " log targets for " + batch.size() + " logs");
            }
            List<PackedLog> uploaded = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                LogUploadTarget target = answer.logs().get(i);
                PackedLog log = batch.get(i);
                if (!target.present()) {
                    transfer.put(URI.create(target.put().url()), target.put().headers(), log.file(), 0, log.fileSize());
                    uploaded.add(log);
                }
            }
            if (uploaded.isEmpty()) {
                return 0;
            }
            LogsResponse stored = client.publishLogs(cache, new LogsRequest(uploaded.stream().map(PackedLog::wire).toList()));
            return (int) stored.logs().stream().filter(r -> LogResult.WRITTEN.equals(r.outcome())).count();
        } finally {
            for (PackedLog log : batch) {
                Files.deleteIfExists(log.file());
            }
            batch.clear();
        }
    }

    private void warn(String text) {
        warnings.println("nixfront: warning: " + text);
        warnings.flush();
    }
}
