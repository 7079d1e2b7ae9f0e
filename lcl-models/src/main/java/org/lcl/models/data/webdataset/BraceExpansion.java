package org.lcl.models.data.webdataset;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brace expansion as Python's {@code braceexpand} (which WebDataset and OpenCLIP use) and bash
 * do it: lists {@code {a,b,c}}, integer ranges {@code {0..9}}, {@code {00000..41455}}
 * (zero-padded to the wider bound when a bound has a leading zero), ranges with a step
 * {@code {0..10..2}}, descending ranges {@code {3..1}}, letter ranges {@code {a..e}}, nesting
 * {@code {a,b{1..2}}} and several groups (expanded left to right, the rightmost varying
 * fastest). A backslash escapes the next character; {@code {}}, {@code {x}} and unmatched
 * braces stay literal.
 */
public final class BraceExpansion {

    /** Refuse patterns that expand to more names than this (a typo like {0..999999999}). */
    public static final int MAX_EXPANSIONS = 10_000_000;

    private static final Pattern INT_RANGE = Pattern.compile("^(-?\\d+)\\.\\.(-?\\d+)(?:\\.\\.-?(\\d+))?$");
    private static final Pattern CHAR_RANGE = Pattern.compile("^([A-Za-z])\\.\\.([A-Za-z])(?:\\.\\.-?(\\d+))?$");

    private BraceExpansion() {
    }

    /** All names the pattern expands to, in order. */
    public static List<String> expand(String pattern) {
        List<String> out = new ArrayList<>();
        expandInto(pattern, out);
        return out;
    }

    private static void expandInto(String s, List<String> out) {
        int from = 0;
        while (true) {
            int open = nextUnescaped(s, '{', from);
            if (open < 0) {
                add(out, unescape(s));
                return;
            }
            int close = matchingClose(s, open);
            if (close < 0) {
                from = open + 1; // unmatched: literal
                continue;
            }
            String inner = s.substring(open + 1, close);
            List<String> alternatives = splitTopLevelCommas(inner);
            List<String> items;
            if (alternatives.size() > 1) {
                items = new ArrayList<>();
                for (String alt : alternatives) {
                    expandInto(alt, items);
                }
            } else {
                items = sequence(inner);
                if (items == null) {
                    from = open + 1; // {x} or {}: literal braces, the inside may still expand
                    continue;
                }
            }
            String prefix = unescape(s.substring(0, open));
            List<String> suffixes = expand(s.substring(close + 1));
            for (String item : items) {
                for (String suffix : suffixes) {
                    add(out, prefix + item + suffix);
                }
            }
            return;
        }
    }

    private static void add(List<String> out, String s) {
        if (out.size() >= MAX_EXPANSIONS) {
            throw new WebDatasetException("brace pattern expands to more than " + MAX_EXPANSIONS + " names");
        }
        out.add(s);
    }

    private static int nextUnescaped(String s, char c, int from) {
        for (int i = from; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\') {
                i++;
            } else if (ch == c) {
                return i;
            }
        }
        return -1;
    }

    private static int matchingClose(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\') {
                i++;
            } else if (ch == '{') {
                depth++;
            } else if (ch == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static List<String> splitTopLevelCommas(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\') {
                i++;
            } else if (ch == '{') {
                depth++;
            } else if (ch == '}') {
                depth--;
            } else if (ch == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** The items of a range {@code a..b[..step]}, or null when inner is not a range. */
    private static List<String> sequence(String inner) {
        Matcher m = INT_RANGE.matcher(inner);
        if (m.matches()) {
            String left = m.group(1);
            String right = m.group(2);
            int width = 0;
            for (String bound : new String[] {left, right}) {
                if (!bound.equals("0") && !bound.equals("-0") && (bound.startsWith("0") || bound.startsWith("-0"))) {
                    width = Math.max(left.length(), right.length());
                }
            }
            long start = Long.parseLong(left);
            long end = Long.parseLong(right);
            long step = step(m.group(3));
            checkCount(Math.abs(end - start) / step + 1);
            String format = width > 0 ? "%0" + width + "d" : "%d";
            List<String> items = new ArrayList<>();
            if (start <= end) {
                for (long i = start; i <= end; i += step) {
                    items.add(String.format(format, i));
                }
            } else {
                for (long i = start; i >= end; i -= step) {
                    items.add(String.format(format, i));
                }
            }
            return items;
        }
        m = CHAR_RANGE.matcher(inner);
        if (m.matches()) {
            char start = m.group(1).charAt(0);
            char end = m.group(2).charAt(0);
            long step = step(m.group(3));
            List<String> items = new ArrayList<>();
            if (start <= end) {
                for (int c = start; c <= end; c += (int) step) {
                    items.add(String.valueOf((char) c));
                }
            } else {
                for (int c = start; c >= end; c -= (int) step) {
                    items.add(String.valueOf((char) c));
                }
            }
            return items;
        }
        return null;
    }

    private static long step(String group) {
        if (group == null) {
            return 1;
        }
        long step = Long.parseLong(group);
        return step == 0 ? 1 : Math.min(step, Integer.MAX_VALUE);
    }

    private static void checkCount(long n) {
        if (n > MAX_EXPANSIONS) {
            throw new WebDatasetException("brace range expands to " + n + " names (more than " + MAX_EXPANSIONS + ")");
        }
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length()) {
                b.append(s.charAt(++i));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
