package dev.nixfront.infra;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Walking synthesized CloudFormation templates (maps and lists from {@code Template.toJSON()}). */
final class Json {
    private Json() {
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("nixfront.repo.root", ".."));
    }

    /** The {@code context} of the repository's cdk.json: the feature flags every synth uses. */
    static Map<String, Object> cdkJsonContext() {
        try {
            Map<String, Object> cdkJson = map(new ObjectMapper().readValue(repoRoot().resolve("cdk.json").toFile(), Map.class));
            return map(cdkJson.get("context"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        return value instanceof List<?> ? (List<Object>) value : List.of(value);
    }

    /** Resources of one type, by logical id. */
    static Map<String, Map<String, Object>> resources(Map<String, Object> template, String type) {
        Map<String, Map<String, Object>> result = new LinkedHashMap<>();
        map(template.get("Resources")).forEach((id, resource) -> {
            if (type.equals(map(resource).get("Type"))) {
                result.put(id, map(resource));
            }
        });
        return result;
    }

    static Map<String, Object> properties(Map<String, Object> resource) {
        return map(resource.get("Properties"));
    }

    /** Follows a path of keys through nested maps; null if any step is missing. */
    static Object at(Object root, String... keys) {
        Object current = root;
        for (String key : keys) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    /**
     * A CloudFormation value as text the way cdk-nag prints it: {@code Fn::GetAtt} as
     * {@code <Logical.Attr>}, {@code Ref} as {@code <Logical>}, {@code Fn::Join} concatenated.
     */
    static String render(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Map<?, ?> m && m.size() == 1) {
            Map<String, Object> fn = map(m);
            if (fn.containsKey("Ref")) {
                return "<" + fn.get("Ref") + ">";
            }
            if (fn.containsKey("Fn::GetAtt")) {
                List<Object> args = list(fn.get("Fn::GetAtt"));
                return "<" + args.get(0) + "." + args.get(1) + ">";
            }
            if (fn.containsKey("Fn::Join")) {
                List<Object> args = list(fn.get("Fn::Join"));
                return list(args.get(1)).stream().map(Json::render)
                        .collect(Collectors.joining(String.valueOf(args.get(0))));
            }
        }
        return String.valueOf(value);
    }
}
