package org.lcl.models.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.lcl.models.data.image.ImageBatchBuffer;
import org.lcl.models.data.image.ImageDecodeException;
import org.lcl.models.data.image.ImagePreprocessor;
import org.lcl.models.data.image.ImageTransform;
import org.lcl.models.data.image.RgbImage;
import org.lcl.models.eval.data.LabeledImages;
import org.lcl.models.model.ImageTextModel;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;

/**
 * Frozen image latents: the model in eval mode under no_grad (its previous mode is restored),
 * images through the eval transform at the model's image size (shortest-side bicubic resize,
 * center crop, OpenAI normalisation), {@code encodeImage(x, normalize=true)} in batches, kept as
 * L2-normalised float32 on the host. Images that cannot be read or decoded are skipped and counted.
 */
public final class FeatureExtractor {

    /** How many skip reasons a result keeps (the count covers all). */
    static final int MAX_REASONS = 20;

    private FeatureExtractor() {
    }

    public static LabeledFeatures extract(ImageTextModel model, LabeledImages split, int batchSize, Consumer<String> log) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        int size = model.config().visionCfg().imageSize();
        Tensor param = model.parameters().getFirst();
        Device device = param.device();
        DType dtype = param.dtype();
        int n = split.size();
        float[] features = null;
        int dim = 0;
        int[] labels = new int[n];
        int kept = 0;
        int skipped = 0;
        List<String> reasons = new ArrayList<>();
        boolean wasTraining = model.isTraining();
        model.eval();
        try (ImagePreprocessor pre = new ImagePreprocessor(ImageTransform.eval(size));
                ImageBatchBuffer buffer = new ImageBatchBuffer(Math.min(batchSize, Math.max(1, n)), size);
                GradMode g = GradMode.noGrad()) {
            int next = 0;
            long lastLog = System.nanoTime();
            while (next < n) {
                int count = 0;
                while (count < buffer.capacity() && next < n) {
                    int i = next++;
                    RgbImage rgb;
                    try {
                        rgb = split.image(i, pre.decoder());
                    } catch (IOException | ImageDecodeException e) {
                        skipped++;
                        if (reasons.size() < MAX_REASONS) {
                            reasons.add(split.source(i) + ": " + e.getMessage());
                        }
                        continue;
                    }
                    pre.eval(rgb, buffer.slot(count));
                    labels[kept + count] = split.label(i);
                    count++;
                }
                if (count == 0) {
                    continue;
                }
                try (Scope s = Scope.open()) {
                    Tensor x = buffer.toTensor(device, count);
                    if (dtype != DType.FLOAT32) {
                        x = x.to(dtype);
                    }
                    Tensor f = model.encodeImage(x, true).to(Device.CPU, DType.FLOAT32, false).contiguous();
                    if (features == null) {
                        dim = Math.toIntExact(f.size(1));
                        features = new float[Math.multiplyExact(n, dim)];
                    }
                    float[] batch = f.toFloatArray();
                    System.arraycopy(batch, 0, features, kept * dim, batch.length);
                }
                kept += count;
                if (log != null && System.nanoTime() - lastLog > 10_000_000_000L) {
                    log.accept(split.name() + ": encoded " + kept + " / " + n + " images");
                    lastLog = System.nanoTime();
                }
            }
        } finally {
            model.train(wasTraining);
        }
        if (kept == 0) {
            throw new IllegalArgumentException(split.name() + ": no image could be read (" + skipped + " skipped"
                    + (reasons.isEmpty() ? "" : ", e.g. " + reasons.getFirst()) + ")");
        }
        if (log != null && skipped > 0) {
            log.accept(split.name() + ": skipped " + skipped + " unreadable images, e.g. " + reasons.getFirst());
        }
        return new LabeledFeatures(java.util.Arrays.copyOf(features, kept * dim), kept, dim, java.util.Arrays.copyOf(labels, kept),
                split.classes().size(), skipped, reasons);
    }
}
