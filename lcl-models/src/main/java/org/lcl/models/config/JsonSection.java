package org.lcl.models.config;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One JSON object of a config file being read: typed getters with OpenCLIP's defaults, and
 * errors that name the file and the dotted key. The set of known keys is checked first, so an
 * unknown (misspelt) key is reported before anything else.
 */
final class JsonSection {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String source;
    private final String prefix;
    private final JsonNode node;

    JsonSection(String source, String prefix, JsonNode node, Set<String> known) {
        this.source = source;
        this.prefix = prefix;
        this.node = node;
        if (!node.isObject()) {
            throw error(prefix.isEmpty() ? "the config must be a JSON object" : prefix + " must be a JSON object, got " + node);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw error("unknown key '" + key(k) + "' (known keys" + (prefix.isEmpty() ? "" : " of " + prefix) + ": "
                        + String.join(", ", known) + ")");
            }
        }
    }

    String source() {
        return source;
    }

    String key(String k) {
        return prefix.isEmpty() ? k : prefix + "." + k;
    }

    ConfigException error(String message) {
        return new ConfigException(source + ": " + message);
    }

    /** The value, or null when absent or JSON null. */
    JsonNode get(String k) {
        JsonNode v = node.get(k);
        return v == null || v.isNull() ? null : v;
    }

    boolean has(String k) {
        return get(k) != null;
    }

    int getInt(String k, int def) {
        JsonNode v = get(k);
        if (v == null) {
            return def;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            if (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()) && Math.abs(v.asDouble()) < Integer.MAX_VALUE) {
                return (int) v.asDouble();
            }
            throw error(key(k) + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    int requireInt(String k) {
        if (!has(k)) {
            throw error("missing required key '" + key(k) + "'");
        }
        return getInt(k, 0);
    }

    double getDouble(String k, double def) {
        JsonNode v = get(k);
        if (v == null) {
            return def;
        }
        if (!v.isNumber()) {
            throw error(key(k) + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    Double getNullableDouble(String k) {
        JsonNode v = get(k);
        return v == null ? null : getDouble(k, 0);
    }

    boolean getBool(String k, boolean def) {
        JsonNode v = get(k);
        if (v == null) {
            return def;
        }
        if (!v.isBoolean()) {
            throw error(key(k) + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    String getString(String k, String def) {
        JsonNode v = get(k);
        if (v == null) {
            return def;
        }
        if (!v.isTextual()) {
            throw error(key(k) + " must be a string, got " + v);
        }
        return v.asText();
    }

    /** One of the allowed strings. */
    String getChoice(String k, String def, List<String> allowed) {
        String s = getString(k, def);
        if (!allowed.contains(s)) {
            throw error(key(k) + " must be one of " + allowed + ", got \"" + s + "\"");
        }
        return s;
    }

    JsonSection section(String k, Set<String> known) {
        JsonNode v = get(k);
        if (v == null) {
            return null;
        }
        return new JsonSection(source, key(k), v, known);
    }

    JsonSection requireSection(String k, Set<String> known) {
        JsonSection s = section(k, known);
        if (s == null) {
            throw error("missing required key '" + key(k) + "'");
        }
        return s;
    }

    /** A JSON object as a plain Java map (strings, numbers, booleans, lists, maps). */
    Map<String, Object> getMap(String k) {
        JsonNode v = get(k);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw error(key(k) + " must be a JSON object, got " + v);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = MAPPER.convertValue(v, LinkedHashMap.class);
        return m;
    }

    /**
     * Rejects a key OpenCLIP knows but this project does not implement, unless it is absent,
     * null or at its default value (compared as JSON).
     */
    void unsupported(String k, Object defaultValue, String why) {
        JsonNode v = get(k);
        if (v == null) {
            return;
        }
        if (defaultValue != null && MAPPER.valueToTree(defaultValue).equals(v)) {
            return;
        }
        if (defaultValue instanceof Number n && v.isNumber() && v.asDouble() == n.doubleValue()) {
            return;
        }
        throw error(key(k) + " = " + v + " is not supported: " + why);
    }

    static Set<String> keys(String... names) {
        return new java.util.LinkedHashSet<>(List.of(names));
    }

    static List<String> list(String... names) {
        return new ArrayList<>(List.of(names));
    }

    @Override
    public String toString() {
        return Objects.toString(node);
    }
}
