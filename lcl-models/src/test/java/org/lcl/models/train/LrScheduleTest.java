package org.lcl.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void cosineWarmsUpLinearlyThenDecaysToZero() {
        LrSchedule s = new LrSchedule.Cosine(1.0, 4, 14);
        assertEquals(0.25, s.lr(0), 1e-12);
        assertEquals(1.0, s.lr(3), 1e-12);
        assertEquals(1.0, s.lr(4), 1e-12);           // e = 0: cos(0)
        assertEquals(0.5, s.lr(9), 1e-12);           // e = 5 of 10: cos(pi/2) = 0
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.9)), s.lr(13), 1e-12);
    }

    @Test
    void constHoldsAfterWarmup() {
        LrSchedule s = new LrSchedule.Const(2.0, 2);
        assertEquals(1.0, s.lr(0), 1e-12);
        assertEquals(2.0, s.lr(1), 1e-12);
        assertEquals(2.0, s.lr(1000), 1e-12);
    }

    @Test
    void constCooldownDecaysPolynomiallyToTheEndValue() {
        LrSchedule s = new LrSchedule.ConstCooldown(1.0, 2, 10, 4, 2.0, 0.1);
        assertEquals(0.5, s.lr(0), 1e-12);
        assertEquals(1.0, s.lr(5), 1e-12);           // before total - cooldown = 6
        assertEquals(1.0 * (1 - 0.0) * 0.9 + 0.1, s.lr(6), 1e-12);
        assertEquals(Math.pow(1 - 2.0 / 4, 2) * 0.9 + 0.1, s.lr(8), 1e-12);
    }

    @Test
    void factoryNamesAndErrors() {
        assertEquals(LrSchedule.Cosine.class, LrSchedule.of("cosine", 1, 1, 10, 0, 1, 0).getClass());
        var e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("linear", 1, 1, 10, 0, 1, 0));
        assertEquals(true, e.getMessage().contains("linear"));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("const-cooldown", 1, 1, 10, 0, 1, 0));
    }
}
