package dev.nixfront.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

final class Lists {
    private Lists() {}

    /**
     * A null list (from a Java caller, or an array a response left out) becomes empty, so records
     * never hold null lists. On the wire, the lists a request needs are {@link Required}: absent or
     * null they are refused, naming the field, before a record is built. Null elements are kept
     * (List.copyOf would throw a NullPointerException instead of letting validation name the entry).
     */
    static <T> List<T> copy(List<T> list) {
        return list == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(list));
    }
}
