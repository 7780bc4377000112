package dev.nixfront.bench.capacity;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB's size of an item: attribute names plus values, by the rules of
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html:
 * strings their UTF-8 length, numbers one byte per two significant digits plus one, binary their
 * length, booleans and nulls one byte, lists and maps three bytes plus one per element plus the
 * elements (a map element's name counts too).
 */
final class ItemSize {
    private ItemSize() {
    }

    static long of(Map<String, AttributeValue> item) {
        long size = 0;
        for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
            size += utf8(attribute.getKey()) + value(attribute.getValue());
        }
        return size;
    }

    static long value(AttributeValue value) {
        return switch (value.type()) {
            case S -> utf8(value.s());
            case N -> number(value.n());
            case B -> value.b().asByteArrayUnsafe().length;
            case BOOL, NUL -> 1;
            case L -> 3 + value.l().stream().mapToLong(e -> 1 + value(e)).sum();
            case M -> 3 + value.m().entrySet().stream().mapToLong(e -> 1 + utf8(e.getKey()) + value(e.getValue())).sum();
            case SS -> value.ss().stream().mapToLong(ItemSize::utf8).sum();
            case NS -> value.ns().stream().mapToLong(ItemSize::number).sum();
            case BS -> value.bs().stream().mapToLong(b -> b.asByteArrayUnsafe().length).sum();
            case UNKNOWN_TO_SDK_VERSION -> throw new IllegalArgumentException("an attribute of a type this SDK does not know");
        };
    }

    /** Leading and trailing zeros do not count; {@code 120} has two significant digits, {@code 0} one. */
    static long number(String text) {
        String mantissa = text.split("[eE]", 2)[0].replace("-", "").replace("+", "").replace(".", "");
        String digits = mantissa.replaceAll("^0+", "").replaceAll("0+$", "");
        int significant = Math.max(1, digits.length());
        return (significant + 1) / 2 + 1;
    }

    private static long utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
