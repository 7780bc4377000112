package dev.nixfront.local;

import static org.assertj.core.api.Assertions.fail;

import dev.nixfront.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** Runs the real {@code nixfront} command line in this JVM against a local stack, as a user would. */
final class Cli {
    private final LocalStack stack;
    private final String token;

    Cli(LocalStack stack, String token) {
        this.stack = stack;
        this.token = token;
    }

    static Cli admin(LocalStack stack) {
        return new Cli(stack, stack.adminToken());
    }

    record Result(int exit, String out, String err) {
        Result ok() {
            if (exit != 0) {
                fail("nixfront exited " + exit + ": " + err + out);
            }
            return this;
        }
    }

    /**
     * {@code nixfront <command...> --server URL --token T <arguments...>}, e.g.
     * {@code run(List.of("cache", "create"), "team")}.
     */
    Result run(List<String> command, String... arguments) {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of("--server", stack.apiUrl().toString(), "--token", token));
        args.addAll(List.of(arguments));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }
}
