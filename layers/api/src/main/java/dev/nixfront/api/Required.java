package dev.nixfront.api;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A property a request must carry, not null: reading {@code {"hashes":[...]}} or
 * {@code {"storeHashes":null}} as a {@link MissingRequest} fails naming {@code storeHashes}. The
 * records still turn a null list into an empty one (see {@link Lists}), which is right for Java
 * callers but would make a misspelt or forgotten list read as "nothing asked": a 200 that answers
 * no question, or a path published without its references.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
@JacksonAnnotationsInside
@JsonProperty(required = true)
@JsonSetter(nulls = Nulls.FAIL)
@interface Required {
}
