package org.lcl.models.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** HtmlUnescape against Python 3.11's html.unescape (expected values computed with it). */
class HtmlUnescapeTest {

    private static final String[][] CASES = {
        {"&amp;", "&"},
        {"&amp", "&"},
        {"&ampx", "&x"},
        {"&AMP;", "&"},
        {"&amp;amp;", "&amp;"},
        {"&lt;&gt;&quot;&#39;", "<>\"'"},
        {"&#65;&#x42;&#X43", "ABC"},
        {"&#0;", "\ufffd"},
        {"&#128;", "\u20ac"},
        {"&#x80;", "\u20ac"},
        {"&#xD800;", "\ufffd"},
        {"&#1114112;", "\ufffd"},
        {"&#1;", ""},
        {"&#x1F642;", "\ud83d\ude42"},
        {"&notit;", "\u00acit;"},
        {"&notin;", "\u2209"},
        {"&not", "\u00ac"},
        {"&no", "&no"},
        {"&#;", "&#;"},
        {"&#x;", "&#x;"},
        {"& amp;", "& amp;"},
        {"&&amp;", "&&"},
        {"&abcdefghijklmnopqrstuvwxyzabcdefgh;", "&abcdefghijklmnopqrstuvwxyzabcdefgh;"},
        {"&ThickSpace;", "\u205f\u200a"},
        {"&nbsp;x", "\u00a0x"},
        {"&Aacute", "\u00c1"},
        {"&aacute;", "\u00e1"},
        {"&0;", "&0;"},
        {"a & b", "a & b"},
        {"&#00000000000065;", "A"},
        {"&#x00000000041", "A"},
        {"&#99999999999999999;", "\ufffd"},
        {"&acirc;&Acirc", "\u00e2\u00c2"},
        {"&unknown;", "&unknown;"},
        {"&ampamp;", "&amp;"},
        {"&\u00e9;", "&\u00e9;"},
        {"&lt\u00e9", "<\u00e9"},
        {"&#13;", "\r"},
        {"&#x9F;", "\u0178"},
        {"&#xFFFE;", ""},
        {"&#x10FFFF;", ""},
    };

    @Test
    void matchesPython() {
        for (String[] c : CASES) {
            assertEquals(c[1], HtmlUnescape.unescape(c[0]), "unescape(" + c[0] + ")");
        }
    }

    @Test
    void fullTableLoaded() {
        assertEquals(2231, HtmlUnescape.namedCount());
    }

    @Test
    void noAmpersandReturnsTheSameString() {
        String s = "plain text";
        assertSame(s, HtmlUnescape.unescape(s));
    }
}
