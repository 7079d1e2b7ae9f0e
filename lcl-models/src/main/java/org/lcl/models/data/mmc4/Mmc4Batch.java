package org.lcl.models.data.mmc4;

import java.util.ArrayList;
import java.util.List;

/**
 * A batch as the reference collates it: ids stacked [B, ctx]; the images of all documents
 * concatenated in document order (then sequence order), which is the order in which the model
 * fills the placeholder runs.
 */
public record Mmc4Batch(int[][] ids, List<String> imageNames, List<byte[]> imageBytes) {

    public static Mmc4Batch of(List<Mmc4Sample> samples) {
        int[][] ids = new int[samples.size()][];
        List<String> names = new ArrayList<>();
        List<byte[]> bytes = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            ids[i] = samples.get(i).ids();
            names.addAll(samples.get(i).imageNames());
            bytes.addAll(samples.get(i).imageBytes());
        }
        return new Mmc4Batch(ids, List.copyOf(names), List.copyOf(bytes));
    }
}
