package dev.nixfront.cli;

/**
 * A command could not do its work for a reason the user can act on; the message is printed as is,
 * after {@code nixfront: }, with exit code 1 and no stack trace.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CliException(String message) {
        super(message);
    }

    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
