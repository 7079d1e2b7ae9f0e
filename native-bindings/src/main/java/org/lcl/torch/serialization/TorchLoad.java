package org.lcl.torch.serialization;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code torch.load} for files written by {@code torch.save} (PyTorch 1.6 and newer, any version since: the zip
 * format), without Python or libtorch. Returns a tree of plain Java values:
 * <ul>
 *   <li>dict and {@code collections.OrderedDict}: {@code LinkedHashMap<Object, Object>} in saved order (keys are
 *       usually {@code String}; optimizer state uses {@code Long})</li>
 *   <li>list: {@code ArrayList<Object>}; tuple and {@code torch.Size}: {@link PyTuple} (also a {@code List})</li>
 *   <li>str: {@code String}; int: {@code Long} ({@code BigInteger} beyond 64 bits); float: {@code Double};
 *       bool: {@code Boolean}; None: {@code null}; bytes: {@code byte[]}</li>
 *   <li>tensor and {@code nn.Parameter}: {@link HostTensor}, its storage memory-mapped read-only from the file;
 *       views of one storage share one buffer</li>
 *   <li>{@code torch.dtype}: {@link org.lcl.torch.DType}; {@code torch.device}: {@code String} such as
 *       {@code "cuda:0"}; {@code torch.layout}: {@code String} such as {@code "torch.strided"}</li>
 * </ul>
 * Attributes set on a dict (a state_dict's {@code _metadata}) are dropped. Any other Python object is refused
 * with a {@link TorchFormatException} naming the file and the global, as {@code torch.load(weights_only=True)} does.
 */
public final class TorchLoad {

    private TorchLoad() {
    }

    /** Loads {@code file}; a malformed, truncated or unsupported file throws a {@link TorchFormatException}. */
    public static Object load(Path file) throws IOException {
        try (TorchZipReader zip = TorchZipReader.open(file)) {
            String prefix = archivePrefix(zip);
            if (zip.contains(prefix + "constants.pkl")) {
                throw new TorchFormatException("this is a TorchScript archive (torch.jit.save), not a torch.save file");
            }
            byte[] pickle = zip.read(prefix + "data.pkl");
            var unpickler = new TorchUnpickler((key, bytes) -> zip.map(prefix + "data/" + key, bytes));
            return PickleReader.load(pickle, unpickler);
        } catch (TorchFormatException e) {
            throw new TorchFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** torch names the archive's single top folder after the file it saved to, so take it from the first entry. */
    private static String archivePrefix(TorchZipReader zip) throws TorchFormatException {
        String first = zip.names().stream().findFirst()
                .orElseThrow(() -> new TorchFormatException("empty zip archive"));
        int slash = first.indexOf('/');
        if (slash < 0 || !zip.contains(first.substring(0, slash + 1) + "data.pkl")) {
            throw new TorchFormatException("zip archive without <folder>/data.pkl: not a torch.save checkpoint");
        }
        return first.substring(0, slash + 1);
    }
}
