package org.lcl.models.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lcl.torch.Tensor;
import org.lcl.torch.Torch;

/**
 * A forward's outputs as OpenCLIP's output dict: the per-sample features that
 * {@code --accum-freq} caches and concatenates (image/text features; for LCL also the generation
 * logits and labels), and the scalars that are never concatenated (exp(logit_scale)).
 *
 * @param features name → tensor whose dim 0 runs over samples (or pairs, or target tokens)
 * @param logitScale exp(logit_scale) from this forward
 */
public record ModelOutputs(Map<String, Tensor> features, Tensor logitScale) {

    public ModelOutputs {
        features = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(features));
    }

    public Tensor get(String name) {
        Tensor t = features.get(name);
        if (t == null) {
            throw new IllegalArgumentException("model output has no '" + name + "'; it has " + features.keySet());
        }
        return t;
    }

    /**
     * OpenCLIP's accumulation: for every feature, the cached micro-batches' tensors with the
     * j-th replaced by this forward's (which carries the gradient), concatenated along dim 0.
     */
    public ModelOutputs withCached(List<ModelOutputs> cached, int j) {
        Map<String, Tensor> joined = new LinkedHashMap<>();
        for (String key : features.keySet()) {
            List<Tensor> parts = new ArrayList<>(cached.size());
            for (int k = 0; k < cached.size(); k++) {
                parts.add(k == j ? features.get(key) : cached.get(k).get(key));
            }
            joined.put(key, Torch.cat(parts, 0));
        }
        return new ModelOutputs(joined, logitScale);
    }
}
