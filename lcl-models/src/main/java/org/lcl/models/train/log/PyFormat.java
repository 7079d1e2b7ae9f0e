package org.lcl.models.train.log;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Python's float format specs used by OpenCLIP's log line: {@code .Nf}, {@code g}/{@code #g}
 * with a precision, and a minimum width. Rounding works on the exact binary value with ties to
 * even, as CPython's correctly rounded dtoa does ({@code f"{2.5:.0f}" == '2'}), which
 * {@link String#format} (half-up) does not. NaN and infinities print as {@code nan},
 * {@code inf}, {@code -inf}; the sign of negative zero is kept.
 */
public final class PyFormat {

    private PyFormat() {}

    /** {@code f"{x:.{decimals}f}"}. */
    public static String fixed(double x, int decimals) {
        if (decimals < 0) {
            throw new IllegalArgumentException("decimals must be >= 0, got " + decimals);
        }
        String special = special(x);
        if (special != null) {
            return special;
        }
        return sign(x) + new BigDecimal(Math.abs(x)).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
    }

    /**
     * {@code f"{x:.{precision}g}"}, or {@code f"{x:#.{precision}g}"} when {@code alternate}: the
     * alternate form keeps trailing zeros and the decimal point ({@code f"{0.1:#.5g}" == '0.10000'}).
     * Python's rule: with exp the decimal exponent after rounding to {@code precision} significant
     * digits, fixed notation when -4 <= exp < precision, else {@code d.ddde+XX}.
     */
    public static String general(double x, int precision, boolean alternate) {
        if (precision < 0) {
            throw new IllegalArgumentException("precision must be >= 0, got " + precision);
        }
        String special = special(x);
        if (special != null) {
            return special;
        }
        int p = Math.max(precision, 1);
        BigDecimal abs = new BigDecimal(Math.abs(x));
        int exp = 0;
        if (abs.signum() != 0) {
            BigDecimal rounded = abs.round(new MathContext(p, RoundingMode.HALF_EVEN));
            exp = rounded.precision() - rounded.scale() - 1;
        }
        String body;
        if (exp >= -4 && exp < p) {
            body = abs.setScale(p - 1 - exp, RoundingMode.HALF_EVEN).toPlainString();
            body = trim(body, alternate);
        } else {
            String mantissa = abs.movePointLeft(exp).setScale(p - 1, RoundingMode.HALF_EVEN).toPlainString();
            mantissa = trim(mantissa, alternate);
            body = mantissa + (exp < 0 ? "e-" : "e+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        return sign(x) + body;
    }

    /** {@code f"{x:#g}"} (precision 6, alternate form), as in {@code {samples_per_second:#g}}. */
    public static String general(double x) {
        return general(x, 6, true);
    }

    /** Right-aligns {@code s} in {@code width} columns, as Python does for numbers. */
    public static String padLeft(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    private static String trim(String digits, boolean alternate) {
        if (alternate) {
            return digits.contains(".") ? digits : digits + ".";
        }
        if (!digits.contains(".")) {
            return digits;
        }
        int end = digits.length();
        while (digits.charAt(end - 1) == '0') {
            end--;
        }
        if (digits.charAt(end - 1) == '.') {
            end--;
        }
        return digits.substring(0, end);
    }

    private static String special(double x) {
        if (Double.isNaN(x)) {
            return "nan";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        return null;
    }

    private static String sign(double x) {
        return Double.doubleToRawLongBits(x) < 0 ? "-" : "";
    }
}
