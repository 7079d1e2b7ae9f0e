package org.lcl.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Ownership of tensors by scopes: closing, nesting, moving out, keeping, misuse. */
class ScopeTest {

    @AfterEach
    void noScopeLeftOpen() {
        Scope s = Scope.current();
        // Close whatever a failing test left open so that later tests on this thread start clean.
        while (Scope.current() != null) {
            Scope.current().close();
        }
        assertNull(s, "a test left a scope open");
    }

    @Test
    void tensorsCreatedInAScopeAreClosedWithIt() {
        Tensor a;
        Tensor b;
        Tensor c;
        try (Scope scope = Scope.open()) {
            assertSame(scope, Scope.current());
            a = Torch.ones(2, 3);
            b = a.mul(2.0);
            c = b.sum();
            assertSame(scope, a.scope());
            assertSame(scope, c.scope());
            assertEquals(3, scope.size());
            assertEquals(12.0, c.item());
            assertFalse(a.isClosed());
            assertFalse(scope.isClosed());
        }
        assertNull(Scope.current());
        assertTrue(a.isClosed());
        assertTrue(b.isClosed());
        assertTrue(c.isClosed());
        assertNull(a.scope());
    }

    @Test
    void nestedScopesOwnTheirOwnTensors() {
        try (Scope outer = Scope.open()) {
            Tensor x = Torch.ones(4);
            Tensor y;
            try (Scope inner = Scope.open()) {
                assertSame(outer, inner.parent());
                assertSame(inner, Scope.current());
                y = x.add(1.0);
                assertSame(inner, y.scope());
                assertEquals(1, inner.size());
                assertEquals(1, outer.size());
            }
            assertSame(outer, Scope.current());
            assertTrue(y.isClosed());
            assertFalse(x.isClosed(), "the inner scope must not free the outer scope's tensors");
            assertEquals(4.0, x.sum().item());
        }
    }

    @Test
    void moveOutHandsATensorToTheEnclosingScope() {
        try (Scope outer = Scope.open()) {
            Tensor kept;
            Tensor dropped;
            try (Scope inner = Scope.open()) {
                dropped = Torch.arange(5);
                kept = dropped.mul(dropped).moveOut();
                assertSame(outer, kept.scope());
                assertEquals(1, inner.size());
                assertEquals(1, outer.size());
            }
            assertTrue(dropped.isClosed());
            assertFalse(kept.isClosed());
            assertArrayEquals(new long[] {0, 1, 4, 9, 16}, kept.toLongArray());
        }
    }

    @Test
    void moveOutOfTheOutermostScopeGivesACallerOwnedTensor() {
        Tensor t;
        try (Scope only = Scope.open()) {
            t = Torch.full(7.0, 3).moveOut();
            assertNull(t.scope());
            assertEquals(0, only.size());
        }
        assertFalse(t.isClosed());
        assertEquals(21.0, t.sum().item() /* caller-owned result, Cleaner-backed */);
        // moveOut of a caller-owned tensor is a no-op
        assertSame(t, t.moveOut());
        assertNull(t.scope());
        t.close();
        assertTrue(t.isClosed());
    }

    @Test
    void moveToPutsATensorInAnyOpenScopeOfTheThread() {
        Tensor callerOwned = Torch.ones(2);
        try (Scope outer = Scope.open()) {
            Tensor a;
            try (Scope inner = Scope.open()) {
                a = Torch.zeros(3);
                // scope to scope: inner → outer
                assertSame(a, a.moveTo(outer));
                assertSame(outer, a.scope());
                assertEquals(0, inner.size());
                // caller-owned → scope
                callerOwned.moveTo(inner);
                assertSame(inner, callerOwned.scope());
                // moving to the scope that already owns it changes nothing
                callerOwned.moveTo(inner);
                assertEquals(1, inner.size());
            }
            assertTrue(callerOwned.isClosed(), "a caller-owned tensor moved into a scope is freed with it");
            assertFalse(a.isClosed());
            assertEquals(1, outer.size());
        }
    }

    @Test
    void moveToAClosedScopeThrows() {
        Scope closed = Scope.open();
        closed.close();
        try (Scope s = Scope.open()) {
            Tensor t = Torch.ones(1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.moveTo(closed));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertSame(s, t.scope());
        }
    }

