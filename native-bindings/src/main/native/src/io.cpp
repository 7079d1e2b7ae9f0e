// torch.save / torch.load of a single tensor through libtorch's pickler. Dicts (state dicts,
// checkpoints) are read and written on the Java side: libtorch 1.13 cannot unpickle the
// OrderedDict that every real PyTorch state dict is.
#include <torch/serialize.h>

#include <fstream>
#include <iterator>

#include "common.h"

using namespace lcl;

LCL_API lcl_status lcl_save_tensor(lcl_tensor *t, const char *path) {
    return guard([&] {
        auto bytes = torch::pickle_save(c10::IValue(ref(t).get()));
        std::string tmp = std::string(path) + ".tmp";
        {
            std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
            if (!f) throw std::runtime_error("cannot open '" + tmp + "' for writing");
            f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            if (!f) throw std::runtime_error("write to '" + tmp + "' failed");
        }
        if (std::rename(tmp.c_str(), path) != 0) {
            std::remove(tmp.c_str());
            throw std::runtime_error("cannot rename '" + tmp + "' to '" + path + "'");
        }
    });
}

LCL_API lcl_status lcl_load_tensor(const char *path, lcl_tensor **out) {
    return guard([&] {
        std::ifstream f(path, std::ios::binary);
        if (!f) throw std::runtime_error("cannot open '" + std::string(path) + "'");
        std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        c10::IValue v;
        try {
            v = torch::pickle_load(bytes);
        } catch (const c10::Error &e) {
            throw std::runtime_error("'" + std::string(path) + "' is not a torch-saved tensor: " +
                                     e.what_without_backtrace());
        }
        if (!v.isTensor()) {
            throw std::runtime_error("'" + std::string(path) + "' holds a " + v.tagKind() + ", not a tensor");
        }
        *out = give(v.toTensor());
    });
}
