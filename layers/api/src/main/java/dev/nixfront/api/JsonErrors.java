package dev.nixfront.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * Turns Jackson's exceptions into {@link InvalidJsonException}s a client can act on: the JSON path
 * at fault and what was expected there, in JSON words. Apart from {@link Json} because describing
 * an error takes more code than reading and writing, and none of it is needed to follow how the
 * mapping is configured.
 */
final class JsonErrors {
    private JsonErrors() {}

    /**
     * Jackson reports a missing creator property before the unknown ones beside it, but for
     * {@code {"hashes":[...]}} the misspelt name is the useful answer, not that storeHashes is missing.
     */
    static InvalidJsonException unknownBesideMissing(ObjectMapper mapper, String json, JacksonException e) {
        if (!(e instanceof MismatchedInputException m) || m.getPath().isEmpty()
                || !String.valueOf(m.getOriginalMessage()).startsWith("Missing required creator property")) {
            return null;
        }
        List<JsonMappingException.Reference> refs = m.getPath();
        Object from = refs.getLast().getFrom();
        Class<?> owner = from instanceof Class<?> c ? c : from == null ? null : from.getClass();
        if (owner == null) {
            return null;
        }
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (JacksonException parseError) {
            return null;
        }
        for (JsonMappingException.Reference ref : refs.subList(0, refs.size() - 1)) {
            node = ref.getFieldName() != null ? node.path(ref.getFieldName()) : node.path(ref.getIndex());
        }
        TreeSet<String> known = new TreeSet<>();
        mapper.getDeserializationConfig().introspect(mapper.constructType(owner)).findProperties()
                .forEach(property -> known.add(property.getName()));
        String parent = path(refs.subList(0, refs.size() - 1));
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                return new InvalidJsonException(parent == null ? name : parent + "." + name,
                        "unknown property; expected one of " + String.join(", ", known));
            }
        }
        return null;
    }

    /**
     * Names the field and says what was wrong in JSON terms, without Jackson's Java type names or
     * source excerpts. Parser-level errors come without a mapping path (or wrapped in one that
     * stops at the enclosing object), so their field comes from the parser's own position.
     */
    static InvalidJsonException invalid(JacksonException e) {
        StreamReadException parse = e instanceof StreamReadException s ? s
                : e.getCause() instanceof StreamReadException s ? s : null;
        if (parse instanceof InputCoercionException range) {
            return new InvalidJsonException(orBody(position(parse, e)),
                    "expected " + describe(range.getTargetType()) + " in range" + rangeOf(range.getTargetType()) + ", got "
                            + number(range));
        }
        if (parse != null && String.valueOf(parse.getOriginalMessage()).startsWith("Duplicate field")) {
            String field = orBody(position(parse, e));
            return new InvalidJsonException(field, "the property appears more than once" + at(parse.getLocation()));
        }
        if (parse != null) {
            return new InvalidJsonException(Json.BODY, "malformed JSON" + at(parse.getLocation()) + ": " + clean(parse.getOriginalMessage()));
        }
        String field = path(e);
        if (e instanceof UnrecognizedPropertyException u) {
            TreeSet<String> known = new TreeSet<>();
            u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
            return new InvalidJsonException(orBody(field), "unknown property; expected one of " + String.join(", ", known));
        }
        if (e instanceof ValueInstantiationException v) {
            // A record's constructor refused the values (e.g. a VerifyJob without a cache).
            Throwable cause = v.getCause() == null ? v : v.getCause();
            return new InvalidJsonException(orBody(field), "invalid value: " + clean(String.valueOf(cause.getMessage())));
        }
        String original = String.valueOf(e.getOriginalMessage());
        if (original.startsWith("Trailing token")) {
            return new InvalidJsonException(Json.BODY, "malformed JSON" + at(e.getLocation()) + ": more content after the end of the value");
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            String expected = "expected " + describe(m.getTargetType());
            if (original.startsWith("Missing required creator property")) {
                return new InvalidJsonException(orBody(field), "required: " + expected);
            }
            String got = got(e);
            if (field == null) {
                return new InvalidJsonException(Json.BODY, expected + got + at(e.getLocation()));
            }
            return new InvalidJsonException(field, got.isEmpty() && isNullOrAbsent(m) ? "required: " + expected : expected + got);
        }
        return new InvalidJsonException(orBody(field), "malformed JSON" + at(e.getLocation()) + ": " + clean(original));
    }

    /** What the body held instead, in JSON words: {@code , got the string "136"}, {@code , got 108.9}, {@code , got null}. */
    private static String got(JacksonException e) {
        if (e instanceof InvalidNullException) {
            return ", got null";
        }
        if (e instanceof InvalidFormatException f && f.getValue() != null) {
            if (f.getValue() instanceof String s) {
                return ", got " + quoted(s);
            }
            return ", got " + text(e, f.getValue());
        }
        JsonToken token = token(e);
        if (token == null) {
            return "";
        }
        return switch (token) {
            case START_OBJECT -> ", got an object";
            case START_ARRAY -> ", got an array";
            case VALUE_STRING -> ", got " + quoted(text(e, null));
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> ", got a number";
            case VALUE_TRUE, VALUE_FALSE -> ", got " + token.asString();
            case VALUE_NULL -> ", got null";
            default -> "";
        };
    }

    /** A string the client sent, cut short: enough to find it, never a page of it echoed back. */
    private static String quoted(String s) {
        if (s == null) {
            return "a string";
        }
        if (s.isEmpty()) {
            return "an empty string";
        }
        return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
    }

    /** A primitive left out, or given as null: Jackson reports both as null for a primitive. */
    private static boolean isNullOrAbsent(MismatchedInputException e) {
        return String.valueOf(e.getOriginalMessage()).startsWith("Cannot map `null`");
    }

    private static JsonToken token(JacksonException e) {
        return e.getProcessor() instanceof JsonParser p ? p.currentToken() : null;
    }

    /** The scalar as the client wrote it (1e2 stays 1e2), when the parser still has it. */
    private static String text(JacksonException e, Object fallback) {
        try {
            if (e.getProcessor() instanceof JsonParser p && p.currentToken() != null && p.currentToken().isScalarValue()) {
                return p.getText();
            }
        } catch (IOException ignored) {
            // the parser is closed; the value Jackson kept is good enough
        }
        return fallback == null ? null : String.valueOf(fallback);
    }

    private static String number(InputCoercionException e) {
        return text(e, "a number");
    }

    private static String rangeOf(Class<?> type) {
        if (type == int.class || type == Integer.class) {
            return " " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE;
        }
        if (type == long.class || type == Long.class) {
            return " " + Long.MIN_VALUE + ".." + Long.MAX_VALUE;
        }
        return "";
    }

    private static String orBody(String field) {
        return field == null ? Json.BODY : field;
    }

    static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String clean(String message) {
        if (message == null || message.isBlank()) {
            return "unreadable";
        }
        // Jackson points at the start of the open array or object too; the line and column given suffice.
        return message.replaceAll("\\[Source: [^\\]]*\\]", "")
                .replaceAll("\\s*\\((?:for \\w+ starting|start marker) at\\s*\\)", "")
                .replaceAll("`[^`]*`", "value")
                // The unquoted token itself stays out (an ID token's header, say): the position says where it is.
                .replaceAll("Unrecognized token '[^']*'", "Unrecognized token")
                .replaceAll("\\s+", " ")
                .trim();
    }

    /** The mapping path, e.g. {@code paths[3].narSize}; null when it is the body itself. */
    private static String path(JacksonException e) {
        return e instanceof JsonMappingException m ? path(m.getPath()) : null;
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? null : path.toString();
    }

    /**
     * Where the parser stood, in the same notation: its context chain is what it had read when it
     * failed (for a duplicate, the repeated name), which a wrapping mapping path does not reach.
     */
    private static String position(StreamReadException parse, JacksonException wrapper) {
        JsonParser parser = parse.getProcessor();
        if (parser == null || parser.getParsingContext() == null) {
            return path(wrapper);
        }
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = parser.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject() && c.getCurrentName() != null) {
                parts.addFirst(c.getCurrentName());
            } else if (c.inArray() && c.getCurrentIndex() >= 0) {
                parts.addFirst("[" + c.getCurrentIndex() + "]");
            }
        }
        StringBuilder path = new StringBuilder();
        for (String part : parts) {
            if (!path.isEmpty() && !part.startsWith("[")) {
                path.append('.');
            }
            path.append(part);
        }
        return path.isEmpty() ? path(wrapper) : path.toString();
    }

    private static String describe(Class<?> type) {
        if (type == long.class || type == int.class || type == Long.class || type == Integer.class) {
            return "a whole number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Instant.class) {
            return "an ISO-8601 instant such as 2026-11-25T17:00:00Z";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }
}
