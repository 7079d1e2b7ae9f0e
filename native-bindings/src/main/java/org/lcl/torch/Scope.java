package org.lcl.torch;

import java.util.Arrays;

/**
 * A region that owns every tensor created inside it on its thread, and frees them all when it
 * closes: native (and GPU) memory is released at a known point, never by the garbage collector.
 *
 * <pre>{@code
 * try (Scope step = Scope.open()) {
 *     Tensor loss = model.forward(x).crossEntropy(y);
 *     loss.backward();
 *     metrics = loss.detach().moveOut();   // survives into the enclosing scope
 * }                                         // every other tensor of the step is freed here
 * }</pre>
 *
 * Scopes nest per thread and must close in reverse order of opening, on the thread that opened
 * them. A tensor leaves its scope with {@link Tensor#moveOut()} (to the enclosing scope),
 * {@link Tensor#moveTo(Scope)} or {@link Tensor#keep()} (long-lived: its owner closes it).
 */
public final class Scope implements AutoCloseable {

    private static final Tensor[] NO_SLOTS = new Tensor[0];

    private final ThreadState state;
    private final Scope parent;
    /** Slots of the owned tensors; taken from, and given back to, the thread's spare on open and close. */
    private Tensor[] tensors;
    private int size;
    private boolean closed;

    private Scope(ThreadState state, Scope parent) {
        this.state = state;
        this.parent = parent;
        this.tensors = state.takeSlots();
    }

    /** Opens a scope nested in the current thread's innermost scope. */
    public static Scope open() {
        ThreadState s = ThreadState.current();
        Scope scope = new Scope(s, s.scope);
        s.scope = scope;
        return scope;
    }

    /** The innermost open scope of the calling thread, or null when none is open. */
    public static Scope current() {
        return ThreadState.current().scope;
    }

    /** The scope this one is nested in, or null. */
    public Scope parent() {
        return parent;
    }

    /** Number of live tensors this scope owns. */
    public int size() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (tensors[i] != null) {
                n++;
            }
        }
        return n;
    }

    public boolean isClosed() {
        return closed;
    }

    void add(Tensor t) {
        if (size == tensors.length) {
            compactOrGrow();
        }
        t.owner = this;
        t.slot = size;
        tensors[size++] = t;
    }

    void remove(Tensor t) {
        if (t.owner == this && t.slot < size && tensors[t.slot] == t) {
            tensors[t.slot] = null;
        }
        t.owner = null;
    }

    /** Reuses the slots of tensors closed early before growing (long loops in one scope). */
    private void compactOrGrow() {
        int live = 0;
        for (int i = 0; i < size; i++) {
            Tensor t = tensors[i];
            if (t != null) {
                t.slot = live;
                tensors[live++] = t;
            }
        }
        Arrays.fill(tensors, live, size, null);
        size = live;
        if (size > tensors.length / 2) {
            tensors = Arrays.copyOf(tensors, Math.max(8, tensors.length * 2));
        }
    }

    /** Frees every tensor still owned by this scope, newest first. A second close does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != state.thread) {
            throw new IllegalStateException("a scope must be closed by the thread that opened it (" + state.thread.getName() + ")");
        }
        if (state.scope != this) {
            throw new IllegalStateException("scopes must be closed in reverse order of opening: an inner scope is still open");
        }
        closed = true;
        state.scope = parent;
        for (int i = size - 1; i >= 0; i--) {
            Tensor t = tensors[i];
            if (t != null) {
                tensors[i] = null;
                t.owner = null;
                t.free();
            }
        }
        size = 0;
        // Every slot is null now: the next scope opened on this thread reuses the array.
        Tensor[] slots = tensors;
        tensors = NO_SLOTS;
        state.giveBackSlots(slots);
    }

    boolean isOwnedByCurrentThread() {
        return Thread.currentThread() == state.thread;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("scope is closed");
        }
    }
}
