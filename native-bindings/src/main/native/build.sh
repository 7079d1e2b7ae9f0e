#!/usr/bin/env bash
# Builds the native library against a libtorch: $LIBTORCH (an official libtorch 2.x
# distribution, CPU or CUDA, or a PyTorch installation's package folder holding include/
# and lib/), else Debian's libtorch-dev. Prints what it found. Output: target/native/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(cd "$here/../../.." && pwd)/target/native
mkdir -p "$out"

if [[ -n "${LIBTORCH:-}" ]]; then
    root=$(cd "$LIBTORCH" && pwd)
    inc="$root/include"
    lib="$root/lib"
    if [[ ! -f "$inc/torch/csrc/api/include/torch/version.h" || ! -e "$lib/libtorch_cpu.so" ]]; then
        echo "error: LIBTORCH=$LIBTORCH does not look like libtorch: expected include/torch/csrc/api/include/torch/version.h and lib/libtorch_cpu.so" >&2
        exit 1
    fi
else
    inc=/usr/include
    lib=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
    if [[ ! -f "$inc/torch/csrc/api/include/torch/version.h" || ! -e "$lib/libtorch_cpu.so" ]]; then
        echo "error: no libtorch found. Install Debian's: apt-get install -y libtorch-dev libgloo-dev libopenblas0-pthread g++ make" >&2
        echo "       or set LIBTORCH=/path/to/libtorch (a libtorch 2.x distribution or a PyTorch package folder)" >&2
        exit 1
    fi
fi

version_h="$inc/torch/csrc/api/include/torch/version.h"
version=$(awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ {v = v (v ? "." : "") $3} END {print v}' "$version_h")

cxxflags=(-O2 -fPIC -std=c++20 -fvisibility=hidden -Wall -Wno-unused-parameter -DUSE_C10D_GLOO
          -I"$here/include" -I"$inc" -I"$inc/torch/csrc/api/include")
libs=(-ltorch -ltorch_cpu -lc10)
cuda="no"
if [[ -e "$lib/libtorch_cuda.so" ]]; then
    cuda="yes (libtorch_cuda found)"
    libs+=(-ltorch_cuda -lc10_cuda)
    cxxflags+=(-DLCL_CUDA_LINKED)
    # The allocator statistics need CUDA's runtime headers; PyTorch wheels ship them in nvidia/.
    cuda_inc=""
    for d in "${CUDA_HOME:-/usr/local/cuda}/include" "$root/../nvidia/cuda_runtime/include" /usr/include; do
        if [[ -f "$d/cuda_runtime_api.h" ]]; then cuda_inc="$d"; break; fi
    done
    if [[ -n "$cuda_inc" ]]; then
        cxxflags+=(-DLCL_WITH_CUDA -I"$cuda_inc")
        if [[ -f "$inc/torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp" ]]; then
            cxxflags+=(-DLCL_WITH_NCCL -DUSE_C10D_NCCL)
            cuda="$cuda, NCCL"
        fi
    else
        cuda="$cuda, but cuda_runtime_api.h not found (set CUDA_HOME): CUDA memory statistics and NCCL disabled"
    fi
fi
# Match libtorch's C++ ABI (pre-2.7 PyTorch wheels use the old one).
# (nm's output is captured first: with pipefail, grep -q closing the pipe early reads as failure.)
c10_symbols=$(nm -D "$lib/libc10.so" 2>/dev/null || true)
if [[ "$c10_symbols" == *__cxx11* ]]; then abi=1; else abi=0; fi
cxxflags+=(-D_GLIBCXX_USE_CXX11_ABI=$abi)
ldflags=(-Wl,--no-undefined -Wl,--no-as-needed -L"$lib" "${libs[@]}" -Wl,-rpath,"$lib" -Wl,--as-needed)

echo "lcl_torch: libtorch $version at $lib (headers $inc); CUDA: $cuda"
flags="${cxxflags[*]} | ${ldflags[*]}"
# Rebuild everything when the flags change (another libtorch, another ABI).
if [[ ! -f "$out/flags" || "$(cat "$out/flags")" != "$flags" ]]; then
    printf '%s' "$flags" > "$out/flags"
fi
printf 'libtorch_version=%s\nlibtorch_lib=%s\ncuda=%s\n' "$version" "$lib" "$cuda" > "$out/build-info.properties"
make -s -C "$here" -j"$(nproc)" OUT="$out" LCL_CXXFLAGS="${cxxflags[*]}" LCL_LDFLAGS="${ldflags[*]}"
echo "lcl_torch: built $out/liblcl_torch.so"
