#!/usr/bin/env bash
# The .deb (cmake/packaging.cmake) as an operator gets it: CPack builds it from the build dir under
# test, its control fields are checked (Depends filled in by dpkg-shlibdeps and covering every shared
# library the binaries need), then dpkg installs it into a scratch root with its own dpkg database,
# the files land where the systemd unit and the docs say they are, the installed binaries run (the
# daemon accepts the packaged example config with --check), and dpkg removes it without leftovers.
# --force-depends: the scratch root's dpkg database has none of the libraries; the binaries still run
# because they load the host's.
set -euo pipefail
BUILD=$(cd "${1:?usage: deb_package_test.sh BUILD_DIR}" && pwd)
tmp=$(mktemp -d /tmp/wgfo-deb-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; fail "cpack could not build the package"; }
debs=("$tmp"/out/wg-failover_*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || fail "expected one wg-failover_*.deb, got: $(ls "$tmp/out")"
deb=${debs[0]}
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == wg-failover ]] || fail "Package: $(field Package)"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] || fail "Architecture: $(field Architecture)"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
[[ $(field Version) == "$version" ]] || fail "Version $(field Version), project version $version"
echo "$(basename "$deb"): $(stat -c %s "$deb") bytes"

# Every library the binaries link directly (NEEDED) must come from a package that Depends names; the
# libraries those pull in are their packages' own dependencies.
depends=$(field Depends)
echo "Depends: $depends"
dpkg-deb -x "$deb" "$tmp/x"
for bin in "$tmp/x/usr/sbin/wg-failoverd" "$tmp/x/usr/bin/wg-failover"; do
  while read -r lib path; do
    [[ -n $path && -e $path ]] || fail "$(basename "$bin") needs $lib, which the host does not resolve"
    # dpkg knows a library by the path its package shipped (/lib or /usr/lib under usrmerge).
    pkg=$({ dpkg -S "$path" || dpkg -S "$(readlink -f "$path")"; } 2>/dev/null | head -n 1 | cut -d: -f1 |
      cut -d, -f1) || true
    [[ -n $pkg ]] || fail "no package owns $path ($lib)"
    # The package itself or a virtual package it provides (libspdlog1.10 provides libspdlog1.10-fmt9,
    # which is what its shlibs file tells dpkg-shlibdeps to depend on).
    names=("$pkg")
    mapfile -t -O 1 names < <(dpkg-query -W -f='${Provides}' "$pkg" | tr ',' '\n' | awk '{ print $1 }')
    found=false
    for n in "${names[@]}"; do
      [[ -n $n ]] && grep -Eq "(^|, )${n//+/\\+}( |,|$)" <<<"$depends" && found=true
    done
    $found || fail "$(basename "$bin") needs $lib from $pkg (${names[*]}), not in Depends"
  done < <(join <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort) \
    <(ldd "$bin" | awk '$2 == "=>" { print $1, $3 }' | sort))
done
echo "every library wg-failoverd and wg-failover link comes from a package in Depends"

# Install into a scratch root with an empty dpkg database.
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
dpkg --root="$root" --force-depends --log=/dev/null -i "$deb" >"$tmp/dpkg.log" 2>&1 ||
  { cat "$tmp/dpkg.log"; fail "dpkg could not install the package into the scratch root"; }
[[ $(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' wg-failover) == "install ok installed" ]] ||
  fail "dpkg does not list wg-failover as installed in the scratch root"
expected=(
  /lib/systemd/system/wg-failoverd.service
  /usr/bin/wg-failover
  /usr/sbin/wg-failoverd
  /usr/share/doc/wg-failover/README.md
  /usr/share/doc/wg-failover/examples/wg-failover.yaml
  /usr/share/doc/wg-failover/examples/wg_failover_client.py
  /usr/share/doc/wg-failover/frr/README.md
  /usr/share/doc/wg-failover/frr/bgpd-route-map.conf
  /usr/share/doc/wg-failover/frr/bgpd-tag.conf
  /usr/share/doc/wg-failover/frr/daemons
  /usr/share/doc/wg-failover/frr/nftables-frr-grpc.nft
  /usr/share/wg-failover/proto/wgfailover/v1/failover.proto
)
listed=$(dpkg-query --admindir="$root/var/lib/dpkg" -L wg-failover | while read -r f; do
  [[ -f $root$f ]] && echo "$f"; done | sort)
[[ $listed == "$(printf '%s\n' "${expected[@]}" | sort)" ]] ||
  fail "installed files differ from the expected list:$(diff <(printf '%s\n' "${expected[@]}" | sort) <(echo "$listed"))"
for x in /usr/sbin/wg-failoverd /usr/bin/wg-failover; do
  [[ $(stat -c %a "$root$x") == 755 ]] || fail "$x has mode $(stat -c %a "$root$x")"
done
echo "installed into a scratch root: ${#expected[@]} files where expected, binaries 0755"

# The unit starts what the package installed, and points at the packaged docs.
unit=$root/lib/systemd/system/wg-failoverd.service
for key in ExecStart ExecStartPre; do
  exe=$(sed -n "s/^$key=\([^ ]*\).*/\1/p" "$unit")
  [[ -x $root$exe ]] || fail "the unit's $key runs $exe, which the package does not install"
done
doc=$(sed -n 's|^Documentation=file:||p' "$unit")
[[ -f $root$doc ]] || fail "the unit's Documentation $doc is not in the package"
out=$("$root/usr/sbin/wg-failoverd" --config "$root/usr/share/doc/wg-failover/examples/wg-failover.yaml" --check 2>&1) ||
  fail "the installed daemon rejects the packaged example config: $out"
echo "installed daemon: $out"
"$root/usr/bin/wg-failover" --help >/dev/null || fail "the installed CLI does not run"
grep -q '^service FailoverService' "$root/usr/share/wg-failover/proto/wgfailover/v1/failover.proto" ||
  fail "the packaged proto has no FailoverService"

dpkg --root="$root" --log=/dev/null -r wg-failover >"$tmp/dpkg-r.log" 2>&1 ||
  { cat "$tmp/dpkg-r.log"; fail "dpkg could not remove the package"; }
left=$(find "$root" -type f -not -path "$root/var/lib/dpkg/*")
[[ -z $left ]] || fail "files left after removal: $left"
echo "removed: no files left"
echo PASS
