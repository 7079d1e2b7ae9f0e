# Shared set-up for the scripts: sourced, not run. Finds a JDK >= 22, installs what is
# missing when run as root (or prints the exact command), and builds the project.
# shellcheck shell=bash

LCL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export LCL_ROOT
LCL_LIB="$LCL_ROOT/native-bindings/target/native/liblcl_torch.so"

lcl_die() {
    echo "error: $*" >&2
    exit 1
}

# Java's major version of a java binary, or 0.
lcl_java_major() {
    "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

lcl_find_jdk() {
    local candidates=() c major
    [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
    candidates+=(/usr/lib/jvm/* /opt/java/* /opt/jdk*)
    for c in "${candidates[@]}"; do
        [[ -x "$c/bin/java" && -x "$c/bin/javac" ]] || continue
        major=$(lcl_java_major "$c/bin/java")
        if [[ "${major:-0}" -ge 22 ]]; then
            export JAVA_HOME="$c"
            export PATH="$JAVA_HOME/bin:$PATH"
            return 0
        fi
    done
    lcl_die "no JDK >= 22 found (looked at \$JAVA_HOME and /usr/lib/jvm). Install one (e.g. Temurin 25) and set JAVA_HOME."
}

# Debian packages needed to build (and, with "test", to run the tests).
lcl_packages() {
    # libturbojpeg0 and libwebp7: the image decoders the data pipeline calls (the same as PIL's).
    local pkgs=(g++ make maven libopenblas0-pthread libturbojpeg0 libwebp7)
    [[ -z "${LIBTORCH:-}" ]] && pkgs+=(libtorch-dev libgloo-dev)
    if [[ "${1:-}" == demo ]]; then
        # The demo's data: Fashion-MNIST, Tux Paint's captioned stamps, fortune sentences.
        pkgs+=(dataset-fashion-mnist tuxpaint-stamps-default fortunes)
    fi
    if [[ "${1:-}" == test ]]; then
        # Reference values and checkpoint interchange (python3-torch), the binding generator
        # (python3-clang, libclang), the Fashion-MNIST data set of the MLP test, Tux Paint's
        # captioned stamps for the WebDataset make-shards round trip, the CLIP tokenizer's Python
        # reference (python3-regex) and its benchmark text (fortunes); the image pipeline's
        # PIL/torchvision reference and its native JPEG decoder (libturbojpeg0; libwebp7 comes
        # with python3-pil).
        pkgs+=(python3-torch python3-clang dataset-fashion-mnist tuxpaint-stamps-default python3-regex fortunes)
        pkgs+=(python3-pil python3-torchvision libturbojpeg0)
    fi
    printf '%s\n' "${pkgs[@]}"
}

lcl_ensure_packages() {
    local missing=() p
    while read -r p; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done < <(lcl_packages "${1:-}")
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -eq 0 ]]; then
        echo "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        lcl_die "missing packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
    fi
}

# Builds the native library and installs the Java modules into target/ (no tests).
lcl_build() {
    bash "$LCL_ROOT/native-bindings/src/main/native/build.sh"
    (cd "$LCL_ROOT" && mvn -B -q -Dlcl.native.skip=true -DskipTests install)
}

lcl_java() {
    java --enable-native-access=ALL-UNNAMED -Dlcl.torch.library="$LCL_LIB" "$@"
}
