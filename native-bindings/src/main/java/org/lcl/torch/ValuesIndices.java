package org.lcl.torch;

/** The (values, indices) pair that {@code max(dim)}, {@code min(dim)} and {@code topk} return. */
public record ValuesIndices(Tensor values, Tensor indices) {}
