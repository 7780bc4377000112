package dev.nixfront.nix;

/** Quoting of untrusted text inside error messages: bounded, one line, control characters escaped. */
final class Text {
    private static final int MAX_QUOTED = 120;

    private Text() {}

    /** {@code 'value'}, cut after 120 characters, with anything that is not printable ASCII escaped. */
    static String quote(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_QUOTED) + 8).append('\'');
        int end = Math.min(value.length(), MAX_QUOTED);
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                case '\'' -> out.append("\\'");
                default -> out.append(Nix32.printable(c));
            }
        }
        out.append('\'');
        if (value.length() > MAX_QUOTED) {
            out.append("... (").append(value.length()).append(" characters)");
        }
        return out.toString();
    }
}
