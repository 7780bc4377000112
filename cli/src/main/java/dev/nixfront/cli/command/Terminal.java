package dev.nixfront.cli.command;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether a person is watching: a redrawn progress bar there, plain lines in logs. */
final class Terminal {
    private Terminal() {}

    static boolean isInteractive() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        // Since JDK 22 System.console() also exists when redirected; isTerminal() tells the difference.
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
