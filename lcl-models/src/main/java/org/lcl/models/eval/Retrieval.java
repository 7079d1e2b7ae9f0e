package org.lcl.models.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.eval.data.CaptionedImages;
import org.lcl.models.model.ImageTextModel;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Torch;

/**
 * Image-text retrieval over captioned images (one caption per image): normalised image latents
 * against normalised caption features ({@link TextFeatures}: LCL's feature at {@code <soi>}),
 * cosine similarity, R@1/5/10 and mean/median rank in both directions. Pairs whose image cannot
 * be read are left out (and counted).
 */
public final class Retrieval {

    /** The metrics and the number of pairs left out for an unreadable image. */
    public record Result(RetrievalMetrics metrics, int skipped) {
    }

    private Retrieval() {
    }

    public static Result run(ImageTextModel model, Tokenizer tokenizer, CaptionedImages pairs, int encodeBatchSize, Consumer<String> log) {
        LabeledFeatures images = FeatureExtractor.extract(model, pairs.asImages(), encodeBatchSize, log);
        List<String> captions = new ArrayList<>(images.count());
        for (int label : images.labels()) {
            captions.add(pairs.caption(label));  // the label of a pair's image is its index
        }
        float[] texts = TextFeatures.encode(model, tokenizer, captions, encodeBatchSize);
        int n = images.count();
        if (texts.length != (long) n * images.dim()) {
            throw new IllegalStateException("text features are " + texts.length / Math.max(1, n) + "-d, image latents " + images.dim()
                    + "-d: the model's towers disagree");
        }
        float[] similarity;
        try (Scope s = Scope.open(); GradMode g = GradMode.noGrad()) {
            similarity = images.featureTensor().matmul(Torch.tensor(texts, n, images.dim()).t()).contiguous().toFloatArray();
        }
        return new Result(RetrievalMetrics.of(similarity, n), images.skipped());
    }
}
