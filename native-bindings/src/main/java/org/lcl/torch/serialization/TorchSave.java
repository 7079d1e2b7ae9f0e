package org.lcl.torch.serialization;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code torch.save} without Python or libtorch: writes a tree of Java values (the types {@link TorchLoad} returns)
 * as a zip-format checkpoint that {@code torch.load} of any PyTorch since 1.6 reads, including with
 * {@code weights_only=True}. Java maps become {@code collections.OrderedDict}, lists {@code list},
 * {@link PyTuple} {@code tuple}, {@link HostTensor} a tensor on its {@code device}, {@link org.lcl.torch.DType} a
 * {@code torch.dtype}; tensors sharing a storage buffer stay views of one storage.
 */
public final class TorchSave {

    /** torch names the folder after the file; a fixed name keeps output independent of the (temporary) file name. */
    private static final String ARCHIVE = "archive/";

    private TorchSave() {
    }

    /**
     * Writes {@code tree} to {@code file}, atomically: into a temporary file beside it, flushed to disk, then
     * renamed over {@code file}, so a crash never leaves a half-written checkpoint under that name.
     *
     * @throws IllegalArgumentException if the tree holds a value with no Python counterpart (the message says where)
     */
    public static void save(Object tree, Path file) throws IOException {
        save(tree, file, false);
    }

    /** As {@link #save(Object, Path)}; {@code forceZip64} lets tests cover the zip64 records of >4 GiB files. */
    static void save(Object tree, Path file, boolean forceZip64) throws IOException {
        TorchPickler.Result pickled = TorchPickler.pickle(tree);
        AtomicFile.write(file, channel -> {
            TorchZipWriter zip = new TorchZipWriter(channel, forceZip64);
            zip.add(ARCHIVE + "data.pkl", ByteBuffer.wrap(pickled.pickle()));
            zip.add(ARCHIVE + "byteorder", ascii("little"));
            for (TorchPickler.Storage s : pickled.storages()) {
                zip.add(ARCHIVE + "data/" + s.key(), s.bytes());
            }
            zip.add(ARCHIVE + "version", ascii("3\n"));
            zip.finish();
        });
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
