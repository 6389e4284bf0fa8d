#!/usr/bin/env bash
# actionlint (github.com/rhysd/actionlint), the GitHub Actions workflow linter the `generate ci`
# tests run on the generated .github/workflows/datapipe.yml (test/unit/ci). Built once with
# `go install` into ${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/bin, with GOPATH and the module
# cache under the same folder, outside the repository; a re-run finds the pinned version there and
# returns at once.
#
# Prints the binary's path on stdout (progress goes to stderr). Exit 1 when it cannot be built (no
# Go toolchain, no access to the Go module proxy): the tests then skip and say why (CI fails).
set -euo pipefail

version=v1.7.12
module=github.com/rhysd/actionlint
package=$module/cmd/actionlint

cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
bin="$cache/bin"
binary="$bin/actionlint"

built_version() {
  # The module version go embeds in the binary: "<tab>mod<tab>github.com/…<tab>v1.7.12<tab>h1:…".
  go version -m "$binary" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

mkdir -p "$bin"
# One builder at a time: CI and a test run may both ask for it.
exec 9>"$cache/actionlint.lock"
flock 9

if ! command -v go >/dev/null 2>&1; then
  if [ -x "$binary" ]; then
    echo "actionlint.sh: no Go toolchain to check the version of $binary; using it as is" >&2
    echo "$binary"
    exit 0
  fi
  echo "actionlint.sh: no Go toolchain on PATH (needed once, to build $package@$version)" >&2
  exit 1
fi

if [ -x "$binary" ] && [ "$(built_version)" = "$version" ]; then
  echo "$binary"
  exit 0
fi

echo "actionlint.sh: building $package@$version into $bin (a minute, once)" >&2
started=$(date +%s)
if ! GOBIN="$bin" GOPATH="$cache/go" GOMODCACHE="$cache/go/pkg/mod" GOFLAGS=-modcacherw \
     go install "$package@$version" >&2; then
  echo "actionlint.sh: could not build $package@$version (see above; is the Go module proxy reachable?)" >&2
  exit 1
fi
echo "actionlint.sh: ready in $(( $(date +%s) - started )) s" >&2
echo "$binary"
