#!/usr/bin/env bash
# Compile-only check of the native shim against the libtorch headers of other Debian
# suites. This machine links Debian bookworm's libtorch 1.13; users bring libtorch 2.x,
# so an API break there would otherwise go unnoticed. Nothing is linked or run: the
# 2.x libraries need a newer glibc than bookworm's.
#
# Usage: scripts/lib/check-libtorch-headers.sh [SUITE...]        (default: trixie sid)
# Environment:
#   LCL_CACHE_DIR        cache root (default $HOME/.cache/lcl); per-suite apt state and
#                        unpacked header roots live in $LCL_CACHE_DIR/libtorch-headers/
#   LCL_CHECK_SOURCES    space-separated C++ files to check instead of the shim's sources
#   LCL_DEBIAN_MIRROR    Debian archive URL (default http://deb.debian.org/debian, the
#                        host used by this machine's own sources)
#   LCL_CHECK_JOBS       parallel compiles (default 2)
#   CXX                  compiler (default g++)
# Exit status: 0 all OK or skipped (mirror unreachable, tools missing), 1 any failure.
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
native=$repo/native-bindings/src/main/native
cache=${LCL_CACHE_DIR:-$HOME/.cache/lcl}/libtorch-headers
mirror=${LCL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
jobs=${LCL_CHECK_JOBS:-2}
cxx=${CXX:-g++}
suites=("$@")
[[ ${#suites[@]} -gt 0 ]] || suites=(trixie sid)

skip() { echo "check-libtorch-headers: skipped: $*"; exit 0; }
die() { echo "check-libtorch-headers: error: $*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg-deb "$cxx"; do
  command -v "$tool" >/dev/null || skip "$tool not found (needs a Debian-like host)"
done
[[ -r $keyring ]] || skip "$keyring missing (install debian-archive-keyring)"

if [[ -n ${LCL_CHECK_SOURCES:-} ]]; then
  read -r -a sources <<<"$LCL_CHECK_SOURCES"
else
  shopt -s nullglob
  sources=("$native"/src/*.cpp)
  shopt -u nullglob
fi
[[ ${#sources[@]} -gt 0 ]] || skip "no C++ sources in $native/src"
for i in "${!sources[@]}"; do
  [[ -f ${sources[$i]} ]] || die "no such source: ${sources[$i]}"
  sources[$i]=$(cd "$(dirname "${sources[$i]}")" && pwd)/$(basename "${sources[$i]}")
done

# A host-wide CPATH would let headers slip in from outside the private root.
unset CPATH CPLUS_INCLUDE_PATH C_INCLUDE_PATH

# Private apt configuration: APT_CONFIG is read before apt.conf.d, and pointing
# Dir::Etc::main/parts at our own dir means none of the host's settings or hooks apply.
# The sid index is served with an expired Valid-Until, hence Check-Valid-Until false.
write_apt_config() { # dir suite
  local d=$1 suite=$2
  mkdir -p "$d"/etc/apt.conf.d "$d"/etc/sources.list.d "$d"/etc/preferences.d \
    "$d"/state/lists/partial "$d"/cache/archives/partial "$d"/log
  : >"$d"/state/status
  echo "deb [signed-by=$keyring] $mirror $suite main" >"$d"/etc/sources.list
  cat >"$d"/apt.conf <<EOF
Dir::State "$d/state";
Dir::State::status "$d/state/status";
Dir::Cache "$d/cache";
Dir::Log "$d/log";
Dir::Etc::main "$d/etc/apt.conf";
Dir::Etc::parts "$d/etc/apt.conf.d";
Dir::Etc::sourcelist "$d/etc/sources.list";
Dir::Etc::sourceparts "$d/etc/sources.list.d";
Dir::Etc::preferences "$d/etc/preferences";
Dir::Etc::preferencesparts "$d/etc/preferences.d";
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
Dir::Cache::srcpkgcache "";
Acquire::Retries "0";
Acquire::http::Timeout "10";
Acquire::https::Timeout "10";
APT::Update::Error-Mode "any";
APT::Sandbox::User "$(id -un)";
EOF
}

network_error() { # log file
  grep -qE "Could not resolve|Temporary failure resolving|Could not connect|Connection timed out|Network is unreachable|No route to host|Connection refused|Unable to connect" "$1"
}

# Fetches SUITE's libtorch-dev and libgloo-dev plus the -dev packages libtorch-dev
# depends on (glog/gflags for 1.13) into $cache/SUITE/root, reusing it while the
# versions are unchanged. Sets root, versions and origin. Returns 2 when the mirror is
# unreachable and nothing is cached.
fetch_suite() { # suite
  local suite=$1 d=$cache/$1 log
  log=$d/update.log
  mkdir -p "$d"
  write_apt_config "$d"/apt "$suite"
  export APT_CONFIG=$d/apt/apt.conf
  root=$d/root
  if ! apt-get -q update >"$log" 2>&1; then
    if network_error "$log"; then
      if [[ -f $root/.versions ]]; then
        echo "  mirror unreachable; using the cached root from $(date -r "$root/.versions" +%F)"
        versions=$(cat "$root/.versions") origin="root cached, index not checked"
        return 0
      fi
      return 2
    fi
    sed 's/^/    /' "$log"
    echo "  apt-get update failed for $suite"
    ! grep -q NO_PUBKEY "$log" || echo "  (NO_PUBKEY: $keyring predates this suite's key)"
    return 1
  fi
  local show pkgs=(libtorch-dev libgloo-dev) dep
  show=$(apt-cache show --no-all-versions libtorch-dev) || {
    echo "  no libtorch-dev in $suite"; return 1; }
  # First alternative of each dependency, without version constraints.
  for dep in $(sed -n 's/^Depends: //p' <<<"$show" | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//'); do
    [[ $dep == *-dev && $dep != python3-dev ]] && pkgs+=("$dep")
  done
  local wanted
  wanted=$(apt-cache show --no-all-versions "${pkgs[@]}" |
    awk '/^Package: /{p=$2} /^Version: /{print p" "$2}' | sort)
  if [[ -f $root/.versions && $(cat "$root/.versions") == "$wanted" ]]; then
    versions=$wanted origin="index checked, root cached"
    return 0
  fi
  local tmp=$d/unpack deb
  rm -rf "$tmp" "$d"/debs && mkdir -p "$tmp" "$d"/debs
  if ! (cd "$d"/debs && apt-get -q download "${pkgs[@]}" >"$d"/download.log 2>&1); then
    sed 's/^/    /' "$d"/download.log
    echo "  apt-get download failed for $suite"
    return 1
  fi
  for deb in "$d"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp"; done
  echo "$wanted" >"$tmp"/.versions
  rm -rf "$root" "$d"/debs && mv "$tmp" "$root"
  versions=$wanted origin="fetched"
}

header_version() { # root
  local f
  for f in "$1"/usr/include/torch/headeronly/version.h \
    "$1"/usr/include/torch/csrc/api/include/torch/version.h; do
    if grep -q 'define TORCH_VERSION_MAJOR' "$f" 2>/dev/null; then
      awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH) /{v=v (v?".":"") $3} END{print v}' "$f"
      return
    fi
  done
  echo unknown
}

# One source against one root: syntax check plus dependency list from the same run,
# then refuse any torch-family header that resolved outside the private root (a header
# missing there silently falls back to the host's 1.13 copy in /usr/include).
check_one() { # root outdir index source
  local root=$1 out=$2/$3 src=$4 start rc=0 leaks
  start=$SECONDS
  "$cxx" -fsyntax-only -std=c++20 -DUSE_C10D_GLOO -MD -MF "$out.d" \
    -I"$native/include" -I"$root/usr/include" -I"$root/usr/include/torch/csrc/api/include" \
    "$src" >"$out.log" 2>&1 || rc=$?
  leaks=$(sed 's/\\$//' "$out.d" 2>/dev/null | tr ' ' '\n' | grep '^/' |
    grep -v -e "^$root/" -e "^$repo/" -e "^$(dirname "$src")/" |
    grep -E '/(torch|c10|ATen|caffe2|gloo|glog|gflags|fmt|kineto)/' || true)
  if [[ -n $leaks ]]; then
    { echo "headers taken from outside $root:"; echo "$leaks"; } >>"$out.log"
    rc=1
  fi
  echo "$rc $((SECONDS - start))" >"$out.rc"
}
export -f check_one
export cxx native repo

status=0
for suite in "${suites[@]}"; do
  echo "== $suite ($mirror)"
  t0=$SECONDS
  rc=0
  fetch_suite "$suite" || rc=$?
  if [[ $rc -eq 2 ]]; then
    echo "  skipped: $mirror unreachable for $suite"
    sed 's/^/    /' "$cache/$suite/update.log" | grep -E '^ *(E|W|Err):' | head -3
    continue
  elif [[ $rc -ne 0 ]]; then
    status=1
    continue
  fi
  echo "  libtorch headers $(header_version "$root"); packages ($origin, $((SECONDS - t0)) s):"
  sed 's/^/    /' <<<"$versions"
  out=$(mktemp -d)
  t0=$SECONDS
  for i in "${!sources[@]}"; do printf '%s\0%s\0' "$i" "${sources[$i]}"; done |
    xargs -0 -n 2 -P "$jobs" bash -c 'check_one "$0" "$1" "$2" "$3"' "$root" "$out"
  for i in "${!sources[@]}"; do
    read -r rc secs <"$out/$i.rc" 2>/dev/null || { rc=1 secs=?; }
    rel=${sources[$i]#"$repo"/}
    # Warnings from inside the torch headers are not ours to fix; keep those in our code.
    warnings=$(grep ' warning: ' "$out/$i.log" | grep -v "^$root/" |
      sed "s|^$repo/||" | sort -u || true)
    if [[ $rc -eq 0 ]]; then
      echo "  OK   $rel (${secs} s)"
      # Deprecations on 2.x are the early notice of the next break: show each once.
      [[ -z $warnings ]] || sed 's/^/    /' <<<"$warnings"
    else
      status=1
      echo "  FAIL $rel (${secs} s)"
      { grep ' error: ' "$out/$i.log" | head -30 || true; sed -n '/^headers taken/,$p' "$out/$i.log"; } |
        sed "s|^$repo/||; s/^/    /"
    fi
  done
  echo "  compiled ${#sources[@]} file(s) in $((SECONDS - t0)) s"
  rm -rf "$out"
done
exit "$status"
