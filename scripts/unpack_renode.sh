#!/usr/bin/env bash
# unpack_renode.sh TARBALL SHA256 DEST: unpacks a portable Renode tarball into DEST once, after
# checking its sha256 (a stamp named after the sha256 marks a complete unpack; run again, it does nothing).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 TARBALL SHA256 DEST" >&2; exit 2; }
tarball=$1 sha256=$2 dest=$3
stamp="$dest/.unpacked-$sha256"
[ -f "$stamp" ] && exit 0
echo "$sha256  $tarball" | sha256sum --check --quiet --status - \
  || { echo "setup: $tarball does not have the expected sha256 $sha256" >&2; exit 1; }
echo "setup: unpacking $tarball into $dest"
rm -rf "$dest" "$dest.partial"
mkdir -p "$dest.partial"
tar -xJf "$tarball" -C "$dest.partial"
mv "$dest.partial" "$dest"  # a half-unpacked tree is never taken for a good one
touch "$stamp"
