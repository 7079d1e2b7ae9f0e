package org.lcl.models.data.mmc4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.lcl.models.data.tokenizer.SpecialTokens;

class ImageRunsTest {

    static final SpecialTokens SP = SpecialTokens.CLIP;
    static final int SOT = 49406;
    static final int EOT = 49407;
    static final int IMG = 49408;
    static final int SOI = 49409;
    static final int EOI = 49410;

    static long[] run(int[] ids, boolean... drop) {
        long[] out = new long[ids.length + 2];
        out[0] = -7; // the offset must be respected
        out[out.length - 1] = -7;
        ImageRuns.copyWithout(ids, drop, SP, 2, out, 1);
        return out;
    }

    @Test
    void dropsTheChosenRunsAndPads() {
        int[] ids = {SOT, 5, SOI, IMG, IMG, EOI, 6, SOI, IMG, IMG, EOI, 7, EOT, 0};
        assertArrayEquals(new long[] {-7, SOT, 5, 6, SOI, IMG, IMG, EOI, 7, EOT, 0, 0, 0, 0, 0, -7}, run(ids, true, false));
        assertArrayEquals(new long[] {-7, SOT, 5, SOI, IMG, IMG, EOI, 6, 7, EOT, 0, 0, 0, 0, 0, -7}, run(ids, false, true));
        assertArrayEquals(new long[] {-7, SOT, 5, 6, 7, EOT, 0, 0, 0, 0, 0, 0, 0, 0, 0, -7}, run(ids, true, true));
        assertArrayEquals(new long[] {-7, SOT, 5, SOI, IMG, IMG, EOI, 6, SOI, IMG, IMG, EOI, 7, EOT, 0, -7}, run(ids));
    }

    @Test
    void runWithoutEoiAtTheTruncationPoint() {
        int[] ids = {SOT, 5, SOI, IMG, IMG, EOT};
        assertArrayEquals(new long[] {-7, SOT, 5, EOT, 0, 0, 0, -7}, run(ids, true));
    }

    @Test
    void brokenRunIsAnError() {
        int[] ids = {SOT, SOI, IMG, 5, EOI, EOT};
        assertThrows(IllegalArgumentException.class, () -> run(ids, true));
    }
}
