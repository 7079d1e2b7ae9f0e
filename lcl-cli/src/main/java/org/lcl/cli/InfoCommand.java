package org.lcl.cli;

import java.util.concurrent.Callable;

import org.lcl.torch.Cuda;
import org.lcl.torch.NativeLibrary;
import org.lcl.torch.Torch;
import picocli.CommandLine.Command;

/** Prints which libtorch the project runs on and whether CUDA is usable. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the native library, the libtorch version it was built against, and CUDA availability.")
final class InfoCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        var build = NativeLibrary.buildInfo();
        System.out.println("native library: " + NativeLibrary.path());
        System.out.println("libtorch:       " + Torch.version() + " (" + build.getProperty("libtorch_lib", "?") + ")");
        System.out.println("CUDA in build:  " + build.getProperty("cuda", "?"));
        boolean cuda = Cuda.isAvailable();
        System.out.println("CUDA usable:    " + (cuda ? "yes, " + Cuda.deviceCount() + " device(s)" : "no"));
        System.out.println("CPU threads:    " + Torch.getNumThreads());
        return 0;
    }
}
