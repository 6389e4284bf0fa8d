#!/usr/bin/env bash
# check-jsonschema (PyPI, pinned below), the JSON Schema validator the `generate ci` tests run on
# the generated .gitlab-ci.yml and cloudbuild.yaml (test/unit/ci). It ships the SchemaStore schemas
# it knows (`--builtin-schema vendor.gitlab-ci`, `vendor.github-workflows`), so validating against
# them needs no network. Installed once into a virtualenv under
# ${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/check-jsonschema, outside the repository; a re-run
# with the same pin returns at once.
#
# Prints the path of the check-jsonschema executable on stdout (progress goes to stderr). Exit 1
# when it cannot be installed (no usable Python, no access to PyPI): the tests then skip and say
# why (under CI=true they fail).
set -euo pipefail

spec='check-jsonschema==0.39.0'

cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
venv="$cache/check-jsonschema"
stamp="$venv/.datapipe-pins"

mkdir -p "$cache"
# One installer at a time: CI and a test run may both ask for it.
exec 9>"$cache/check-jsonschema.lock"
flock 9

if [ -x "$venv/bin/check-jsonschema" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$spec" ]; then
  echo "$venv/bin/check-jsonschema"
  exit 0
fi

python=""
for candidate in python3 python3.12 python3.11 python3.10 python3.9; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] >= (3, 9) else 1)' 2>/dev/null; then
    python=$(command -v "$candidate")
    break
  fi
done
if [ -z "$python" ]; then
  echo "check-jsonschema.sh: no Python 3.9+ with the venv module on PATH" >&2
  exit 1
fi

echo "check-jsonschema.sh: installing $spec into $venv (seconds, once)" >&2
rm -rf "$venv"
started=$(date +%s)
if ! "$python" -m venv "$venv" >&2 ||
   ! "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input "$spec" >&2; then
  rm -rf "$venv"
  echo "check-jsonschema.sh: could not install $spec from PyPI (see above)" >&2
  exit 1
fi
printf '%s' "$spec" > "$stamp"
echo "check-jsonschema.sh: ready in $(( $(date +%s) - started )) s" >&2
echo "$venv/bin/check-jsonschema"
