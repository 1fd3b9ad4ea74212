#!/usr/bin/env bash
# Installs what the benchmark suites drive: for "fuse" and "mount" fio, the two
# C passthroughs it compares against (bindfs, fuse-overlayfs) and fuse3 (fusermount3,
# /dev/fuse); for "replication" and "baseline" rsync; for "timetravel" restic. The suites themselves install nothing.
# Debian/Ubuntu, as root; skips what is already installed, so running it again changes nothing.
set -euo pipefail

packages=(fio bindfs fuse-overlayfs fuse3 rsync restic)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "bench-deps: ${packages[*]} already installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "bench-deps: run as root to install: ${missing[*]}" >&2
    exit 1
fi
echo "bench-deps: installing ${missing[*]}"
apt-get update
apt-get install -y "${missing[@]}"
