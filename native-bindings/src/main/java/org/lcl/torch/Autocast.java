package org.lcl.torch;

import static org.lcl.torch.ThreadState.check;
import static org.lcl.torch.ffi.lcl_torch_h.*;

/**
 * Automatic mixed precision for one device type, as {@code torch.autocast(device_type, dtype)}:
 * a try-with-resources guard over libtorch's thread-local autocast state that restores the
 * previous state (enabled flag and dtype) when closed, and clears the cast cache on leaving the
 * outermost region.
 */
public final class Autocast implements AutoCloseable {

    static {
        NativeLibrary.ensureLoaded();
    }

    private final Device.Type type;
    private final boolean previousEnabled;
    private final int previousDtype;
    private boolean closed;

    private Autocast(Device.Type type, boolean enabled, DType dtype) {
        ThreadState.requirePlatformThread("autocast");
        this.type = type;
        ThreadState s = ThreadState.current();
        check(lcl_autocast_enabled(type.code(), s.intOut), "autocast");
        previousEnabled = s.intResult() != 0;
        check(lcl_autocast_dtype(type.code(), s.intOut), "autocast");
        previousDtype = s.intResult();
        if (dtype != null) {
            check(lcl_set_autocast_dtype(type.code(), dtype.code()), "autocast");
        }
        check(lcl_set_autocast_enabled(type.code(), enabled ? 1 : 0), "autocast");
        check(lcl_autocast_increment_nesting(s.longOut), "autocast");
    }

    /** Enables autocast to dtype (float16 or bfloat16) for ops on devices of the given type. */
    public static Autocast enable(Device.Type type, DType dtype) {
        if (dtype != DType.FLOAT16 && dtype != DType.BFLOAT16) {
            throw new IllegalArgumentException("autocast dtype must be float16 or bfloat16, got " + dtype);
        }
        return new Autocast(type, true, dtype);
    }

    /** Disables autocast inside an autocast region (e.g. for a loss computed in fp32). */
    public static Autocast disable(Device.Type type) {
        return new Autocast(type, false, null);
    }

    public static boolean isEnabled(Device.Type type) {
        ThreadState s = ThreadState.current();
        check(lcl_autocast_enabled(type.code(), s.intOut), "autocast");
        return s.intResult() != 0;
    }

    public static DType dtype(Device.Type type) {
        ThreadState s = ThreadState.current();
        check(lcl_autocast_dtype(type.code(), s.intOut), "autocast");
        return DType.fromCode(s.intResult());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ThreadState s = ThreadState.current();
        check(lcl_autocast_decrement_nesting(s.longOut), "autocast");
        if (s.longResult() == 0) {
            check(lcl_autocast_clear_cache(), "autocast");
        }
        check(lcl_set_autocast_enabled(type.code(), previousEnabled ? 1 : 0), "autocast");
        check(lcl_set_autocast_dtype(type.code(), previousDtype), "autocast");
    }
}
