package org.lcl.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.lcl.dsl.ModelDefinitionException;
import org.lcl.models.config.ConfigException;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.ModelConfigs;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints a model's parameter counts and its state-dict keys with shapes, in the reference's order. */
@Command(name = "model-info", mixinStandardHelpOptions = true,
        description = {"Show a model's parameter count (total and per top-level child) and every state-dict key with its shape, "
                + "in OpenCLIP's/LCL's order.",
                "The model is compiled from its config (configs/NAME.json or a JSON path); --no-init skips the random "
                + "initialisation (names, shapes and counts are the same), which is much faster for large models."})
final class ModelInfoCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "model config name (configs/NAME.json) or a JSON file")
    String model;

    @Option(names = "--no-init", description = "allocate the parameters without initialising them (fast)")
    boolean noInit;

    @Option(names = "--device", defaultValue = "cpu", description = "device to compile on (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--dtype", defaultValue = "float32", description = "parameter dtype (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--no-keys", description = "print the counts only")
    boolean noKeys;

    @Override
    public Integer call() {
        try {
            return run();
        } catch (ConfigException | ModelDefinitionException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
    }

    private int run() {
        Path file = ModelConfigs.resolvePath(model);
        ModelConfig cfg = ModelConfigs.load(file);
        long t0 = System.nanoTime();
        try (ImageTextModel m = Models.create(cfg, Device.parse(device), DType.parse(dtype), !noInit)) {
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, Tensor> state = m.stateDict();
            Map<String, long[]> groups = new LinkedHashMap<>();
            long total = 0;
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                long n = e.getValue().numel();
                total += n;
                long[] g = groups.computeIfAbsent(topLevel(e.getKey()), k -> new long[2]);
                g[0] += n;
                g[1]++;
            }
            System.out.println("model:      " + model + " (" + (cfg.isLcl() ? "LCL" : cfg.customText() ? "CustomTextCLIP" : "CLIP") + ")");
            System.out.println("config:     " + file.toAbsolutePath());
            System.out.printf("compiled:   %s %s in %.2f s%s%n", device, dtype, secs, noInit ? " (parameters not initialised)" : "");
            System.out.printf("parameters: %,d in %d tensors%n", total, m.namedParameters().size());
            int width = groups.keySet().stream().mapToInt(String::length).max().orElse(0);
            groups.forEach((k, g) -> System.out.printf("  %-" + width + "s %,15d  (%d tensors)%n", k, g[0], g[1]));
            if (!noKeys) {
                System.out.println("state dict: " + state.size() + " keys");
                state.forEach((k, t) -> System.out.println("  " + k + " " + shape(t.shape())));
            }
        }
        return 0;
    }

    private static String topLevel(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(0, dot);
    }

    private static String shape(long[] s) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) {
            b.append(i > 0 ? ", " : "").append(s[i]);
        }
        return b.append(']').toString();
    }
}
