package org.lcl.models.data.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Python's {@code html.unescape}, character for character: numeric references (decimal and
 * hexadecimal, the ';' optional), the HTML5 named references (with and without ';' as the
 * standard lists them, and the longest-prefix rule for names without ';', so {@code "&ampx"}
 * gives {@code "&x"}), the replacement of the references the standard calls invalid.
 *
 * <p>The tables come from Python's {@code html} module through the resource
 * {@code html5_entities.txt}, written by {@code lcl-models/src/test/python/gen_html5_entities.py}.
 * One deliberate difference: Python's {@code int()} refuses decimal strings over 4300 digits
 * (Python 3.11+), so {@code html.unescape} raises on {@code "&#"} followed by that many digits;
 * here such a reference, like every one above U+10FFFF, gives U+FFFD.
 */
public final class HtmlUnescape {

    private static final String RESOURCE = "html5_entities.txt";
    /** Python's {@code [^\t\n\f <&#;]{1,32}}: at most 32 code points in a name. */
    private static final int MAX_NAME = 32;

    private static final Map<String, String> HTML5 = new HashMap<>(4096);
    private static final Map<Integer, String> INVALID_CHARREFS = new HashMap<>();
    private static final Set<Integer> INVALID_CODEPOINTS = new HashSet<>();

    static {
        try (InputStream in = HtmlUnescape.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE + " next to " + HtmlUnescape.class.getName());
            }
            var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String section = "";
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("[")) {
                    section = line;
                    continue;
                }
                switch (section) {
                    case "[invalid_charrefs]" -> {
                        int tab = line.indexOf('\t');
                        INVALID_CHARREFS.put(Integer.parseInt(line.substring(0, tab), 16), codePoints(line.substring(tab + 1)));
                    }
                    case "[invalid_codepoints]" -> INVALID_CODEPOINTS.add(Integer.parseInt(line.trim(), 16));
                    case "[html5]" -> {
                        int tab = line.indexOf('\t');
                        HTML5.put(line.substring(0, tab), codePoints(line.substring(tab + 1)));
                    }
                    default -> throw new IllegalStateException("bad line in " + RESOURCE + ": " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    private HtmlUnescape() {
    }

    private static String codePoints(String hexList) {
        var sb = new StringBuilder();
        for (String h : hexList.trim().split(" ")) {
            sb.appendCodePoint(Integer.parseInt(h, 16));
        }
        return sb.toString();
    }

    /** Number of named references in the table (2231 for Python's {@code html.entities.html5}). */
    static int namedCount() {
        return HTML5.size();
    }

    /** Python's {@code html.unescape(s)}. */
    public static String unescape(String s) {
        int amp = s.indexOf('&');
        if (amp < 0) {
            return s;
        }
        int n = s.length();
        var out = new StringBuilder(n);
        int copied = 0;
        for (int i = amp; i >= 0 && i < n; i = s.indexOf('&', i)) {
            // i is at an '&'; try the three alternatives of html's _charref pattern in order
            int end = -1;
            String replacement = null;
            int p = i + 1;
            if (p < n && s.charAt(p) == '#') {
                int q = p + 1;
                if (q < n && isDigit(s.charAt(q))) {                       // #[0-9]+;?
                    int d = q;
                    while (d < n && isDigit(s.charAt(d))) {
                        d++;
                    }
                    replacement = numeric(s, q, d, 10);
                    end = d < n && s.charAt(d) == ';' ? d + 1 : d;
                } else if (q + 1 < n && (s.charAt(q) == 'x' || s.charAt(q) == 'X') && isHex(s.charAt(q + 1))) { // #[xX][0-9a-fA-F]+;?
                    int d = q + 1;
                    while (d < n && isHex(s.charAt(d))) {
                        d++;
                    }
                    replacement = numeric(s, q + 1, d, 16);
                    end = d < n && s.charAt(d) == ';' ? d + 1 : d;
                }
                // '#' cannot start a name: no match
            } else {
                int d = p;
                int count = 0;
                while (d < n && count < MAX_NAME) {
                    char c = s.charAt(d);
                    if (c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == '#' || c == ';') {
                        break;
                    }
                    d += Character.isHighSurrogate(c) && d + 1 < n && Character.isLowSurrogate(s.charAt(d + 1)) ? 2 : 1;
                    count++;
                }
                if (count > 0) {
                    end = d < n && s.charAt(d) == ';' ? d + 1 : d;
                    replacement = named(s.substring(p, end));
                }
            }
            if (end < 0) {
                i++;
                continue;
            }
            out.append(s, copied, i).append(replacement);
            copied = end;
            i = end;
        }
        out.append(s, copied, n);
        return out.toString();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** html._replace_charref for a numeric reference whose digits are s[from, to). */
    private static String numeric(String s, int from, int to, int radix) {
        // skip leading zeros, then anything longer than 8 significant digits is above 0x10FFFF
        while (from < to - 1 && s.charAt(from) == '0') {
            from++;
        }
        long num = to - from > 8 ? Long.MAX_VALUE : Long.parseLong(s.substring(from, to), radix);
        if (num <= Integer.MAX_VALUE) {
            String invalid = INVALID_CHARREFS.get((int) num);
            if (invalid != null) {
                return invalid;
            }
        }
        if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
            return "\uFFFD";
        }
        if (INVALID_CODEPOINTS.contains((int) num)) {
            return "";
        }
        return Character.toString((int) num);
    }

    /** html._replace_charref for a name (the text after '&', with its ';' if any). */
    private static String named(String name) {
        String value = HTML5.get(name);
        if (value != null) {
            return value;
        }
        // the longest prefix of at least 2 chars (Python counts code points) that is a name
        int[] cps = name.codePoints().toArray();
        for (int x = cps.length - 1; x > 1; x--) {
            String prefix = new String(cps, 0, x);
            value = HTML5.get(prefix);
            if (value != null) {
                return value + new String(cps, x, cps.length - x);
            }
        }
        return "&" + name;
    }
}
