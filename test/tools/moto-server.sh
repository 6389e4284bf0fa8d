#!/usr/bin/env bash
# moto's standalone server (PyPI moto[server], pinned below), the S3 emulator the S3 store tests run
# against (test/integration/s3). Installed once into a virtualenv under
# ${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/moto, outside the repository, with every
# dependency pinned by moto-constraints.txt beside this script; a re-run with the same pins returns
# at once.
#
# Prints the path of the moto_server executable on stdout (progress goes to stderr). Exit 1 when
# it cannot be installed (no usable Python, no access to PyPI): the tests then skip and say why
# (under CI=true they fail).
set -euo pipefail

spec='moto[server]==5.2.5'

here=$(cd "$(dirname "$0")" && pwd)
constraints="$here/moto-constraints.txt"
cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
venv="$cache/moto"
stamp="$venv/.datapipe-pins"
pins="$spec
$(sha256sum < "$constraints")"

mkdir -p "$cache"
# One installer at a time: CI and a test run may both ask for it.
exec 9>"$cache/moto.lock"
flock 9

if [ -x "$venv/bin/moto_server" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pins" ]; then
  echo "$venv/bin/moto_server"
  exit 0
fi

# moto 5.2 supports Python 3.9 and later.
python=""
for candidate in python3 python3.12 python3.11 python3.10; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] >= (3, 9) else 1)' 2>/dev/null; then
    python=$(command -v "$candidate")
    break
  fi
done
if [ -z "$python" ]; then
  echo "moto-server.sh: no Python 3.9+ with the venv module on PATH" >&2
  exit 1
fi

echo "moto-server.sh: installing $spec into $venv (a minute, once)" >&2
rm -rf "$venv"
started=$(date +%s)
if ! "$python" -m venv "$venv" >&2 ||
   ! "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -c "$constraints" "$spec" >&2; then
  rm -rf "$venv"
  echo "moto-server.sh: could not install $spec from PyPI (see above)" >&2
  exit 1
fi
printf '%s' "$pins" > "$stamp"
echo "moto-server.sh: moto ready in $(( $(date +%s) - started )) s" >&2
echo "$venv/bin/moto_server"
