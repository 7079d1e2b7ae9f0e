package org.lcl.torch.serialization;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON parser, plus the string escaping of the writer, for {@link Safetensors} headers.
 *
 * <p>Hand-written rather than Jackson because Jackson is only a test dependency of native-bindings, and because a
 * header is untrusted input with a tiny grammar where we want exact control: object key order is kept (the header
 * order is the order {@link Safetensors#read} returns), duplicate keys are an error rather than last-wins, nesting
 * depth is bounded, and every error names the character offset and the key path where it occurred.
 *
 * <p>Values: object → {@code LinkedHashMap<String, Object>}, array → {@code ArrayList<Object>}, string →
 * {@code String}, integer → {@code Long} (out of range is an error), number with fraction or exponent →
 * {@code Double}, {@code true}/{@code false} → {@code Boolean}, {@code null} → {@link #NULL}.
 */
final class SafetensorsJson {

    /** JSON {@code null}: a marker, so that a missing key and a null value differ. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** A header needs depth 3; anything far deeper is hostile (and would overflow the stack). */
    private static final int MAX_DEPTH = 64;

    private final String text;
    private final Deque<String> path = new ArrayDeque<>();
    private int pos;

    private SafetensorsJson(String text) {
        this.text = text;
    }

    /** Parses one JSON value spanning all of {@code text} (whitespace around it allowed); errors carry no file. */
    static Object parse(String text) throws TorchFormatException {
        SafetensorsJson p = new SafetensorsJson(text);
        p.skipWhitespace();
        Object v = p.value(0);
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw p.error("unexpected " + p.describeNext() + " after the value");
        }
        return v;
    }

    private Object value(int depth) throws TorchFormatException {
        if (pos >= text.length()) {
            throw error("unexpected end of input, expected a value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected " + describeNext() + ", expected a value");
            }
        };
    }

    private Map<String, Object> object(int depth) throws TorchFormatException {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> out = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return out;
        }
        while (true) {
            if (peek() != '"') {
                throw error("unexpected " + describeNext() + ", expected a string key");
            }
            int keyStart = pos;
            String key = string();
            if (out.containsKey(key)) {
                pos = keyStart;
                throw error("duplicate key \"" + key + "\"");
            }
            skipWhitespace();
            expect(':');
            skipWhitespace();
            path.addLast(key);
            out.put(key, value(depth));
            path.removeLast();
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                pos--;
                throw error("unexpected " + describeNext() + ", expected ',' or '}'");
            }
            skipWhitespace();
        }
    }

    private List<Object> array(int depth) throws TorchFormatException {
        checkDepth(depth);
        pos++; // '['
        List<Object> out = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return out;
        }
        while (true) {
            path.addLast("[" + out.size() + "]");
            out.add(value(depth));
            path.removeLast();
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == ']') {
                return out;
            }
            if (c != ',') {
                pos--;
                throw error("unexpected " + describeNext() + ", expected ',' or ']'");
            }
            skipWhitespace();
        }
    }

    private String string() throws TorchFormatException {
        int start = pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                pos = start;
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("unescaped control character U+%04X in a string".formatted((int) c));
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) {
                continue; // reported as unterminated
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4();
                    if (Character.isHighSurrogate(u)) {
                        if (!text.startsWith("\\u", pos)) {
                            throw error("lone surrogate \\u%04X in a string".formatted((int) u));
                        }
                        pos += 2;
                        char low = hex4();
                        if (!Character.isLowSurrogate(low)) {
                            throw error("lone surrogate \\u%04X in a string".formatted((int) u));
                        }
                        sb.append(u).append(low);
                    } else if (Character.isLowSurrogate(u)) {
                        throw error("lone surrogate \\u%04X in a string".formatted((int) u));
                    } else {
                        sb.append(u);
                    }
                }
                default -> {
                    pos -= 2;
                    throw error("invalid escape \\" + e + " in a string");
                }
            }
        }
    }

    private char hex4() throws TorchFormatException {
        if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) {
                throw error("invalid \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() throws TorchFormatException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("invalid number");
        }
        boolean integer = true;
        if (peek() == '.') {
            pos++;
            integer = false;
            if (!isDigit(peek())) {
                throw error("invalid number: no digit after '.'");
            }
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            integer = false;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("invalid number: no digit in the exponent");
            }
            digits();
        }
        String s = text.substring(start, pos);
        if (!integer) {
            return Double.parseDouble(s);
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("integer " + s + " is out of range");
        }
    }

    private void digits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object v) throws TorchFormatException {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected " + describeNext() + ", expected a value");
        }
        pos += word.length();
        return v;
    }

    private void expect(char c) throws TorchFormatException {
        if (peek() != c) {
            throw error("unexpected " + describeNext() + ", expected '" + c + "'");
        }
        pos++;
    }

    private void checkDepth(int depth) throws TorchFormatException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    /** The next character, or U+0000 at the end (never valid where a token is expected). */
    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describeNext() {
        if (pos >= text.length()) {
            return "end of input";
        }
        char c = text.charAt(pos);
        return c >= 0x20 && c < 0x7F ? "'" + c + "'" : "U+%04X".formatted((int) c);
    }

    private TorchFormatException error(String message) {
        String where = path.isEmpty() ? "" : " (in " + String.join(".", path).replace(".[", "[") + ")";
        return new TorchFormatException("at character " + pos + where + ": " + message);
    }

    /**
     * Appends {@code s} as a JSON string, escaped as serde_json (the reference writer) and Python's
     * {@code json.dumps(ensure_ascii=False)} escape: {@code "} and {@code \}, control characters as {@code \n}-style
     * short forms or six-character u-escapes (backslash, u, 4 lowercase hex digits); everything else, non-ASCII
     * included, as is.
     */
    static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u%04x".formatted((int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
