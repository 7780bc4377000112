package dev.nixfront.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the API and the CLI write them: a whole number and one unit, {@code 90s}, {@code 45m},
 * {@code 12h}, {@code 30d}; what a user types for a retention or a grace period.
 */
public final class Durations {
    private static final Pattern TEXT = Pattern.compile("(0|[1-9][0-9]{0,8})([smhd])");

    private Durations() {}

    /** The duration, or an IllegalArgumentException saying what is accepted. */
    public static Duration parse(String text) {
        Matcher m = text == null ? null : TEXT.matcher(text);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("a duration is a whole number and a unit (s, m, h or d), like 30d or 12h; got "
                    + (text == null ? "nothing" : "'" + (text.length() > 20 ? text.substring(0, 20) + "..." : text) + "'"));
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** The duration in the largest unit that holds it exactly: {@code 30d}, {@code 36h}, {@code 0s}. */
    public static String format(Duration d) {
        long s = d.toSeconds();
        if (s != 0 && s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s != 0 && s % 3_600 == 0) {
            return s / 3_600 + "h";
        }
        if (s != 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
