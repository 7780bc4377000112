package dev.nixfront.cli.importer;

/**
 * A source path that will not be imported, and why: a bad or missing signature, a NAR that does
 * not match its narinfo, a reference that cannot be imported. Checked, so that no path of the
 * import loop can forget to report one.
 */
final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String reason) {
        super(reason, null, false, false);
    }

    Refused(String reason, Throwable cause) {
        super(reason, cause, false, false);
    }
}
