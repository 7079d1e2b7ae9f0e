package org.lcl.models.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.lcl.dsl.LoadResult;
import org.lcl.dsl.Module;
import org.lcl.models.config.ConfigException;
import org.lcl.models.config.ModelConfigs;
import org.lcl.torch.serialization.HostTensor;
import org.lcl.torch.serialization.Safetensors;
import org.lcl.torch.serialization.TorchLoad;

/**
 * Reading model weights from checkpoints, in pure Java (no Python, no libtorch needed to read):
 * <ul>
 *   <li>{@code .safetensors} files (Hugging Face's format; {@link Safetensors});</li>
 *   <li>{@code torch.save} files ({@link TorchLoad}): OpenCLIP's training checkpoints
 *       {@code {"epoch", "name", "state_dict", "optimizer"[, "scaler"]}} give their
 *       {@code state_dict}; any dict holding a {@code "state_dict"} dict likewise (this project's
 *       {@code .pt} exports); a dict without one, a bare state dict, is taken as it is.</li>
 * </ul>
 * When every key starts with {@code module.} (a checkpoint saved from DistributedDataParallel,
 * as OpenCLIP's are), the prefix is stripped. The format is recognised from the file's first
 * bytes (a zip archive is a torch file), else from the {@code .safetensors} extension.
 *
 * <p>Tensors are {@link HostTensor}s memory-mapped from the file: reading costs no heap and no
 * copy; {@link Module#loadStateDict} copies them into a model. Every error names the file.
 */
public final class Checkpoints {

    /** OpenCLIP's default run name: {@code <date>-model_<MODEL>-lr_<lr>-b_<batch>-j_<workers>-p_<precision>}. */
    private static final Pattern OPENCLIP_RUN_NAME = Pattern.compile("(?:^|-)model_(.+?)-lr_");

    /** How many keys an error message lists per kind before "... and N more". */
    private static final int LIST_LIMIT = 8;

    private Checkpoints() {}

    /** The two container formats. */
    public enum Format {
        SAFETENSORS, TORCH
    }

    /**
     * A checkpoint's contents.
     *
     * @param file the file read
     * @param format its container format
     * @param weights the state dict, in the file's order, {@code module.} stripped when all keys had it
     * @param entries what else the file holds: for a torch file, the top-level entries of a
     *     checkpoint dict other than {@code state_dict} ({@code epoch}, {@code name},
     *     {@code optimizer}, or an export's {@code config}, {@code part}, {@code model}); for a
     *     safetensors file, its {@code __metadata__} strings. Empty for a bare state dict.
     * @param strippedPrefix {@code "module."} when it was stripped, else {@code ""}
     */
    public record Contents(Path file, Format format, Map<String, HostTensor> weights, Map<String, Object> entries, String strippedPrefix) {

        public Contents {
            weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        /** A string entry (a safetensors metadata value, or a string in a torch checkpoint dict), or null. */
        public String string(String key) {
            return entries.get(key) instanceof String s ? s : null;
        }

        /** The part of an exported file ("visual" or "full"), or null when the file does not say. */
        public String part() {
            String p = string(Export.META_PART);
            return p != null ? p : string(Export.PT_PART);
        }

        /** The number of parameters (elements over all tensors). */
        public long parameterCount() {
            long n = 0;
            for (HostTensor t : weights.values()) {
                n += t.numel();
            }
            return n;
        }
    }

    /** The state dict of a checkpoint (see the class comment): key → {@link HostTensor}. */
    public static Map<String, HostTensor> loadWeights(Path file) throws IOException {
        return read(file).weights();
    }

