package dev.nixfront.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;

/**
 * The one JSON mapping of the API, used by the CLI and the functions alike: instants as ISO-8601
 * text ({@code "2026-11-25T17:00:00Z"}), unknown properties ignored (so an older client keeps
 * working when a response grows a field), nulls not written, trailing garbage rejected.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .build();

    private Json() {}

    /** The shared mapper, for callers that need streaming or tree access. Do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static <T> T read(String json, Class<T> type) throws InvalidJsonException {
        if (json == null || json.isBlank()) {
            throw new InvalidJsonException(null, "the request needs a JSON body");
        }
        try {
            return MAPPER.readValue(json, type);
        } catch (JacksonException e) {
            throw invalid(e);
        }
    }

    public static <T> T read(byte[] json, Class<T> type) throws InvalidJsonException {
        return read(new String(json, StandardCharsets.UTF_8), type);
    }

    public static <T> T read(InputStream json, Class<T> type) throws InvalidJsonException, IOException {
        return read(json.readAllBytes(), type);
    }

    /** Converts an already parsed structure (e.g. a Map from the Lambda runtime) into a record. */
    public static <T> T convert(Object value, Class<T> type) throws InvalidJsonException {
        try {
            return MAPPER.convertValue(value, type);
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof JacksonException j) {
                throw invalid(j);
            }
            throw new InvalidJsonException(null, e.getMessage());
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            // Only our own records are written; failing to serialise one is a bug, not bad input.
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] writeBytes(Object value) {
        return write(value).getBytes(StandardCharsets.UTF_8);
    }

    /** Says what was wrong in JSON terms, without Jackson's Java type names or source locations. */
    private static String reason(JacksonException e) {
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (original.startsWith("Trailing token")) {
            return "malformed JSON: more content after the end of the value";
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            String got = e instanceof InvalidFormatException f && f.getValue() != null ? ", got '" + f.getValue() + "'" : "";
            return "expected " + describe(m.getTargetType()) + got;
        }
        String message = e.getOriginalMessage();
        if (message == null || message.isBlank()) {
            return "malformed JSON";
        }
        message = message.replaceAll("`[^`]*`", "value").replaceAll("\\s+", " ").trim();
        return "malformed JSON: " + message;
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
        if (Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    private static InvalidJsonException invalid(JacksonException e) {
        String field = null;
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    if (!path.isEmpty()) {
                        path.append('.');
                    }
                    path.append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
            field = path.isEmpty() ? null : path.toString();
        }
        return new InvalidJsonException(field, reason(e));
    }
}
