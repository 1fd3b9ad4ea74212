#!/usr/bin/env bash
# Sets up and runs every test of Vellum: installs the Debian packages the tests need (FUSE and
# the real programs of the program suite), restores, builds (warnings are errors), runs all
# test projects (real FUSE mounts: run as root) and the scanner's fuzz target for
# VELLUM_FUZZ_SECONDS (default 60).
# Prints one closing line "tests: N passed, N failed" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
    echo "scripts/test.sh: the .NET SDK (dotnet) is not on PATH; install .NET 10 first" >&2
    exit 1
fi
# fusermount3 (Debian's fuse3) serves the test of a mount made without root; the others are
# the real programs tests/Vellum.Programs.Tests runs on the mount. Only missing ones are installed.
packages="fuse3 git tar rsync sqlite3 make gcc libc6-dev python3 python3-venv attr vim coreutils findutils sed diffutils patch gzip bzip2 xz-utils zstd zip unzip acl"
missing=""
for package in $packages; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "scripts/test.sh: the tests mount FUSE filesystems: run as root (missing packages:$missing)" >&2
        exit 1
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export VELLUM_FUZZ_SECONDS="${VELLUM_FUZZ_SECONDS:-60}"

dotnet build Vellum.sln -c Release -warnaserror -nologo -v quiet

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# One test project at a time (-m:1; the tests inside a project still run side by side): on
# two cores, two projects of real mounts, daemons and fsyncs at once starve each other, and
# tests that time what a program does against a plain directory, or wait for a daemon's
# answer, failed by turns under that load.
dotnet test Vellum.sln -c Release --no-build -nologo -m:1 --logger "console;verbosity=minimal" 2>&1 | tee "$log" || status=$?

# dotnet test prints one summary line per test project ("Passed!  - Failed: 0, Passed: 18, ...");
# add them up into the plain closing line.
count() { { grep -E '^(Passed|Failed)!' "$log" || true; } | { grep -Eo "$1: +[0-9]+" || true; } | awk '{s+=$2} END {print s+0}'; }
passed=$(count Passed)
failed=$(count Failed)
projects=$({ grep -Ec '^(Passed|Failed)!' "$log" || true; })
echo "tests: ${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$projects" -eq 0 ]; then
    exit 1
fi
