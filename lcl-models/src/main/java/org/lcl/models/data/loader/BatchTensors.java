package org.lcl.models.data.loader;

import org.lcl.torch.Tensor;

/**
 * A batch on its device: images {@code [N_img, 3, H, W]} float32 (null when the batch holds no
 * image) and ids {@code [B, L]} int64. Image i fills the i-th run of {@code <img_placehold>}
 * tokens in (row, position) order of ids, as LCL's forward requires.
 */
public record BatchTensors(Tensor images, Tensor ids) {
}
