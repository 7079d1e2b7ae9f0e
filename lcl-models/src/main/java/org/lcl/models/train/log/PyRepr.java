package org.lcl.models.train.log;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Python's {@code str()} of argparse values, so {@code params.txt} reads as OpenCLIP's:
 * {@code None}, {@code True}/{@code False}, floats in {@code repr} form ({@code 0.0005},
 * {@code 1e-06}, {@code 32.0}), strings bare at top level but quoted inside lists
 * ({@code ['a', 'b']}), maps as dicts. Other objects print with {@code toString()}.
 */
final class PyRepr {

    private PyRepr() {}

    /** {@code str(value)}. */
    static String str(Object value) {
        return value instanceof CharSequence s ? s.toString() : repr(value);
    }

    /** {@code repr(value)}. */
    static String repr(Object value) {
        return switch (value) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case Double d -> floatRepr(d);
            case Float f -> floatRepr(f.doubleValue());
            case CharSequence s -> stringRepr(s.toString());
            case Collection<?> c -> join(c, "[", "]");
            case Object[] a -> join(java.util.Arrays.asList(a), "[", "]");
            case Map<?, ?> m -> {
                StringJoiner j = new StringJoiner(", ", "{", "}");
                m.forEach((k, v) -> j.add(repr(k) + ": " + repr(v)));
                yield j.toString();
            }
            case Enum<?> e -> e.name();
            default -> value.toString();
        };
    }

    /**
     * Python's float repr: the shortest digits that round-trip (which {@link Double#toString}
     * also yields, JDK 19+), fixed notation for decimal exponents -4..15, else {@code 1e-05}.
     */
    static String floatRepr(double x) {
        if (Double.isNaN(x)) {
            return "nan";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        String sign = Double.doubleToRawLongBits(x) < 0 ? "-" : "";
        if (x == 0) {
            return sign + "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(Math.abs(x))).stripTrailingZeros();
        // Double.toString may give two digits where one round-trips too (4.9E-324, Python 5e-324).
        if (shortest.precision() == 2) {
            BigDecimal one = shortest.round(new MathContext(1, RoundingMode.HALF_EVEN));
            if (one.doubleValue() == Math.abs(x)) {
                shortest = one.stripTrailingZeros();
            }
        }
        int exp = shortest.precision() - shortest.scale() - 1;
        if (exp >= -4 && exp < 16) {
            String plain = shortest.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String digits = shortest.unscaledValue().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + (exp < 0 ? "e-" : "e+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    /** Python's string repr: single quotes unless the text has ' and no ". */
    static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder(s.length() + 2).append(quote);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\').append(c);
                    } else if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append(quote).toString();
    }

    private static String join(Collection<?> items, String open, String close) {
        StringJoiner j = new StringJoiner(", ", open, close);
        items.forEach(v -> j.add(repr(v)));
        return j.toString();
    }
}
