package org.lcl.models.inference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.lcl.models.checkpoint.CheckpointException;
import org.lcl.models.checkpoint.Checkpoints;
import org.lcl.models.checkpoint.EmbeddedConfig;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.data.image.ImageBatchBuffer;
import org.lcl.models.data.image.ImagePreprocessor;
import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.data.image.RgbImage;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.TensorOptions;
import org.lcl.torch.Torch;
import org.lcl.torch.serialization.HostTensor;

/**
 * Image embeddings from an exported model (docs/inference.md): loads the vision encoder (and for
 * LCL its pooling projection) in eval mode, applies the model's eval preprocessing (resize of the
 * shortest side to the config's image size, bicubic and antialiased as PIL, center crop, OpenAI
 * normalisation) and encodes images in batches.
 *
 * <pre>{@code
 * try (ImageEncoder enc = ImageEncoder.load(Path.of("lcl_visual.safetensors"), Device.CPU)) {
 *     float[][] latents = enc.encode(List.of(Path.of("cat.jpg"), Path.of("dog.png")));  // [2][D], unit norm
 * }
 * }</pre>
 *
 * <p>Inputs: a list of {@link java.awt.image.BufferedImage}s, image files ({@link Path} or
 * {@link java.io.File}; decoded as PIL's {@code Image.open(f).convert("RGB")}), encoded bytes
 * ({@code byte[]}) or {@link RgbImage}s, mixed as you like. Images are decoded and preprocessed
 * one batch at a time, so a long list of files costs one batch of memory.
 *
 * <p>Memory: every tensor made for a batch is freed when the batch is done (a {@link Scope} per
 * batch); the array methods return plain Java arrays, the tensor methods one tensor in the
 * caller's innermost scope (or caller-owned, to close, when no scope is open). {@link #close()}
 * frees the weights and the batch buffer.
 *
 * <p>Calls are serialised (the preprocessing buffers are shared); use one encoder per thread for
 * parallel encoding.
 */
public final class ImageEncoder implements AutoCloseable {

    /**
     * @param batchSize images per forward pass (memory vs speed; results do not depend on it)
     * @param dtype the encoder's parameter and compute dtype (float32, or float16 / bfloat16 on
     *     CUDA); latents and tokens are returned in float32
     */
    public record Options(int batchSize, DType dtype) {

        /** Batches of 32 in float32. */
        public static final Options DEFAULT = new Options(32, DType.FLOAT32);

        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            Objects.requireNonNull(dtype, "dtype");
            if (!dtype.isFloatingPoint()) {
                throw new IllegalArgumentException("the encoder's dtype must be floating point, got " + dtype);
            }
        }

        public Options withBatchSize(int n) {
            return new Options(n, dtype);
        }