    /** Reads a checkpoint: its weights and what else it holds. */
    public static Contents read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such checkpoint file");
        }
        if (Files.isDirectory(file)) {
            throw new CheckpointException(file + ": is a directory, not a checkpoint file");
        }
        Format format = detect(file);
        if (format == Format.SAFETENSORS) {
            Map<String, HostTensor> tensors = Safetensors.read(file);
            Map<String, Object> meta = new LinkedHashMap<>(Safetensors.metadata(file));
            return finish(file, format, tensors, meta);
        }
        Object tree = TorchLoad.load(file);
        if (!(tree instanceof Map<?, ?> top)) {
            throw new CheckpointException(file + ": holds " + describe(tree) + ", not a state dict or a checkpoint dict");
        }
        Map<String, Object> entries = new LinkedHashMap<>();
        Map<?, ?> stateDict;
        if (top.get("state_dict") instanceof Map<?, ?> sd) {
            stateDict = sd;
            for (Map.Entry<?, ?> e : top.entrySet()) {
                if (!"state_dict".equals(e.getKey())) {
                    entries.put(String.valueOf(e.getKey()), e.getValue());
                }
            }
        } else if (top.containsKey("state_dict")) {
            throw new CheckpointException(file + ": its 'state_dict' entry is " + describe(top.get("state_dict")) + ", not a dict of tensors");
        } else if (top.containsKey("epoch")) {
            throw new CheckpointException(file + ": looks like a training checkpoint (it has 'epoch') but has no 'state_dict' entry; entries: "
                    + listed(top.keySet().stream().map(String::valueOf).toList()));
        } else {
            stateDict = top;
        }
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : stateDict.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new CheckpointException(file + ": state dict key " + describe(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof HostTensor t)) {
                throw new CheckpointException(file + ": state dict entry '" + key + "' is " + describe(e.getValue()) + ", not a tensor"
                        + (stateDict == top ? " (a dict without 'state_dict' is read as a bare state dict)" : ""));
            }
            weights.put(key, t);
        }
        return finish(file, format, weights, entries);
    }

    private static Contents finish(Path file, Format format, Map<String, HostTensor> weights, Map<String, Object> entries) throws CheckpointException {
        if (weights.isEmpty()) {
            throw new CheckpointException(file + ": holds no tensors");
        }
        String prefix = "module.";
        boolean all = weights.keySet().stream().allMatch(k -> k.startsWith(prefix) && k.length() > prefix.length());
        if (!all) {
            return new Contents(file, format, weights, entries, "");
        }
        Map<String, HostTensor> stripped = new LinkedHashMap<>();
        weights.forEach((k, v) -> stripped.put(k.substring(prefix.length()), v));
        return new Contents(file, format, stripped, entries, prefix);
    }

    /** The container format of a file: a zip archive is a torch file; else {@code .safetensors} or a safetensors header. */
    public static Format detect(Path file) throws IOException {
        byte[] head = new byte[9];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return Format.TORCH;
        }
        if (file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".safetensors")) {
            return Format.SAFETENSORS;
        }
        if (n == 9 && head[8] == '{') {
            return Format.SAFETENSORS;
        }
        return Format.TORCH;  // TorchLoad says why it is not one
    }

    // ---- loading into a model -----------------------------------------------------------------

    /** Loads a checkpoint's weights into model (strict: every key present and of the model's shape, none extra). */
    public static LoadResult loadInto(Module model, Path file, boolean strict) throws IOException {
        Contents c = read(file);
        return loadInto(model, c.weights(), file.toString(), strict);
    }

    /**
     * Loads weights into model. Strict: a missing, unexpected or differently shaped key fails
     * before anything is copied, with a {@link CheckpointException} listing them. Otherwise the
     * matching keys are loaded and the rest reported in the result (shape mismatches always fail:
     * loading them silently would leave the model half-initialised).
     *
     * @param source names the weights in messages (usually the file)
     */
    public static LoadResult loadInto(Module model, Map<String, ?> weights, String source, boolean strict) throws CheckpointException {
        LoadResult check = compare(model, weights);
        if (!check.shapeMismatches().isEmpty() || strict && !check.isClean()) {
            throw new CheckpointException(source + ": does not fit the model (" + describeModel(model) + "): " + describe(check));
        }
        try {
            return model.loadStateDict(weights, strict);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(source + ": " + e.getMessage(), e);
        }
    }

    /** The weights restricted to the keys keep accepts, in their order. */
    public static <V> Map<String, V> select(Map<String, V> weights, Predicate<String> keep) {
        Map<String, V> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> {
            if (keep.test(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** What loading weights into model would find (nothing is copied). */
    public static LoadResult compare(Module model, Map<String, ?> weights) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        model.stateDict().forEach((k, t) -> shapes.put(k, t.shape()));
        return compareShapes(shapes, weights);
    }

    /** As {@link #compare} against expected shapes by key. */
    public static LoadResult compareShapes(Map<String, long[]> expected, Map<String, ?> weights) {
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<LoadResult.Mismatch> mismatched = new ArrayList<>();
        for (String k : weights.keySet()) {
            if (!expected.containsKey(k)) {
                unexpected.add(k);
            }
        }
        expected.forEach((k, shape) -> {
            Object v = weights.get(k);
            if (v == null) {
                missing.add(k);
                return;
            }
            long[] got = shapeOf(v);
            if (got == null) {
                throw new IllegalArgumentException("value of '" + k + "' is " + describe(v) + ", not a tensor");
            }
            if (!Arrays.equals(shape, got)) {
                mismatched.add(new LoadResult.Mismatch(k, shape, got));
            }
        });
        return new LoadResult(missing, unexpected, mismatched);
    }

    /** A readable summary of a load check, each list cut after a few keys. */
    public static String describe(LoadResult r) {
        List<String> parts = new ArrayList<>();
        if (!r.missingKeys().isEmpty()) {
            parts.add(count(r.missingKeys().size(), "missing key") + " " + listed(r.missingKeys()));
        }
        if (!r.unexpectedKeys().isEmpty()) {
            parts.add(count(r.unexpectedKeys().size(), "unexpected key") + " " + listed(r.unexpectedKeys()));
        }
        if (!r.shapeMismatches().isEmpty()) {
            List<String> m = r.shapeMismatches().stream()
                    .map(x -> x.key() + ": model " + Arrays.toString(x.expected()) + ", checkpoint " + Arrays.toString(x.got()))
                    .toList();
            parts.add(count(m.size(), "shape mismatch") + " " + listed(m));
        }
        return parts.isEmpty() ? "all keys match" : String.join("; ", parts);
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : what.endsWith("h") ? "es" : "s");
    }

    static String listed(List<String> items) {
        if (items.size() <= LIST_LIMIT) {
            return items.toString();
        }
        return items.subList(0, LIST_LIMIT).toString().replaceFirst("]$", ", ... and " + (items.size() - LIST_LIMIT) + " more]");
    }

    private static long[] shapeOf(Object v) {
        return switch (v) {
            case HostTensor h -> h.shape();
            case org.lcl.torch.Tensor t -> t.shape();
            default -> null;
        };
    }

    private static String describeModel(Module model) {
        return model.getClass().getSimpleName() + ", " + model.stateDict().size() + " tensors";
    }

    static String describe(Object o) {
        return switch (o) {
            case null -> "None";
            case String s -> "a string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case Map<?, ?> m -> "a dict of " + m.size() + " entries";
            case List<?> l -> "a list of " + l.size() + " items";
            case HostTensor t -> "a tensor " + Arrays.toString(t.shape());
            default -> "a " + o.getClass().getSimpleName() + " (" + o + ")";
        };
    }

    // ---- which model a checkpoint holds ----------------------------------------------------------

    /**
     * The model config for a checkpoint's weights, in this order:
     * <ol>
     *   <li>{@code model} when not null: a name ({@code configs/NAME.json}) or a JSON path;</li>
     *   <li>a config embedded in the file: an export's {@code lcl_config} metadata
     *       (safetensors) or {@code config} entry (torch: a dict or a JSON string);</li>
     *   <li>a sidecar {@code <file>.json} beside the file holding the config;</li>
     *   <li>a {@code model} string entry naming a config;</li>
     *   <li>OpenCLIP's {@code name} entry: a config name itself, or a run name in OpenCLIP's
     *       default form {@code <date>-model_<MODEL>-lr_...} whose MODEL is a config name.</li>
     * </ol>
     * Otherwise a {@link CheckpointException} asking for the model's name.
     */
    public static EmbeddedConfig config(Contents c, String model) throws CheckpointException {
        if (model != null && !model.isBlank()) {
            return EmbeddedConfig.resolve(model);
        }
        EmbeddedConfig embedded = embeddedConfig(c);
        if (embedded != null) {
            return embedded;
        }
        Path sidecar = sidecar(c.file());
        if (Files.isRegularFile(sidecar)) {
            try {
                String text = Files.readString(sidecar);
                String stem = c.file().getFileName().toString().replaceFirst("\\.(safetensors|pt|pth|bin|ckpt)$", "");
                return EmbeddedConfig.parse(text, stem, sidecar.toString());
            } catch (IOException e) {
                throw new CheckpointException(sidecar + ": cannot read the sidecar config: " + e, e);
            }
        }
        List<String> tried = new ArrayList<>();
        String named = c.string(Export.PT_MODEL);
        if (named == null) {
            named = c.string(Export.META_MODEL);
        }
        if (named != null) {
            EmbeddedConfig r = tryResolve(named);
            if (r != null) {
                return r;
            }
            tried.add("its model name '" + named + "' names no config");
        }
        String runName = c.string("name");
        if (runName != null) {
            EmbeddedConfig r = tryResolve(runName);
            if (r != null) {
                return r;
            }
            Matcher m = OPENCLIP_RUN_NAME.matcher(runName);
            if (m.find()) {
                r = tryResolve(m.group(1));
                if (r != null) {
                    return r;
                }
                tried.add("its run name '" + runName + "' names model '" + m.group(1) + "', which has no config");
            } else {
                tried.add("its run name '" + runName + "' does not name a model");
            }
        }
        String why = tried.isEmpty() ? "it embeds no config, has no sidecar " + sidecar.getFileName() + " and no model or run name"
                : "it embeds no config, has no sidecar " + sidecar.getFileName() + ", and " + String.join("; ", tried);
        throw new CheckpointException(c.file() + ": cannot tell which model this checkpoint holds: " + why
                + ". Pass the model config's name or JSON path (--model NAME)");
    }

    /** The config embedded in an exported file, or null when there is none. */
    public static EmbeddedConfig embeddedConfig(Contents c) throws CheckpointException {
        String origin = "the config embedded in " + c.file();
        try {
            String json = c.string(Export.META_CONFIG);
            String name = c.string(Export.META_MODEL) != null ? c.string(Export.META_MODEL) : c.string(Export.PT_MODEL);
            if (json != null) {
                return EmbeddedConfig.parse(json, name, origin);
            }
            Object cfg = c.entries().get(Export.PT_CONFIG);
            if (cfg instanceof String s) {
                return EmbeddedConfig.parse(s, name, origin);
            }
            if (cfg instanceof Map<?, ?> m) {
                return EmbeddedConfig.fromMap(m, name, origin);
            }
            if (cfg != null) {
                throw new CheckpointException(c.file() + ": its 'config' entry is " + describe(cfg) + ", not a model config");
            }
            return null;
        } catch (ConfigException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    /** The sidecar config file of a checkpoint or export: {@code <file>.json}. */
    public static Path sidecar(Path file) {
        return file.resolveSibling(file.getFileName() + ".json");
    }

    private static EmbeddedConfig tryResolve(String name) {
        try {
            ModelConfigs.resolvePath(name);
        } catch (ConfigException | java.nio.file.InvalidPathException e) {
            return null;
        }
        return EmbeddedConfig.resolve(name);
    }
}
