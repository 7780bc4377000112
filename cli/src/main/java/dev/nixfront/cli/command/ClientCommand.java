package dev.nixfront.cli.command;

import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.HttpClients;
import dev.nixfront.cli.client.NixfrontClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to the API. Failures end the command with exit code 1 and one line on
 * stderr saying why (the server's reason for a refusal), never a stack trace.
 */
abstract class ClientCommand implements Callable<Integer> {
    @Mixin
    ServerOptions serverOptions;

    @Spec
    CommandSpec spec;

    private final HttpClients http = new HttpClients();

    /** The command's work; exceptions become the one-line reason. */
    abstract int run() throws IOException, InterruptedException, ApiException;

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (ApiException | IOException | IllegalArgumentException e) {
            err().println("nixfront: " + oneLine(e.getMessage()));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err().println("nixfront: interrupted");
            return 130;
        } finally {
            http.close();
        }
    }

    HttpClients http() {
        return http;
    }

    NixfrontClient client() throws IOException {
        var config = serverOptions.config();
        return new NixfrontClient(config, http.forUri(config.server()));
    }

    /** A client that sends no bearer token. */
    NixfrontClient anonymousClient() throws IOException {
        var config = serverOptions.serverOnly();
        return new NixfrontClient(config, http.forUri(config.server()));
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    static String oneLine(String message) {
        return message == null ? "failed" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
