package org.lcl.models.data.webdataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Expected values follow Python's braceexpand (and bash) for the same patterns. */
class BraceExpansionTest {

    private static List<String> x(String p) {
        return BraceExpansion.expand(p);
    }

    @Test
    void noBracesIsTheNameItself() {
        assertEquals(List.of("/data/shard.tar"), x("/data/shard.tar"));
    }

    @Test
    void zeroPaddedRangeLikeLaion() {
        List<String> names = x("/laion/{00000..41455}.tar");
        assertEquals(41456, names.size());
        assertEquals("/laion/00000.tar", names.get(0));
        assertEquals("/laion/00042.tar", names.get(42));
        assertEquals("/laion/41455.tar", names.get(41455));
    }

    @Test
    void paddingOnlyWhenABoundHasALeadingZero() {
        assertEquals(List.of("8", "9", "10", "11"), x("{8..11}"));
        assertEquals(List.of("08", "09", "10", "11"), x("{08..11}"));
        assertEquals(List.of("001", "002", "003"), x("{1..003}"));
        assertEquals(List.of("0", "1", "2"), x("{0..2}")); // a lone 0 is not a leading zero
    }

    @Test
    void descendingStepsAndLetters() {
        assertEquals(List.of("3", "2", "1"), x("{3..1}"));
        assertEquals(List.of("0", "5", "10"), x("{0..10..5}"));
        assertEquals(List.of("10", "7", "4", "1"), x("{10..1..3}"));
        assertEquals(List.of("a", "b", "c"), x("{a..c}"));
        assertEquals(List.of("-1", "0", "1"), x("{-1..1}"));
    }

    @Test
    void listsAndSeveralGroupsRightmostFastest() {
        assertEquals(List.of("a.tar", "b.tar"), x("{a,b}.tar"));
        assertEquals(List.of("x/a1", "x/a2", "x/b1", "x/b2"), x("x/{a,b}{1..2}"));
        assertEquals(List.of("", "z"), x("{,z}"));
    }

    @Test
    void nesting() {
        assertEquals(List.of("ac", "b1c", "b2c"), x("{a,b{1..2}}c"));
        assertEquals(List.of("s/p-00.tar", "s/p-01.tar", "s/q.tar"), x("s/{p-{00..01},q}.tar"));
    }

    @Test
    void literalBracesStayAsTheyAre() {
        assertEquals(List.of("a{}b"), x("a{}b"));
        assertEquals(List.of("a{x}b"), x("a{x}b"));
        assertEquals(List.of("{1..3"), x("{1..3"));
        assertEquals(List.of("{ab}", "{ac}"), x("{a{b,c}}"));
        assertEquals(List.of("{1", "{2"), x("{{1,2}"));
        assertEquals(List.of("{a,b}"), x("\\{a,b\\}"));
        assertEquals(List.of("a,b", "c"), x("{a\\,b,c}"));
    }

    @Test
    void sourcesSplitOnDoubleColon() {
        assertEquals(List.of("a/{0..1}.tar", "b/c.tar"), ShardList.splitSources("a/{0..1}.tar::b/c.tar"));
        assertEquals(List.of("a/0.tar", "a/1.tar", "b/c.tar"), ShardList.expandNames("a/{0..1}.tar::b/c.tar"));
        assertEquals(List.of("x"), ShardList.splitSources("x"));
    }

    @Test
    void absurdRangesAreRefused() {
        assertThrows(WebDatasetException.class, () -> x("{0..99999999999}"));
    }
}
