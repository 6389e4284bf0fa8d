#!/usr/bin/env bash
# go-tool.sh <name> <module> <package> <version>: a Go command-line tool the tests run, built once
# with `go install <package>@<version>` into ${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/bin, with
# GOPATH and the module cache under the same folder, outside the repository; a re-run finds the
# pinned version there (the module version go embeds in the binary) and returns at once.
#
# Prints the binary's path on stdout (progress goes to stderr). Exit 1 when it cannot be built (no
# Go toolchain, no access to the Go module proxy): the tests then skip and say why (CI fails).
set -euo pipefail

name=$1 module=$2 package=$3 version=$4
cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
bin="$cache/bin"
binary="$bin/$name"

built_version() {
  # "<tab>mod<tab>github.com/…<tab>v1.2.3<tab>h1:…"
  go version -m "$binary" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

mkdir -p "$bin"
# One builder at a time: CI and a test run may both ask for it.
exec 9>"$cache/$name.lock"
flock 9

if ! command -v go >/dev/null 2>&1; then
  if [ -x "$binary" ]; then
    echo "$name: no Go toolchain to check the version of $binary; using it as is" >&2
    echo "$binary"
    exit 0
  fi
  echo "$name: no Go toolchain on PATH (needed once, to build $package@$version)" >&2
  exit 1
fi

if [ -x "$binary" ] && [ "$(built_version)" = "$version" ]; then
  echo "$binary"
  exit 0
fi

echo "$name: building $package@$version into $bin (once)" >&2
started=$(date +%s)
if ! GOBIN="$bin" GOPATH="$cache/go" GOMODCACHE="$cache/go/pkg/mod" GOFLAGS=-modcacherw \
     go install "$package@$version" >&2; then
  echo "$name: could not build $package@$version (see above; is the Go module proxy reachable?)" >&2
  exit 1
fi
echo "$name: ready in $(( $(date +%s) - started )) s" >&2
echo "$binary"
