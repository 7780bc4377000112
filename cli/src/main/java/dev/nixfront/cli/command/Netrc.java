package dev.nixfront.cli.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The netrc file Nix hands to curl ({@code nix.conf}'s {@code netrc-file}), e.g.
 * {@code machine d1234abcd.cloudfront.net login nixfront password nf_...}: curl sends the login and
 * password as {@code Authorization: Basic} to that host. curl matches {@code machine} against the
 * URL's host name alone, never its port, so one line serves every port of a host (the local
 * stack's {@code 127.0.0.1:8471} is {@code machine 127.0.0.1}).
 */
final class Netrc {
    static final String LOGIN = "nixfront";
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private Netrc() {
    }

    static String line(String host, String token) {
        return "machine " + host + " login " + LOGIN + " password " + token;
    }

    /**
     * The file's text with {@code line} as the one entry for {@code host}: an entry for the same
     * machine (its {@code machine} words and the {@code login}/{@code password} words continuing it,
     * on its line or the next ones) is replaced in place, every other entry and comment kept. A line
     * holding several entries is first split into one line each; a new entry goes before a
     * {@code default} entry, which curl would otherwise use for the host first.
     */
    static String merge(String existing, String host, String line) {
        List<String> out = new ArrayList<>();
        boolean replaced = false;
        boolean skipping = false;
        int defaultAt = -1;
        for (String current : split(existing)) {
            String[] words = SPACE.split(current.strip());
            boolean entryStart = words.length > 0 && (words[0].equals("machine") || words[0].equals("default") || words[0].equals("macdef"));
            if (entryStart) {
                skipping = words[0].equals("machine") && words.length > 1 && words[1].equals(host);
                if (skipping && !replaced) {
                    out.add(line);
                    replaced = true;
                }
                if (words[0].equals("default") && defaultAt < 0) {
                    defaultAt = out.size();
                }
            }
            if (!skipping) {
                out.add(current);
            }
        }
        if (!replaced) {
            out.add(defaultAt < 0 ? out.size() : defaultAt, line);
        }
        return String.join("\n", out) + "\n";
    }

    /**
     * The lines of the file, each line that holds more than one entry split at every entry's start
     * ({@code machine <host>}, {@code default}, {@code macdef <name>}), read as curl reads the words:
     * keyword and value pairs, so a password that happens to be "machine" starts nothing.
     */
    private static List<String> split(String text) {
        List<String> lines = new ArrayList<>();
        for (String current : text.lines().toList()) {
            String stripped = current.strip();
            if (stripped.isEmpty() || stripped.startsWith("#")) {
                lines.add(current);
                continue;
            }
            String[] words = SPACE.split(stripped);
            List<Integer> starts = new ArrayList<>();
            int i = 0;
            while (i < words.length) {
                if (words[i].equals("default")) {
                    starts.add(i);
                    i++;
                    continue;
                }
                if (words[i].equals("machine") || words[i].equals("macdef")) {
                    starts.add(i);
                }
                i += 2;
            }
            if (starts.size() < 2) {
                lines.add(current);
                continue;
            }
            if (starts.getFirst() > 0) {
                lines.add(String.join(" ", Arrays.copyOfRange(words, 0, starts.getFirst())));
            }
            for (int k = 0; k < starts.size(); k++) {
                int to = k + 1 < starts.size() ? starts.get(k + 1) : words.length;
                lines.add(String.join(" ", Arrays.copyOfRange(words, starts.get(k), to)));
            }
        }
        return lines;
    }

    /** Merges the entry into {@code netrc}, which ends up mode 0600 whatever it was (it holds secrets). */
    static void write(Path netrc, String host, String line) throws IOException {
        String existing = Files.isRegularFile(netrc) ? Files.readString(netrc, StandardCharsets.UTF_8) : "";
        Path dir = netrc.toAbsolutePath().getParent();
        if (dir == null) {
            throw new IOException("no directory for the netrc file " + netrc);
        }
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, ".netrc-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temp, merge(existing, host, line), StandardCharsets.UTF_8);
            Files.move(temp, netrc, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * The password of {@code host}'s entry in the file, if it has one: the tokens after
     * {@code machine <host>} up to the next entry, in any layout curl accepts (one line or several).
     */
    static Optional<String> password(Path netrc, String host) throws IOException {
        if (!Files.isRegularFile(netrc)) {
            return Optional.empty();
        }
        List<String> words = new ArrayList<>();
        for (String line : Files.readAllLines(netrc, StandardCharsets.UTF_8)) {
            if (!line.strip().startsWith("#")) {
                words.addAll(List.of(SPACE.split(line.strip())));
            }
        }
        // Keyword and value pairs; "default" alone starts an entry, as "machine <host>" does.
        boolean inEntry = false;
        int i = 0;
        while (i < words.size()) {
            String word = words.get(i);
            if (word.equals("default")) {
                inEntry = false;
                i++;
                continue;
            }
            String value = i + 1 < words.size() ? words.get(i + 1) : null;
            if (word.equals("machine") || word.equals("macdef")) {
                inEntry = word.equals("machine") && host.equals(value);
            } else if (inEntry && word.equals("password") && value != null) {
                return Optional.of(value);
            }
            i += 2;
        }
        return Optional.empty();
    }

    static String netrcFileSetting(Path netrc) {
        return "netrc-file = " + netrc.toAbsolutePath();
    }

    /** Adds {@code netrc-file = <netrc>} to {@code conf} unless it is there; true if it was added. */
    static boolean ensureNetrcFile(Path conf, Path netrc) throws IOException {
        return UseCommand.append(conf, "# nixfront: read tokens of private caches", List.of(netrcFileSetting(netrc)));
    }

    /** The netrc file {@code conf} already names ({@code netrc-file}, the last one wins as in Nix), if any. */
    static Optional<Path> configured(Path conf) throws IOException {
        if (!Files.isRegularFile(conf)) {
            return Optional.empty();
        }
        Path found = null;
        for (String current : Files.readAllLines(conf, StandardCharsets.UTF_8)) {
            String[] setting = current.strip().split("\\s*=\\s*", 2);
            if (setting.length == 2 && setting[0].equals("netrc-file") && !setting[1].isBlank()) {
                found = Path.of(setting[1].strip());
            }
        }
        return Optional.ofNullable(found);
    }
}
