package dev.nixfront.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the {@code nixfront} command. Every failure ends as one line on stderr,
 * {@code nixfront: <why>}, with exit code 2 for a mistake on the command line and 1 for a
 * command that could not do its work.
 */
public final class Main {
    /** Exit code of a command that ran and failed. */
    public static final int FAILURE = 1;
    /** Exit code of a command line that could not be understood. */
    public static final int USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** Runs the command in-process, writing to {@code out} and {@code err}; the test seam. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = commandLine(args);
        commandLine.setOut(out);
        commandLine.setErr(err);
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The whole command tree, with nixfront's one-line error handling. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command tree that {@code args} needs, with nixfront's one-line error handling: when the
     * first argument names a command, nixfront with that command alone (see
     * {@link NixfrontCommand#COMMANDS}); otherwise (no command, {@code --help}, {@code help}, a
     * mistyped command that wants suggestions) the whole tree.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine commandLine = new CommandLine(new NixfrontCommand());
        String first = args.length == 0 ? "" : args[0];
        Class<?> named = first.equals("help") ? null : NixfrontCommand.COMMANDS.get(first);
        if (named != null) {
            commandLine.addSubcommand(first, named);
        } else {
            NixfrontCommand.COMMANDS.forEach(commandLine::addSubcommand);
        }
        commandLine.setParameterExceptionHandler(Main::usageError);
        commandLine.setExecutionExceptionHandler(Main::failure);
        shareVersion(commandLine, new NixfrontCommand.Version());
        return commandLine;
    }

    /** Every command takes --version (picocli's standard options); all of them print nixfront's. */
    private static void shareVersion(CommandLine command, IVersionProvider version) {
        command.getCommandSpec().versionProvider(version);
        for (CommandLine sub : command.getSubcommands().values()) {
            shareVersion(sub, version);
        }
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        StringBuilder line = new StringBuilder("nixfront: ").append(describe(e));
        line.append(" (see '").append(command.getCommandSpec().qualifiedName()).append(" --help')");
        command.getErr().println(line);
        command.getErr().flush();
        return USAGE;
    }

    private static String describe(ParameterException e) {
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().get(0);
            boolean isCommand = !first.startsWith("-") && !e.getCommandLine().getSubcommands().isEmpty();
            String what = first.startsWith("-") ? "unknown option '" + first + "'"
                    : isCommand ? "unknown command '" + first + "'"
                    : "unexpected argument '" + first + "'";
            List<String> suggestions = unmatched.getSuggestions();
            return suggestions.isEmpty() ? what : what + ", did you mean " + String.join(" or ", suggestions) + "?";
        }
        return lowerFirst(oneLine(e.getMessage()));
    }

    private static int failure(Exception e, CommandLine command, ParseResult parseResult) {
        String message = e instanceof CliException || e instanceof java.io.IOException
                ? oneLine(e.getMessage())
                : "internal error, please report: " + e.getClass().getName() + ": " + oneLine(e.getMessage());
        command.getErr().println("nixfront: " + message);
        command.getErr().flush();
        return FAILURE;
    }

    static String oneLine(String message) {
        return message == null || message.isBlank() ? "failed" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static String lowerFirst(String s) {
        // picocli capitalises its messages ("Missing required option"); ours read as one sentence.
        return s.length() > 1 && Character.isUpperCase(s.charAt(0)) && !Character.isUpperCase(s.charAt(1))
                ? Character.toLowerCase(s.charAt(0)) + s.substring(1)
                : s;
    }
}
