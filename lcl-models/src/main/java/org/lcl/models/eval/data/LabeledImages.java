package org.lcl.models.eval.data;

import java.io.IOException;
import java.util.List;

import org.lcl.models.data.image.ImageDecodeException;
import org.lcl.models.data.image.ImageDecoder;
import org.lcl.models.data.image.RgbImage;

/**
 * A classification split: images with integer labels into {@link #classes()}. Images are loaded
 * one at a time ({@link #image}), so a split of files costs no memory until it is encoded.
 */
public interface LabeledImages {

    /** A short name for logs and results, e.g. {@code fashion-mnist/test}. */
    String name();

    /** Class names; label i names classes().get(i). */
    List<String> classes();

    int size();

    /** The label of sample i, in [0, classes().size()). */
    int label(int i);

    /** Sample i as 8-bit RGB; files are decoded with decoder (PIL's {@code convert("RGB")}). */
    RgbImage image(int i, ImageDecoder decoder) throws IOException, ImageDecodeException;

    /** Where sample i comes from (a file path or an index), for skip messages. */
    String source(int i);

    /** The samples at indices, in that order (a view; the indices are copied). */
    default LabeledImages subset(int[] indices) {
        return new Subset(this, indices.clone());
    }

    /** A view of some samples of a split. */
    record Subset(LabeledImages base, int[] indices) implements LabeledImages {

        public Subset {
            for (int i : indices) {
                if (i < 0 || i >= base.size()) {
                    throw new IndexOutOfBoundsException("index " + i + " outside " + base.name() + " of " + base.size() + " samples");
                }
            }
        }

        @Override
        public String name() {
            return base.name();
        }

        @Override
        public List<String> classes() {
            return base.classes();
        }

        @Override
        public int size() {
            return indices.length;
        }

        @Override
        public int label(int i) {
            return base.label(indices[i]);
        }

        @Override
        public RgbImage image(int i, ImageDecoder decoder) throws IOException, ImageDecodeException {
            return base.image(indices[i], decoder);
        }

        @Override
        public String source(int i) {
            return base.source(indices[i]);
        }
    }
}
