package org.lcl.models.checkpoint;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.lcl.dsl.LoadResult;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.Models;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;
import org.lcl.torch.serialization.HostTensor;
import org.lcl.torch.serialization.Safetensors;
import org.lcl.torch.serialization.TorchSave;

/**
 * Writes a model's weights, or its vision encoder's, to a self-describing file that
 * {@link org.lcl.models.inference.ImageEncoder#load} (or any safetensors / PyTorch reader) can
 * use without the training checkpoint or a separate config (docs/inference.md):
 * <ul>
 *   <li>safetensors: the tensors, and in {@code __metadata__} {@code "format": "pt"},
 *       {@value #META_VERSION}, {@value #META_MODEL} (the config's name), {@value #META_PART}
 *       ("visual" or "full") and {@value #META_CONFIG} (the model config as a JSON string, as in
 *       {@code configs/NAME.json}), plus {@code lcl_source} / {@code lcl_epoch} when exported
 *       from a checkpoint;</li>
 *   <li>pt ({@code torch.save}): a dict {@code {"lcl_export_version": 1, "model": NAME,
 *       "part": ..., "config": {...the config as a dict...}, "state_dict": {...}}} (plus
 *       {@code source} / {@code epoch}), loadable with {@code torch.load(f, weights_only=True)};
 *       OpenCLIP's {@code load_checkpoint} reads its {@code state_dict}.</li>
 * </ul>
 * Part "visual" is the vision encoder with its pooling: the {@code visual.*} keys, and for LCL
 * also {@code pool_project.*} (the attentive pooling that makes the image latent and projects
 * the patch tokens); for CLIP {@code visual.*} already holds the projection {@code visual.proj}.
 * Part "full" is the whole state dict. Keys and their order are the model's; dtypes are the
 * checkpoint's unless converted. Files are written atomically (a temporary file beside the
 * target, flushed, renamed over it). Optionally the config is also written as a sidecar
 * {@code <output>.json}.
 */
public final class Export {

    /** safetensors metadata keys. */
    public static final String META_CONFIG = "lcl_config";
    public static final String META_PART = "lcl_part";
    public static final String META_MODEL = "lcl_model";
    public static final String META_VERSION = "lcl_export_version";
    /** Entries of a pt export's dict. */
    public static final String PT_CONFIG = "config";
    public static final String PT_PART = "part";
    public static final String PT_MODEL = "model";
    public static final String PT_VERSION = "lcl_export_version";
    /** The version of this layout. */
    public static final int VERSION = 1;

    private Export() {}

    /** Which weights an export holds. */
    public enum Part {
        /** The vision encoder with its pooling projection: {@code visual.*} (+ {@code pool_project.*} for LCL). */
        VISUAL("visual"),
        /** Every key of the model. */
        FULL("full");

        private final String label;

