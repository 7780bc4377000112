package dev.nixfront.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The one JSON mapping of the API, used by the CLI and the functions alike: instants as ISO-8601
 * text ({@code "2026-11-25T17:00:00Z"}), nulls not written.
 *
 * <p>Reading takes JSON as it is written and nothing else: a number is never read from a string
 * ({@code "136"}) nor a string from a number ({@code 5}), a whole number never from a fraction
 * ({@code 108.9} was silently stored as 108), a primitive never from null, an instant only from
 * ISO-8601 text (an epoch number is ambiguous: milliseconds read as seconds would make a token
 * last 50,000 years), a property only once ({@code {"name":"a","name":"b"}}), and nothing after the
 * value. Lists marked {@link Required} must be present and not null.
 *
 * <p>{@link #readRequest} — the server reading a client — also refuses unknown properties: a typo
 * such as {@code "privat":true} or {@code "hashes":[...]} must be an error, not a silently public
 * cache or a {@code missing} answer that skips every upload. {@link #read} — the CLI reading a
 * server — ignores them, so an older client keeps working when a response grows a field.
 *
 * <p>Every refusal is an {@link InvalidJsonException} whose field is the JSON path at fault
 * ({@code paths[2].narSize}), or {@code body} with a line and column when the body as a whole is
 * not a JSON object.
 */
public final class Json {
    /** The field of errors about the body as a whole. */
    public static final String BODY = "body";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new SimpleModule("nixfront-strict-instants").addDeserializer(Instant.class, new IsoInstantDeserializer()))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // ALLOW_COERCION_OF_SCALARS covers text -> number/boolean; these cover number/boolean -> text.
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .build();

    /** The same mapping, with unknown properties refused; a reader, so no second mapper is built. */
    private static final ObjectReader REQUESTS = MAPPER.reader().with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {}

    /** The shared mapper, for callers that need streaming or tree access. Do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Reads a request body as the server must: strictly (unknown properties refused too), and only
     * a JSON object.
     */
    public static <T> T readRequest(String json, Class<T> type) throws InvalidJsonException {
        T value = read(REQUESTS, json, type, true);
        if (value == null) {
            throw new InvalidJsonException(BODY, "expected a JSON object, got null");
        }
        return value;
    }

    /** Reads a response (or other JSON nixfront wrote itself), ignoring properties this version does not know. */
    public static <T> T read(String json, Class<T> type) throws InvalidJsonException {
        return read(MAPPER.reader(), json, type, false);
    }

    public static <T> T read(byte[] json, Class<T> type) throws InvalidJsonException {
        return read(new String(json, StandardCharsets.UTF_8), type);
    }

    public static <T> T read(InputStream json, Class<T> type) throws InvalidJsonException, IOException {
        return read(json.readAllBytes(), type);
    }

    /**
     * The parser stays open until the error is described: closing it forgets the token at fault,
     * which is how {@code null} is told from a left-out property and {@code 1e2} is quoted as written.
     */
    private static <T> T read(ObjectReader reader, String json, Class<T> type, boolean strict) throws InvalidJsonException {
        if (json == null || json.isBlank()) {
            throw new InvalidJsonException(BODY, "the request needs a JSON body");
        }
        try (JsonParser parser = reader.createParser(json)) {
            try {
                T value = reader.forType(type).readValue(parser);
                if (parser.nextToken() != null) {
                    throw new InvalidJsonException(BODY, "malformed JSON" + JsonErrors.at(parser.currentTokenLocation())
                            + ": more content after the end of the value");
                }
                return value;
            } catch (JacksonException e) {
                InvalidJsonException unknown = strict ? JsonErrors.unknownBesideMissing(MAPPER, json, e) : null;
                throw unknown != null ? unknown : JsonErrors.invalid(e);
            }
        } catch (IOException e) {
            // A parser over a String fails only through JacksonException, handled above.
            throw new UncheckedIOException(e);
        }
    }

    /** Converts an already parsed structure (e.g. a Map from the Lambda runtime) into a record. */
    public static <T> T convert(Object value, Class<T> type) throws InvalidJsonException {
        try {
            return MAPPER.convertValue(value, type);
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof JacksonException j) {
                throw JsonErrors.invalid(j);
            }
            throw new InvalidJsonException(BODY, String.valueOf(e.getMessage()));
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

    /**
     * Instants from ISO-8601 text only. Jackson's own also takes numbers (and numeric text) as
     * epoch seconds, so {@code "expiresAt":1767225600000} (milliseconds) would be the year 57,970.
     */
    private static final class IsoInstantDeserializer extends StdScalarDeserializer<Instant> {
        private static final long serialVersionUID = 1L;

        IsoInstantDeserializer() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
            }
            String text = p.getText();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                return (Instant) ctxt.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
            }
        }
    }
}
