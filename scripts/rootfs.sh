#!/bin/sh
# rootfs.sh DEST BINARY...: the root filesystem of an image that runs BINARY and
# nothing else. DEST gets each BINARY at its own path, exactly the shared
# libraries ldd says it loads (the dynamic loader among them) at the paths ldd
# names, and the CA bundle; no shell, no package manager, no other file.
# Run by the Dockerfiles' rootfs stages (Debian bookworm, which has ldd).
set -eu
dest=$1
shift
copy() {
  mkdir -p "$dest$(dirname "$1")"
  cp -L "$1" "$dest$1"
}
for bin in "$@"; do
  copy "$bin"
  # "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" and "/lib64/ld-linux-x86-64.so.2 (0x…)"
  for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    copy "$lib"
  done
done
copy /etc/ssl/certs/ca-certificates.crt
