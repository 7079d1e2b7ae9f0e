package org.lcl.models.eval;

import java.util.List;

import org.lcl.models.data.tokenizer.SpecialTokens;
import org.lcl.models.data.tokenizer.Tokenizer;
import org.lcl.models.model.ImageTextModel;
import org.lcl.models.model.LclModel;
import org.lcl.torch.DType;
import org.lcl.torch.Device;
import org.lcl.torch.GradMode;
import org.lcl.torch.Scope;
import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * L2-normalised text features for zero-shot classifiers and retrieval, the LCL way for LCL models:
 * each text is tokenized as {@code <sot> text <eot>} and zero-padded to the context length, and
 * {@code encodeText} gives LCL's decoder feature at the {@code <soi>} that replaces the
 * {@code <eot>} (CLIP models: OpenCLIP's pooled text feature). A text too long for the context
 * is cut so that the end token still takes the last position: a {@code <soi>} is always there.
 * Special token ids inside a text are dropped, so every text has exactly one end token.
 */
public final class TextFeatures {

    /** The paper's zero-shot context: 77 tokens (or the model's context, when shorter). */
    public static final int MAX_CONTEXT = 77;

    private TextFeatures() {
    }

    /** The context texts are tokenized to: min(77, the model's text context length). */
    public static int contextLength(ImageTextModel model) {
        return Math.min(MAX_CONTEXT, model.config().textCfg().contextLength());
    }

    /** The ids of texts [texts.size() * contextLength], row-major: sot, the text's ids (special ids dropped, truncated), eot, zeros. */
    public static long[] tokenize(Tokenizer tokenizer, List<String> texts, int contextLength) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("context length must be at least 2 (sot and eot), got " + contextLength);
        }
        SpecialTokens sp = tokenizer.specialTokens();
        long[] ids = new long[texts.size() * contextLength];
        for (int t = 0; t < texts.size(); t++) {
            int base = t * contextLength;
            ids[base] = sp.startOfText();
            int pos = 1;
            for (int id : tokenizer.encode(texts.get(t))) {
                if (pos == contextLength - 1) {
                    break;
                }
                if (!isSpecial(id, sp)) {
                    ids[base + pos++] = id;
                }
            }
            ids[base + pos] = sp.endOfText();
        }
        return ids;
    }

    private static boolean isSpecial(int id, SpecialTokens sp) {
        return id == sp.startOfText() || id == sp.endOfText() || id == sp.imagePlaceholder() || id == sp.startOfImage() || id == sp.endOfImage();
    }

    /** Normalised features [texts.size(), D] row-major, encoded batchSize texts at a time with the model frozen in eval mode. */
    public static float[] encode(ImageTextModel model, Tokenizer tokenizer, List<String> texts, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (model instanceof LclModel lcl && !lcl.specialTokens().equals(tokenizer.specialTokens())) {
            throw new IllegalArgumentException("the tokenizer's special tokens " + tokenizer.specialTokens() + " differ from the model's "
                    + lcl.specialTokens() + " (special_token_ids of its config): use the tokenizer the model was trained with");
        }
        int ctx = contextLength(model);
        long[] ids = tokenize(tokenizer, texts, ctx);
        Device device = model.parameters().getFirst().device();
        float[] out = null;
        int dim = 0;
        boolean wasTraining = model.isTraining();
        model.eval();
        try (GradMode g = GradMode.noGrad()) {
            for (int start = 0; start < texts.size(); start += batchSize) {
                int count = Math.min(batchSize, texts.size() - start);
                try (Scope s = Scope.open()) {
                    long[] rows = java.util.Arrays.copyOfRange(ids, start * ctx, (start + count) * ctx);
                    Tensor f = model.encodeText(Torch.tensor(rows, count, ctx).to(device), true);
                    if (f.dim() != 2 || f.size(0) != count) {
                        throw new IllegalStateException("encodeText gave " + java.util.Arrays.toString(f.shape()) + " for " + count + " texts");
                    }
                    float[] batch = f.to(Device.CPU, DType.FLOAT32, false).contiguous().toFloatArray();
                    if (out == null) {
                        dim = Math.toIntExact(f.size(1));
                        out = new float[Math.multiplyExact(texts.size(), dim)];
                    }
                    System.arraycopy(batch, 0, out, start * dim, batch.length);
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return out == null ? new float[0] : out;
    }
}