        Part(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** Whether a state-dict key belongs to this part, for an LCL model (lcl) or a CLIP. */
        public boolean contains(String key, boolean lcl) {
            return this == FULL || key.startsWith("visual.") || lcl && key.startsWith("pool_project.");
        }

        public static Part parse(String s) {
            for (Part p : values()) {
                if (p.label.equalsIgnoreCase(s)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("unknown part '" + s + "' (expected visual or full)");
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** The file format written. */
    public enum Format {
        SAFETENSORS("safetensors"), PT("pt");

        private final String label;

        Format(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Format parse(String s) {
            for (Format f : values()) {
                if (f.label.equalsIgnoreCase(s)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown format '" + s + "' (expected safetensors or pt)");
        }

        /** The format an output file name implies: {@code .safetensors}, or {@code .pt} / {@code .pth} / {@code .bin}; null otherwise. */
        public static Format fromFileName(Path file) {
            String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".safetensors")) {
                return SAFETENSORS;
            }
            if (n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".bin")) {
                return PT;
            }
            return null;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /**
     * How to export.
     *
     * @param part which weights
     * @param format the file format
     * @param dtype converts floating-point tensors to this dtype; null keeps each tensor's dtype
     * @param strict fail on checkpoint keys the model does not have (else they are dropped and reported)
     * @param sidecar also write the config to {@code <output>.json}
     */
    public record Options(Part part, Format format, DType dtype, boolean strict, boolean sidecar) {

        public Options {
            java.util.Objects.requireNonNull(part, "part");
            java.util.Objects.requireNonNull(format, "format");
            if (dtype != null && !dtype.isFloatingPoint()) {
                throw new IllegalArgumentException("an export's dtype must be floating point, got " + dtype);
            }
        }

        /** Strict, each tensor's own dtype, no sidecar. */
        public static Options of(Part part, Format format) {
            return new Options(part, format, null, true, false);
        }

        public Options withDtype(DType d) {
            return new Options(part, format, d, strict, sidecar);
        }

        public Options withStrict(boolean s) {
            return new Options(part, format, dtype, s, sidecar);
        }

        public Options withSidecar(boolean s) {
            return new Options(part, format, dtype, strict, s);
        }
    }

    /**
     * What was written.
     *
     * @param droppedKeys checkpoint keys the model does not have, left out (non-strict only)
     * @param leftOut how many of the model's keys are outside the part and were not written
     * @param warnings things worth telling (e.g. a --model that differs from the embedded config)
     * @param sidecar the sidecar file written, or null
     */
    public record Report(Path output, Options options, EmbeddedConfig config, int tensors, long parameters, long bytes,
                         List<String> droppedKeys, int leftOut, List<String> warnings, Path sidecar) {

        public Report {
            droppedKeys = List.copyOf(droppedKeys);
            warnings = List.copyOf(warnings);
        }
    }

    // ---- from a checkpoint file ------------------------------------------------------------------

    /**
     * Exports a checkpoint (OpenCLIP training checkpoint, bare state dict, safetensors, or an
     * earlier export): resolves its model config ({@link Checkpoints#config}; model may be
     * null), checks its keys and shapes against the model's state dict (every key of the part
     * must be present with the model's shape; keys the model lacks fail when strict), then
     * writes the part's tensors in the model's key order. The checkpoint's tensors are written as
     * they are (no copy through libtorch unless a dtype conversion is asked for).
     */
    public static Report exportCheckpoint(Path checkpoint, String model, Path output, Options options) throws IOException {
        Checkpoints.Contents c = Checkpoints.read(checkpoint);
        EmbeddedConfig cfg = Checkpoints.config(c, model);
        List<String> warnings = new ArrayList<>();
        if (model != null && !model.isBlank()) {
            EmbeddedConfig embedded = Checkpoints.embeddedConfig(c);
            if (embedded != null && !embedded.config().equals(cfg.config())) {
                warnings.add("--model " + model + " differs from the config embedded in " + checkpoint + " (model '" + embedded.name() + "'); using --model");
            }
        }
        boolean lcl = cfg.config().isLcl();
        Map<String, long[]> modelShapes = new LinkedHashMap<>();
        try (ImageTextModel m = Models.create(cfg.config(), Device.CPU, DType.FLOAT32, false)) {
            m.stateDict().forEach((k, t) -> modelShapes.put(k, t.shape()));
        }
        Map<String, long[]> partShapes = Checkpoints.select(modelShapes, k -> options.part().contains(k, lcl));
        Map<String, HostTensor> weights = c.weights();
        LoadResult r = Checkpoints.compareShapes(partShapes, Checkpoints.select(weights, k -> options.part().contains(k, lcl)));
        List<String> unknown = weights.keySet().stream().filter(k -> !modelShapes.containsKey(k)).toList();
        String what = "model '" + cfg.name() + "' (" + (lcl ? "LCL" : "CLIP") + ", config from " + cfg.origin() + ")";
        if (!r.missingKeys().isEmpty()) {
            String hint = options.part() == Part.FULL && "visual".equals(c.part()) ? " (the file is a 'visual' export: it can only be exported as --part visual)" : "";
            throw new CheckpointException(checkpoint + ": lacks " + r.missingKeys().size() + " of the " + partShapes.size() + " keys of the "
                    + options.part() + " part of " + what + ": " + Checkpoints.listed(r.missingKeys()) + hint);
        }
        if (!r.shapeMismatches().isEmpty()) {
            throw new CheckpointException(checkpoint + ": does not fit " + what + ": " + Checkpoints.describe(new LoadResult(List.of(), List.of(), r.shapeMismatches())));
        }
        if (!unknown.isEmpty() && options.strict()) {
            throw new CheckpointException(checkpoint + ": has " + unknown.size() + " key" + (unknown.size() == 1 ? "" : "s") + " that " + what
                    + " does not have: " + Checkpoints.listed(unknown) + " (another model? pass --model; drop them with --non-strict)");
        }
        Map<String, HostTensor> ordered = new LinkedHashMap<>();
        partShapes.keySet().forEach(k -> ordered.put(k, weights.get(k)));
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("source", checkpoint.getFileName().toString());
        if (c.entries().get("epoch") instanceof Number epoch) {
            provenance.put("epoch", epoch.toString());
        }
        Report written = write(ordered, cfg, output, options, provenance);
        return new Report(written.output(), options, cfg, written.tensors(), written.parameters(), written.bytes(), unknown,
                modelShapes.size() - partShapes.size(), warnings, written.sidecar());
    }

    // ---- from a live model -----------------------------------------------------------------------

    /** Exports a model's current weights (copied to host memory); cfg is the model's config with its JSON. */
    public static Report exportModel(ImageTextModel model, EmbeddedConfig cfg, Path output, Options options) throws IOException {
        if (!cfg.config().equals(model.config())) {
            throw new IllegalArgumentException("the config '" + cfg.name() + "' is not the model's own config");
        }
        boolean lcl = cfg.config().isLcl();
        Map<String, Tensor> state = model.stateDict();
        Map<String, Tensor> part = Checkpoints.select(state, k -> options.part().contains(k, lcl));
        Report written = write(part, cfg, output, options, Map.of());
        return new Report(written.output(), options, cfg, written.tensors(), written.parameters(), written.bytes(), List.of(),
                state.size() - part.size(), List.of(), written.sidecar());
    }

    // ---- writing ---------------------------------------------------------------------------------

    /**
     * Writes weights (values {@link Tensor} or {@link HostTensor}) as an export of cfg's model, in
     * the map's order; provenance entries go to the metadata as {@code lcl_<key>} (safetensors) or
     * top-level entries (pt). No check against the model: see {@link #exportCheckpoint}.
     */
    public static Report write(Map<String, ?> weights, EmbeddedConfig cfg, Path output, Options options, Map<String, String> provenance)
            throws IOException {
        Map<String, HostTensor> host = new LinkedHashMap<>();
        long params = 0;
        try (GradMode g = GradMode.noGrad()) {
            for (Map.Entry<String, ?> e : weights.entrySet()) {
                HostTensor h = switch (e.getValue()) {
                    case HostTensor t -> convert(t, options.dtype());
                    case Tensor t -> toHost(t, options.dtype());
                    case null, default -> throw new IllegalArgumentException("value of '" + e.getKey() + "' is " + Checkpoints.describe(e.getValue()) + ", not a tensor");
                };
                host.put(e.getKey(), h);
                params += h.numel();
            }
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (options.format() == Format.SAFETENSORS) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put(META_VERSION, Integer.toString(VERSION));
            meta.put(META_MODEL, cfg.name());
            meta.put(META_PART, options.part().label());
            meta.put(META_CONFIG, cfg.json());
            provenance.forEach((k, v) -> meta.put("lcl_" + k, v));
            Safetensors.write(host, meta, output);
        } else {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put(PT_VERSION, (long) VERSION);
            root.put(PT_MODEL, cfg.name());
            root.put(PT_PART, options.part().label());
            root.put(PT_CONFIG, cfg.asMap());
            provenance.forEach((k, v) -> root.put(k, "epoch".equals(k) ? (Object) parseLongOr(v) : v));
            root.put("state_dict", host);
            TorchSave.save(root, output);
        }
        Path side = null;
        if (options.sidecar()) {
            side = Checkpoints.sidecar(output);
            writeAtomically(side, cfg.prettyJson().getBytes(StandardCharsets.UTF_8));
        }
        return new Report(output, options, cfg, host.size(), params, Files.size(output), List.of(), 0, List.of(), side);
    }

    private static Object parseLongOr(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return v;
        }
    }

    /** A host copy of a tensor (any device), converted to dtype when it is floating point and dtype is not null. */
    static HostTensor toHost(Tensor t, DType dtype) {
        try (Scope s = Scope.open()) {
            DType target = dtype != null && t.dtype().isFloatingPoint() ? dtype : null;
            Tensor c = t.detach().to(Device.CPU, target, false);
            ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(c.numel() * c.dtype().elementSize())).order(ByteOrder.LITTLE_ENDIAN);
            if (c.numel() > 0) {
                c.copyTo(MemorySegment.ofBuffer(bytes));
            }
            return HostTensor.ofContiguous(c.dtype(), c.shape(), bytes);
        }
    }

    private static HostTensor convert(HostTensor h, DType dtype) {
        if (dtype == null || !h.dtype().isFloatingPoint() || h.dtype() == dtype) {
            return h;
        }
        try (Scope s = Scope.open()) {
            return toHost(Torch.fromHost(h, Device.CPU), dtype);
        }
    }

    /** Writes bytes to a temporary file beside target, flushed, then renamed over target. */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.toAbsolutePath().resolveSibling("." + target.getFileName() + "."
                + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            // CREATE_NEW: the umask's permissions (as the checkpoint writers), not createTempFile's 0600.
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A one-line description of a report, for logs and the CLI. */
    public static String summary(Report r) {
        return String.format(Locale.ROOT, "%s: %s part of '%s' (%s), %d tensors, %,d parameters, %,d bytes (%s%s)",
                r.output(), r.options().part(), r.config().name(), r.config().config().isLcl() ? "LCL" : "CLIP", r.tensors(), r.parameters(), r.bytes(),
                r.options().format(), r.options().dtype() == null ? "" : ", converted to " + r.options().dtype().torchName());
    }
}
