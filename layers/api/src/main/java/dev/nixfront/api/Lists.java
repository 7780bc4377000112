package dev.nixfront.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

final class Lists {
    private Lists() {}

    /**
     * An absent JSON array reads as empty, so records never hold null lists. Null elements are kept
     * (List.copyOf would throw a NullPointerException instead of letting validation name the entry).
     */
    static <T> List<T> copy(List<T> list) {
        return list == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(list));
    }
}
