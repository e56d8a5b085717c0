#!/usr/bin/env bash
# Builds kube-apiserver and etcd from Go source (via the wrapper modules
# scripts/cluster/go.mod and scripts/cluster/etcd/go.mod) into a version-keyed cache
# outside the repo, and prints that bin dir as the LAST line of stdout:
#   ${PODPROF_CACHE_DIR:-$HOME/.cache/podprof}/controlplane/k8s-<v>-etcd-<v>/{kube-apiserver,etcd}
# With --node it also builds what a real node needs into the same dir:
# kubelet, kube-controller-manager, kube-scheduler, kube-proxy (same wrapper module),
# containerd, containerd-shim-runc-v2 and ctr (containerd/go.mod), and CoreDNS (coredns/go.mod).
# If the binaries already exist it only prints the dir (a few ms).
# Cold build ~7 min on 2 cores, ~3.4 GB of Go caches: see BUILD-NOTES.md.
# Needs Go >= the `go` line of go.mod (1.26) and the Go module proxy.
# Regenerate the go.mod files for another Kubernetes version with gen-gomod.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

modver() { awk -v m="$1" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$2"; }
K8S_VERSION="$(modver k8s.io/kubernetes "$HERE/go.mod")"
ETCD_VERSION="$(modver go.etcd.io/etcd/server/v3 "$HERE/etcd/go.mod")"
[[ -n "$K8S_VERSION" && -n "$ETCD_VERSION" ]] || { echo "build.sh: cannot read versions from go.mod files" >&2; exit 1; }

NODE=0; [[ "${1:-}" == "--node" ]] && NODE=1
NODE_BINS=(kubelet kube-controller-manager kube-scheduler kube-proxy containerd containerd-shim-runc-v2 ctr coredns)
BIN_DIR="${PODPROF_CACHE_DIR:-$HOME/.cache/podprof}/controlplane/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}"
have_all() {
  [[ -x "$BIN_DIR/kube-apiserver" && -x "$BIN_DIR/etcd" ]] || return 1
  if ((NODE)); then for b in "${NODE_BINS[@]}"; do [[ -x "$BIN_DIR/$b" ]] || return 1; done; fi
}
if have_all; then echo "$BIN_DIR"; exit 0; fi

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null || { echo "build.sh: no Go toolchain in PATH (need the version in go.mod's 'go' line)" >&2; exit 1; }

mkdir -p "$BIN_DIR"
# Serialize concurrent builds (e.g. parallel test files); re-check after the lock.
exec 9>"$BIN_DIR/.build.lock"
flock 9
if have_all; then echo "$BIN_DIR"; exit 0; fi

export CGO_ENABLED=0
# Build the binary in package $2 of module dir $1 as $BIN_DIR/$3, atomically.
build() {
  local moddir="$1" pkg="$2" name="$3" ldflags="$4"
  local tmp="$BIN_DIR/.${name}.tmp.$$"
  echo "build.sh: building $name from $pkg ..." >&2
  local start=$SECONDS
  (cd "$moddir" && go build -trimpath -ldflags="$ldflags" -o "$tmp" "$pkg") || { rm -f "$tmp"; return 1; }
  mv -f "$tmp" "$BIN_DIR/$name"
  echo "build.sh: built $name in $((SECONDS - start))s" >&2
}

if [[ ! -x "$BIN_DIR/etcd" ]]; then
  build "$HERE/etcd" go.etcd.io/etcd/server/v3 etcd "-s -w"
fi

# Same version stamping as kubernetes' hack/lib/version.sh, so that
# /version and `kubectl version` report the real release.
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
vflags=""
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  vflags+=" -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
  vflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
done
if [[ ! -x "$BIN_DIR/kube-apiserver" ]]; then
  build "$HERE" k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "-s -w${vflags}"
fi

if ((NODE)); then
  for c in kubelet kube-controller-manager kube-scheduler kube-proxy; do
    [[ -x "$BIN_DIR/$c" ]] || build "$HERE" "k8s.io/kubernetes/cmd/$c" "$c" "-s -w${vflags}"
  done
  # containerd's own wrapper module, so it builds with containerd's dependency versions.
  for c in containerd containerd-shim-runc-v2 ctr; do
    [[ -x "$BIN_DIR/$c" ]] || build "$HERE/containerd" "github.com/containerd/containerd/v2/cmd/$c" "$c" "-s -w"
  done
  [[ -x "$BIN_DIR/coredns" ]] || build "$HERE/coredns" github.com/coredns/coredns coredns "-s -w"
fi

have_all || { echo "build.sh: binaries missing after build in $BIN_DIR" >&2; exit 1; }
echo "$BIN_DIR"
