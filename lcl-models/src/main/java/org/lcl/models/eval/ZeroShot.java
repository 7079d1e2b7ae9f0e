package org.lcl.models.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.eval.data.LabeledImages;
import org.lcl.models.model.ImageTextModel;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * Zero-shot classification: each class's prompts (templates with {@code {c}} replaced by the
 * class name) are encoded by {@link TextFeatures} (for LCL the decoder's feature at the
 * {@code <soi>} replacing the prompt's {@code <eot>}), averaged and renormalised into the class
 * embedding; logits = 100 · image latent · class embeddingᵀ; acc1, acc5, mean per-class recall.
 *
 * <pre>{@code
 * ZeroShot.Result r = ZeroShot.run(model, tokenizer, testSplit, ZeroShot.Options.DEFAULT, System.out::println);
 * }</pre>
 */
public final class ZeroShot {

    /**
     * The default prompts: a few of OpenAI's ImageNet templates that fit any object
     * (CLIP_benchmark's generic set would be dataset-specific).
     */
    public static final List<String> DEFAULT_TEMPLATES = List.of(
            "a photo of a {c}.",
            "a photo of the {c}.",
            "a bad photo of a {c}.",
            "a photo of a small {c}.",
            "a photo of a large {c}.",
            "a low resolution photo of a {c}.",
            "a black and white photo of a {c}.",
            "itap of a {c}.");

    /** CLIP's logit scale for zero-shot logits (ranks and metrics do not depend on it). */
    public static final double LOGIT_SCALE = 100;

    /**
     * @param templates prompt templates, each containing {@code {c}}
     * @param encodeBatchSize images or prompts per forward pass
     */
    public record Options(List<String> templates, int encodeBatchSize) {

        public static final Options DEFAULT = new Options(DEFAULT_TEMPLATES, 64);

        public Options {
            templates = List.copyOf(templates);
            if (templates.isEmpty()) {
                throw new IllegalArgumentException("zero-shot needs at least one prompt template");
            }
            for (String t : templates) {
                if (!t.contains("{c}")) {
                    throw new IllegalArgumentException("prompt template '" + t + "' has no {c} for the class name");
                }
            }
            if (encodeBatchSize < 1) {
                throw new IllegalArgumentException("encode batch size must be at least 1, got " + encodeBatchSize);
            }
        }

        public Options withTemplates(List<String> t) {
            return new Options(t, encodeBatchSize);
        }

        public Options withEncodeBatchSize(int b) {
            return new Options(templates, b);
        }
    }

    /** The test metrics and the number of images that could not be read. */
    public record Result(ClassificationMetrics metrics, int skipped) {
    }

    private ZeroShot() {
    }

    public static Result run(ImageTextModel model, Tokenizer tokenizer, LabeledImages test, Options o, Consumer<String> log) {
        float[] classifier = classifier(model, tokenizer, test.classes(), o);
        LabeledFeatures images = FeatureExtractor.extract(model, test, o.encodeBatchSize(), log);
        return new Result(score(images, classifier), images.skipped());
    }

    /** The class embeddings [classes, D] row-major: per class the mean of its normalised prompt features, renormalised. */
    public static float[] classifier(ImageTextModel model, Tokenizer tokenizer, List<String> classNames, Options o) {
        int t = o.templates().size();
        List<String> prompts = new ArrayList<>(classNames.size() * t);
        for (String c : classNames) {
            for (String template : o.templates()) {
                prompts.add(template.replace("{c}", c));
            }
        }
        float[] f = TextFeatures.encode(model, tokenizer, prompts, o.encodeBatchSize());
        int d = f.length / prompts.size();
        try (Scope s = Scope.open(); GradMode g = GradMode.noGrad()) {
            Tensor mean = Torch.tensor(f, classNames.size(), t, d).mean(1, false);
            return org.lcl.torch.Functional.normalize(mean).contiguous().toFloatArray();
        }
    }

    /** Metrics of logits = 100 · images · classifierᵀ. */
    public static ClassificationMetrics score(LabeledFeatures images, float[] classifier) {
        int classes = images.numClasses();
        if (classifier.length != (long) classes * images.dim()) {
            throw new IllegalArgumentException("classifier has " + classifier.length + " values, expected " + classes + " x " + images.dim());
        }
        float[] logits;
        try (Scope s = Scope.open(); GradMode g = GradMode.noGrad()) {
            Tensor w = Torch.tensor(classifier, classes, images.dim());
            logits = images.featureTensor().matmul(w.t()).mul(LOGIT_SCALE).to(Device.CPU).contiguous().toFloatArray();
        }
        return ClassificationMetrics.of(logits, images.count(), classes, images.labels());
    }
}
