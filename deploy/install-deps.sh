#!/usr/bin/env bash
# Installs everything wg-failover's build, tests and lab need on Debian 12, plus FRR's northbound gRPC
# module built from Debian's own frr source package (Debian ships FRR without it).
# Idempotent: packages already installed are not touched, and the module is rebuilt only when the
# installed frr version differs from the one it was built for. Must run as root.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "install-deps.sh: must run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

BUILD_PKGS=(
  cmake g++ make ninja-build pkg-config git
  libboost-dev libmnl-dev libprotobuf-dev protobuf-compiler libgrpc++-dev libgrpc-dev protobuf-compiler-grpc
  libspdlog-dev libfmt-dev googletest libgtest-dev libgmock-dev libyaml-cpp-dev libcli11-dev
  prometheus-cpp-dev libsystemd-dev nlohmann-json3-dev
  clang libclang-rt-14-dev dpkg-dev ccache
)
LAB_PKGS=(
  frr bird2 wireguard-go wireguard-tools nftables iproute2 iputils-ping socat curl openssl procps util-linux
  python3 python3-grpcio python3-protobuf grpc-proto stress-ng jq tcpdump
)
# What building FRR's grpc.so needs (frr-grpc.md §6.1).
FRR_BUILD_PKGS=(
  build-essential autoconf automake libtool bison flex gawk libc-ares-dev libcap-dev libelf-dev
  libjson-c-dev libpam0g-dev libpcre2-dev libreadline-dev libyang2-dev python3-dev patchelf
)

missing=()
for p in "${BUILD_PKGS[@]}" "${LAB_PKGS[@]}" "${FRR_BUILD_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -q
  # --no-install-recommends: wireguard-tools would otherwise pull a whole kernel image.
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---- FRR northbound gRPC module ------------------------------------------------------------------
FRR_LIB=/usr/lib/x86_64-linux-gnu/frr
STAMP=$FRR_LIB/modules/.wgfo-grpc-built-for
frr_version=$(dpkg-query -W -f='${Version}' frr)
if [ -f "$FRR_LIB/modules/grpc.so" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$frr_version" ]; then
  exit 0
fi

# A deb-src entry derived from the machine's own Debian source list (deb822 or one-line format).
SRC_LIST=/etc/apt/sources.list.d/wgfo-deb-src.sources
if ! apt-get source --print-uris frr >/dev/null 2>&1; then
  : > "$SRC_LIST.tmp"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && [ "$f" != "$SRC_LIST" ] || continue
    grep -q '^Types:.*\bdeb\b' "$f" || continue
    sed -e 's/^Types:.*/Types: deb-src/' "$f" >> "$SRC_LIST.tmp"
    echo >> "$SRC_LIST.tmp"
  done
  if [ -f /etc/apt/sources.list ]; then
    grep -E '^deb\s' /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/wgfo-deb-src.list || true
    [ -s /etc/apt/sources.list.d/wgfo-deb-src.list ] || rm -f /etc/apt/sources.list.d/wgfo-deb-src.list
  fi
  if [ -s "$SRC_LIST.tmp" ]; then mv "$SRC_LIST.tmp" "$SRC_LIST"; else rm -f "$SRC_LIST.tmp"; fi
  apt-get update -q
fi

work=$(mktemp -d /tmp/wgfo-frr-grpc.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "install-deps: building FRR gRPC module for frr $frr_version in $work"
apt-get source -q --download-only "frr=$frr_version" >/dev/null
dpkg-source -x ./frr_*.dsc src >/dev/null
cd src
./bootstrap.sh >/dev/null 2>&1
# Debian's layout; no sysrepo/confd (they change struct yang_module). See frr-grpc.md §6.1.
./configure -q --prefix=/usr --sbindir=/usr/lib/frr --sysconfdir=/etc/frr --localstatedir=/var/run/frr \
  --libdir=$FRR_LIB --with-moduledir=$FRR_LIB/modules \
  --enable-user=frr --enable-group=frr --enable-vty-group=frrvty --enable-multipath=256 \
  --disable-doc --disable-protobuf --disable-zeromq --enable-grpc >/dev/null
make -s -j"$(nproc)" lib/grpc.la >/dev/null 2>&1 || { make -j"$(nproc)" lib/grpc.la; exit 1; }
install -m0644 grpc/.libs/libfrrgrpc_pb.so.0.0.0 "$FRR_LIB/"
ln -sf libfrrgrpc_pb.so.0.0.0 "$FRR_LIB/libfrrgrpc_pb.so.0"
install -m0644 lib/.libs/grpc.so "$FRR_LIB/modules/grpc.so"
patchelf --set-rpath "$FRR_LIB" "$FRR_LIB/modules/grpc.so"
patchelf --set-rpath "$FRR_LIB" "$FRR_LIB/libfrrgrpc_pb.so.0.0.0"
echo "$frr_version" > "$STAMP"
echo "install-deps: installed $FRR_LIB/modules/grpc.so"
