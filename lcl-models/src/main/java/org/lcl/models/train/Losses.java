package org.lcl.models.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.lcl.torch.Tensor;

/**
 * A loss dict as OpenCLIP's {@code output_dict=True}: the named terms in log order (for LCL
 * {@code contrastive_loss}, {@code caption_loss}) and their sum {@code total}, already weighted.
 */
public record Losses(Map<String, Tensor> terms, Tensor total) {

    public Losses {
        terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }
}
