package dev.nixfront.cache.port;

import java.util.Objects;

/**
 * The name of a cache: a DNS label (1..63 of {@code [a-z0-9-]}, no leading or trailing hyphen). It
 * is the first segment of every S3 key and of the substituter URL, so it must be safe in both
 * without escaping, and lowercase-only so two names never differ by case alone.
 */
public record CacheName(String value) implements Comparable<CacheName> {
    public static final int MAX_LENGTH = 63;

    public CacheName {
        Objects.requireNonNull(value, "cache name");
        String problem = problem(value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    public static CacheName of(String value) {
        return new CacheName(value);
    }

    /** Why {@code value} is not a cache name, or null if it is one. */
    public static String problem(String value) {
        if (value == null || value.isEmpty()) {
            return "a cache name must not be empty";
        }
        if (value.length() > MAX_LENGTH) {
            return "a cache name has at most " + MAX_LENGTH + " characters, got " + value.length();
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return "a cache name uses only a-z, 0-9 and '-', found '" + (c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c)) + "'";
            }
        }
        if (value.startsWith("-") || value.endsWith("-")) {
            return "a cache name must not start or end with '-'";
        }
        return null;
    }

    /** The S3 key prefix of everything this cache owns, e.g. {@code team/}. */
    public String prefix() {
        return value + "/";
    }

    @Override
    public int compareTo(CacheName o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