        public Options withDtype(DType d) {
            return new Options(batchSize, d);
        }
    }

    private final VisionEncoder encoder;
    private final EmbeddedConfig source;
    private final Device device;
    private final Options options;
    private final ImagePreprocessor preprocessor;
    private final ImageBatchBuffer buffer;
    private boolean closed;

    private ImageEncoder(VisionEncoder encoder, EmbeddedConfig source, Device device, Options options) {
        this.encoder = encoder;
        this.source = source;
        this.device = device;
        this.options = options;
        int size = encoder.config().visionCfg().imageSize();
        this.preprocessor = new ImagePreprocessor(ImageTransform.eval(size));
        this.buffer = new ImageBatchBuffer(options.batchSize(), size);
        encoder.eval();
        encoder.freeze();
    }

    /** Loads an export (or any checkpoint whose model can be told, see {@link Checkpoints#config}) with default options. */
    public static ImageEncoder load(Path exported, Device device) throws IOException {
        return load(exported, device, Options.DEFAULT);
    }

    /**
     * Loads the vision encoder from an export made by {@code lcl export} (part visual or full, safetensors
     * or pt), reading the model config embedded in it, or from a sidecar {@code <file>.json}, or
     * from an OpenCLIP checkpoint whose run name names a config.
     */
    public static ImageEncoder load(Path exported, Device device, Options options) throws IOException {
        Checkpoints.Contents c = Checkpoints.read(exported);
        return load(c, Checkpoints.config(c, null), device, options);
    }

    /** Loads the vision encoder of model (a config name or JSON path) from any checkpoint holding its weights. */
    public static ImageEncoder load(Path checkpoint, String model, Device device, Options options) throws IOException {
        Checkpoints.Contents c = Checkpoints.read(checkpoint);
        return load(c, Checkpoints.config(c, model), device, options);
    }

    private static ImageEncoder load(Checkpoints.Contents c, EmbeddedConfig cfg, Device device, Options options) throws CheckpointException {
        boolean lcl = cfg.config().isLcl();
        Map<String, HostTensor> weights = Checkpoints.select(c.weights(), k -> VisionEncoder.owns(k, lcl));
        if (weights.isEmpty()) {
            throw new CheckpointException(c.file() + ": holds no vision encoder weights (no visual.* keys) for model '" + cfg.name() + "'");
        }
        VisionEncoder enc = VisionEncoder.create(cfg.config(), device, options.dtype(), false);
        try {
            Checkpoints.loadInto(enc, weights, c.file() + " (vision encoder of '" + cfg.name() + "', config from " + cfg.origin() + ")", true);
            return new ImageEncoder(enc, cfg, device, options);
        } catch (CheckpointException | RuntimeException e) {
            enc.close();
            throw e;
        }
    }

    /**
     * Wraps a vision encoder built and loaded elsewhere (e.g. {@link VisionEncoder#create} + your
     * own weights); the encoder then belongs to this object and is closed with it.
     */
    public static ImageEncoder of(VisionEncoder encoder, Device device, Options options) {
        return new ImageEncoder(encoder, null, device, options);
    }

    // ---- what it is ------------------------------------------------------------------------------

    public ModelConfig config() {
        return encoder.config();
    }

    /** The model's name and config origin, or null for {@link #of}. */
    public EmbeddedConfig source() {
        return source;
    }

    public boolean isLcl() {
        return encoder.isLcl();
    }

    public Device device() {
        return device;
    }

    public Options options() {
        return options;
    }

    /** The input side length (the config's vision image_size). */
    public int imageSize() {
        return encoder.config().visionCfg().imageSize();
    }

    /** D, the width of a latent. */
    public long latentDim() {
        return encoder.latentDim();
    }

    /** N, the tokens per image of {@link #patchTokens}. */
    public long tokenCount() {
        return encoder.tokenCount();
    }

    /** The width of a token of {@link #patchTokens}. */
    public long tokenDim() {
        return encoder.tokenDim();
    }

    /** The module itself (eval mode, frozen). */
    public VisionEncoder module() {
        return encoder;
    }

    // ---- encoding --------------------------------------------------------------------------------

    /** L2-normalised image latents [n][D] (LCL: the attentive pooling's latent; CLIP: the image features). */
    public synchronized float[][] encode(List<?> images) {
        checkOpen();
        int n = images.size();
        int d = Math.toIntExact(latentDim());
        float[][] out = new float[n][];
        forEachBatch(images, (start, count, x) -> {
            float[] flat = encoder.latents(x, true).to(Device.CPU).toFloatArray();
            for (int i = 0; i < count; i++) {
                out[start + i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
            }
        });
        return out;
    }

    /** As {@link #encode}, as one float32 tensor [n, D] on the encoder's device, in the caller's scope. */
    public synchronized Tensor encodeTensor(List<?> images) {
        checkOpen();
        Tensor out = Torch.empty(TensorOptions.of(DType.FLOAT32, device), images.size(), latentDim());
        return fill(out, images, true, (start, count, x) -> out.narrow(0, start, count).copy_(encoder.latents(x, true)));
    }

    /**
     * Per-token features [n][N][Dt] (not normalised): for LCL the patch tokens projected by the
     * pooling (the decoder's visual input embeddings); for CLIP the ViT's patch tokens (see
     * {@link VisionEncoder#tokens}).
     */
    public synchronized float[][][] patchTokens(List<?> images) {
        checkOpen();
        int n = images.size();
        int tokens = Math.toIntExact(tokenCount());
        int d = Math.toIntExact(tokenDim());
        float[][][] out = new float[n][][];
        forEachBatch(images, (start, count, x) -> {
            float[] flat = encoder.tokens(x).to(Device.CPU, DType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < count; i++) {
                float[][] img = new float[tokens][];
                for (int t = 0; t < tokens; t++) {
                    int off = (i * tokens + t) * d;
                    img[t] = java.util.Arrays.copyOfRange(flat, off, off + d);
                }
                out[start + i] = img;
            }
        });
        return out;
    }

    /** As {@link #patchTokens}, as one float32 tensor [n, N, Dt] on the encoder's device, in the caller's scope. */
    public synchronized Tensor patchTokensTensor(List<?> images) {
        checkOpen();
        Tensor out = Torch.empty(TensorOptions.of(DType.FLOAT32, device), images.size(), tokenCount(), tokenDim());
        return fill(out, images, true, (start, count, x) -> out.narrow(0, start, count).copy_(encoder.tokens(x)));
    }

    /**
     * The preprocessed images [n, 3, S, S] (float32, normalised, on the encoder's device) in the
     * caller's scope: exactly what the encoder is fed.
     */
    public synchronized Tensor preprocess(List<?> images) {
        checkOpen();
        int size = imageSize();
        Tensor out = Torch.empty(TensorOptions.of(DType.FLOAT32, device), images.size(), 3, size, size);
        return fill(out, images, false, (start, count, x) -> out.narrow(0, start, count).copy_(x));
    }

    /** Runs the batches into out; frees out at once if a batch fails. */
    private Tensor fill(Tensor out, List<?> images, boolean cast, BatchConsumer consumer) {
        try {
            forEachBatch(images, cast, consumer);
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    @FunctionalInterface
    private interface BatchConsumer {
        void accept(int start, int count, Tensor images);
    }

    private void forEachBatch(List<?> images, BatchConsumer consumer) {
        forEachBatch(images, true, consumer);
    }

    /** Fills the buffer batch by batch and hands each batch [count, 3, S, S] (in the encoder's dtype when cast) to consumer. */
    private void forEachBatch(List<?> images, boolean cast, BatchConsumer consumer) {
        int n = images.size();
        int bs = options.batchSize();
        try (GradMode g = GradMode.noGrad()) {
            for (int start = 0; start < n; start += bs) {
                int count = Math.min(bs, n - start);
                for (int i = 0; i < count; i++) {
                    RgbImage rgb = ImageInputs.toRgb(images.get(start + i), start + i, preprocessor.decoder());
                    preprocessor.eval(rgb, buffer.slot(i));
                }
                try (Scope s = Scope.open()) {
                    Tensor x = buffer.toTensor(device, count);
                    if (cast && options.dtype() != DType.FLOAT32) {
                        x = x.to(options.dtype());
                    }
                    consumer.accept(start, count, x);
                }
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the image encoder is closed");
        }
    }

    /** Frees the weights and the preprocessing buffers. A second close does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            encoder.close();
        } finally {
            buffer.close();
            preprocessor.close();
        }
    }
}
