package org.lcl.models.data.tokenizer;

/**
 * UTF-8 decoding as Python's {@code bytes.decode('utf-8', errors='replace')}: each maximal
 * subpart of an ill-formed sequence becomes one U+FFFD (the Unicode standard's recommended
 * practice). The JDK's decoder differs on some inputs (an encoded surrogate such as
 * {@code ED A0 80} is one U+FFFD there, three in Python).
 */
final class Utf8 {

    private Utf8() {
    }

    static String decode(byte[] b, int length) {
        var sb = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                sb.append('\uFFFD'); // continuation byte or C0, C1, F5..FF as a lead
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                int bk = j < length ? b[j] & 0xFF : -1;
                int min = k == 0 ? lo : 0x80;
                int max = k == 0 ? hi : 0xBF;
                if (bk < min || bk > max) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (bk & 0x3F);
            }
            if (ok) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\uFFFD'); // the maximal subpart i..j-1
            }
            i = j;
        }
        return sb.toString();
    }
}