    @Test
    void keepTakesATensorOutOfEveryScope() {
        Tensor param;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                param = Torch.randn(4, 4).keep();
                assertNull(param.scope());
                assertEquals(0, inner.size());
            }
            assertEquals(0, outer.size());
        }
        assertFalse(param.isClosed());
        assertArrayEquals(new long[] {4, 4}, param.shape());
        param.close();
        assertTrue(param.isClosed());
    }

    @Test
    void closingATensorEarlyInsideAScopeFreesItOnceAndLeavesTheRest() {
        try (Scope scope = Scope.open()) {
            Tensor a = Torch.ones(8);
            Tensor b = Torch.ones(8);
            assertEquals(2, scope.size());
            a.close();
            assertTrue(a.isClosed());
            assertNull(a.scope());
            assertEquals(1, scope.size());
            assertFalse(b.isClosed());
            // closing it again, and then the scope closing, must both be harmless
            a.close();
            assertEquals(1, scope.size());
        }
    }

    @Test
    void aSecondCloseIsHarmless() {
        Tensor t = Torch.ones(3);
        t.close();
        t.close();
        assertTrue(t.isClosed());

        Scope s = Scope.open();
        Tensor u = Torch.ones(3);
        s.close();
        s.close();
        assertTrue(s.isClosed());
        assertTrue(u.isClosed());
        u.close();
        assertNull(Scope.current());
    }

    @Test
    void useAfterCloseThrowsIllegalStateWithAClearMessage() {
        Tensor t = Torch.ones(2, 2);
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, t::shape);
        assertTrue(e.getMessage().contains("tensor is closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> t.add(1.0));
        assertThrows(IllegalStateException.class, t::item);
        assertThrows(IllegalStateException.class, t::moveOut);
        assertThrows(IllegalStateException.class, t::keep);
        assertEquals("tensor(<closed>)", t.toString());
        try (Scope s = Scope.open()) {
            Tensor live = Torch.ones(2, 2);
            // a closed tensor as an argument fails the same way, before reaching native code
            IllegalStateException e2 = assertThrows(IllegalStateException.class, () -> live.add(t));
            assertTrue(e2.getMessage().contains("tensor is closed"), e2.getMessage());
            assertThrows(IllegalStateException.class, () -> t.moveTo(s));
        }
        Tensor scoped;
        try (Scope s = Scope.open()) {
            scoped = Torch.ones(1);
        }
        IllegalStateException e3 = assertThrows(IllegalStateException.class, scoped::item);
        assertTrue(e3.getMessage().contains("scope closed"), e3.getMessage());
    }

    @Test
    void closingScopesOutOfOrderThrowsAndLeavesThemUsable() {
        Scope outer = Scope.open();
        Scope inner = Scope.open();
        Tensor t = Torch.ones(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("reverse order"), e.getMessage());
        assertFalse(outer.isClosed());
        assertSame(inner, Scope.current());
        assertFalse(t.isClosed());
        inner.close();
        outer.close();
        assertTrue(t.isClosed());
        assertNull(Scope.current());
    }

    @Test
    void closingAScopeFromAnotherThreadThrows() throws Exception {
        Scope scope = Scope.open();
        Tensor t = Torch.ones(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                scope.close();
            } catch (Throwable x) {
                failure.set(x);
            }
        }, "intruder");
        other.start();
        other.join();
        assertTrue(failure.get() instanceof IllegalStateException, String.valueOf(failure.get()));
        assertTrue(failure.get().getMessage().contains("thread that opened it"), failure.get().getMessage());
        assertFalse(scope.isClosed());
        assertFalse(t.isClosed());
        assertSame(scope, Scope.current());
        scope.close();
        assertTrue(t.isClosed());
    }

    @Test
    void scopesAreThreadConfined() throws Exception {
        try (Scope mine = Scope.open()) {
            AtomicReference<Scope> seen = new AtomicReference<>(mine);
            AtomicReference<Tensor> made = new AtomicReference<>();
            Thread other = new Thread(() -> {
                seen.set(Scope.current());
                made.set(Torch.ones(1));
            });
            other.start();
            other.join();
            assertNull(seen.get(), "another thread must not see this thread's scope");
            assertNull(made.get().scope(), "a tensor made on a thread without a scope is caller-owned");
            assertEquals(0, mine.size());
            made.get().close();
        }
    }

    @Test
    void manyEarlyClosedTensorsDoNotGrowAScope() throws Exception {
        try (Scope scope = Scope.open()) {
            Tensor keep = Torch.ones(1);
            for (int i = 0; i < 100_000; i++) {
                Tensor t = keep.add(1.0);
                t.close();
            }
            assertEquals(1, scope.size());
            // The slot array is compacted rather than grown when closed tensors free its slots.
            Field f = Scope.class.getDeclaredField("tensors");
            f.setAccessible(true);
            int capacity = ((Tensor[]) f.get(scope)).length;
            assertTrue(capacity <= 64, "slot array grew to " + capacity + " for 1 live tensor");
        }
    }

    @Test
    void scopesOpenedOneAfterAnotherShareNoTensors() {
        // A closed scope's slot array is reused by the next scope on the thread: it must start
        // empty, and the earlier scope's tensors must stay closed whatever the later one does.
        List<Tensor> first = new ArrayList<>();
        try (Scope a = Scope.open()) {
            for (int i = 0; i < 20; i++) {
                first.add(Torch.scalar(i));
            }
            try (Scope inner = Scope.open()) {
                Torch.scalar(-1);
                assertEquals(1, inner.size());
            }
            assertEquals(20, a.size());
        }
        assertTrue(first.stream().allMatch(Tensor::isClosed));
        try (Scope b = Scope.open()) {
            assertEquals(0, b.size());
            Tensor x = Torch.scalar(7);
            Tensor y = x.add(1L);
            assertEquals(2, b.size());
            try (Scope c = Scope.open()) {
                assertEquals(0, c.size());
                Torch.scalar(9);
            }
            assertEquals(8.0, y.item());
            assertEquals(2, b.size());
            first.get(3).close();
            assertEquals(2, b.size());
        }
    }

    @Test
    void aScopeHoldingManyLiveTensorsFreesThemAll() {
        List<Tensor> all = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            for (int i = 0; i < 1000; i++) {
                Tensor t = Torch.scalar(i);
                all.add(t);
                if (i % 3 == 0) {
                    t.close();
                }
            }
            assertEquals(1000 - 334, scope.size());
        }
        assertTrue(all.stream().allMatch(Tensor::isClosed));
    }

    @Test
    void unscopedTensorsWorkAndCloseCleanly() {
        assertNull(Scope.current());
        Tensor a = Torch.ones(3, 3);
        Tensor b = a.matmul(a);
        assertNull(b.scope());
        assertEquals(27.0, b.sum().item());
        Tensor shared = b.share();
        b.close();
        // the shared handle keeps the tensor alive after the first handle is closed
        assertEquals(27.0, shared.sum().item());
        shared.close();
        a.close();
        assertTrue(a.isClosed() && b.isClosed() && shared.isClosed());
    }

    /**
     * The Cleaner backstop: unclosed caller-owned tensors that become unreachable are freed after
     * garbage collection. 100 unclosed 4 MiB tensors would keep 400 MiB resident if nothing freed
     * them; with the Cleaner (and System.gc()) the growth stays far below that. Not fully
     * deterministic (GC timing), hence the generous bound and repeated GCs.
     */
    @Test
    void cleanerFreesUnreachableCallerOwnedTensors() throws Exception {
        assertNull(Scope.current());
        gcAndWait();
        long before = rssKb();
        for (int i = 0; i < 100; i++) {
            Tensor t = Torch.ones(1024, 1024); // 4 MiB, touched; never closed
            assertEquals(1.0, t.select(0, 0).select(0, 0).item());
            if (i % 10 == 9) {
                gcAndWait();
            }
        }
        gcAndWait();
        long after = rssKb();
        long growthMb = (after - before) / 1024;
        System.out.printf("ScopeTest cleaner: RSS before %d MB, after 100 unclosed 4 MiB tensors %d MB (growth %d MB)%n",
                before / 1024, after / 1024, growthMb);
        assertTrue(growthMb < 200, "RSS grew by " + growthMb + " MB: the Cleaner does not free unclosed tensors");
    }

    private static void gcAndWait() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
