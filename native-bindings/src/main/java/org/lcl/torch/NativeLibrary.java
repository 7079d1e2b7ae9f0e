package org.lcl.torch;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Loads {@code liblcl_torch.so} once, from an absolute path: the system property
 * {@code lcl.torch.library}, else the environment variable {@code LCL_TORCH_LIBRARY}, else the
 * build output beside these classes ({@code native-bindings/target/native/}).
 */
public final class NativeLibrary {

    private static volatile Path loaded;

    private NativeLibrary() {}

    /** Loads the library if it is not loaded yet; throws a clear error when it cannot be found. */
    public static void ensureLoaded() {
        if (loaded == null) {
            load();
        }
    }

    /** The path the library was loaded from. */
    public static Path path() {
        ensureLoaded();
        return loaded;
    }

    /** The build's description of the libtorch it was linked against (version, lib dir, CUDA). */
    public static Properties buildInfo() {
        Properties p = new Properties();
        Path info = path().resolveSibling("build-info.properties");
        if (Files.isRegularFile(info)) {
            try (InputStream in = Files.newInputStream(info)) {
                p.load(in);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read " + info, e);
            }
        }
        return p;
    }

    private static synchronized void load() {
        if (loaded != null) {
            return;
        }
        Path path = locate();
        if (!Files.isRegularFile(path)) {
            throw new UnsatisfiedLinkError("lcl_torch native library not found at " + path
                    + ": build it with scripts/build (or native-bindings/src/main/native/build.sh), "
                    + "or point -Dlcl.torch.library / LCL_TORCH_LIBRARY at liblcl_torch.so");
        }
        System.load(path.toAbsolutePath().toString());
        loaded = path.toAbsolutePath();
    }

    private static Path locate() {
        String configured = System.getProperty("lcl.torch.library");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("LCL_TORCH_LIBRARY");
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        try {
            // target/classes or target/native-bindings-*.jar → target/native/liblcl_torch.so
            Path code = Path.of(NativeLibrary.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.getParent().resolve("native").resolve("liblcl_torch.so");
        } catch (URISyntaxException | NullPointerException | SecurityException e) {
            return Path.of("liblcl_torch.so");
        }
    }
}
