#!/usr/bin/env bash
# fake-gcs-server (github.com/fsouza/fake-gcs-server), the GCS emulator the GCS store tests run
# against (test/integration/gcs). Built once with `go install` into
# ${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/bin, with GOPATH and the module cache under the same
# folder, outside the repository; a re-run finds the pinned version there and returns at once.
#
# Prints the binary's path on stdout (progress goes to stderr). Exit 1 when it cannot be built (no
# Go toolchain, no access to the Go module proxy): the tests then skip and say why (CI fails).
set -euo pipefail

version=v1.56.1
module=github.com/fsouza/fake-gcs-server

cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
bin="$cache/bin"
binary="$bin/fake-gcs-server"

built_version() {
  # The module version go embeds in the binary: "<tab>mod<tab>github.com/…<tab>v1.56.1<tab>h1:…".
  go version -m "$binary" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

mkdir -p "$bin"
# One builder at a time: CI and a test run may both ask for it.
exec 9>"$cache/fake-gcs-server.lock"
flock 9

if ! command -v go >/dev/null 2>&1; then
  if [ -x "$binary" ]; then
    echo "fake-gcs-server.sh: no Go toolchain to check the version of $binary; using it as is" >&2
    echo "$binary"
    exit 0
  fi
  echo "fake-gcs-server.sh: no Go toolchain on PATH (needed once, to build $module@$version)" >&2
  exit 1
fi

if [ -x "$binary" ] && [ "$(built_version)" = "$version" ]; then
  echo "$binary"
  exit 0
fi

echo "fake-gcs-server.sh: building $module@$version into $bin (a few minutes, once)" >&2
started=$(date +%s)
if ! GOBIN="$bin" GOPATH="$cache/go" GOMODCACHE="$cache/go/pkg/mod" GOFLAGS=-modcacherw \
     go install "$module@$version" >&2; then
  echo "fake-gcs-server.sh: could not build $module@$version (see above; is the Go module proxy reachable?)" >&2
  exit 1
fi
echo "fake-gcs-server.sh: ready in $(( $(date +%s) - started )) s" >&2
echo "$binary"
