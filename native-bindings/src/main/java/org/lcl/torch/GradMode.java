package org.lcl.torch;

import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_grad_enabled;
import static org.lcl.torch.ffi.lcl_torch_h.lcl_set_grad_enabled;

/**
 * libtorch's thread-local grad mode as try-with-resources guards ({@code torch.no_grad()},
 * {@code torch.enable_grad()}); closing a guard restores the mode it found.
 */
public final class GradMode implements AutoCloseable {

    static {
        NativeLibrary.ensureLoaded();
    }

    private final boolean previous;
    private boolean closed;

    private GradMode(boolean enabled) {
        ThreadState.requirePlatformThread("grad mode");
        previous = isEnabled();
        set(enabled);
    }

    /** Disables gradient recording on this thread until closed. */
    public static GradMode noGrad() {
        return new GradMode(false);
    }

    /** Enables gradient recording on this thread until closed. */
    public static GradMode enableGrad() {
        return new GradMode(true);
    }

    public static boolean isEnabled() {
        ThreadState s = ThreadState.current();
        check(lcl_grad_enabled(s.intOut), "is_grad_enabled");
        return s.intResult() != 0;
    }

    private static void set(boolean enabled) {
        check(lcl_set_grad_enabled(enabled ? 1 : 0), "set_grad_enabled");
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            set(previous);
        }
    }
}
