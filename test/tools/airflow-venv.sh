#!/usr/bin/env bash
# A virtualenv with Apache Airflow <major> (2 or 3) and the cncf.kubernetes provider, for the DAG
# import tests (test/integration/airflow). Created once under
# ${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/airflow<major>, outside the repository, pinned by
# airflow<major>-constraints.txt beside this script; a re-run with the same pins returns at once.
#
# Prints the virtualenv's python on stdout (progress goes to stderr). Exit 1 when it cannot be
# made (no network to PyPI, no usable Python): the tests then skip and say why.
set -euo pipefail

major=${1:-}
case "$major" in
  2) spec=(apache-airflow==2.10.5 apache-airflow-providers-cncf-kubernetes==10.10.0) ;;
  3) spec=(apache-airflow==3.1.8 apache-airflow-providers-cncf-kubernetes==10.25.0) ;;
  *) echo "usage: airflow-venv.sh 2|3" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
constraints="$here/airflow$major-constraints.txt"
cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
venv="$cache/airflow$major"
stamp="$venv/.datapipe-pins"
pins="$(printf '%s\n' "${spec[@]}")
$(sha256sum < "$constraints")"

mkdir -p "$cache"
# One creator at a time: CI and a test run may both ask for it.
exec 9>"$cache/airflow$major.lock"
flock 9

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pins" ]; then
  echo "$venv/bin/python"
  exit 0
fi

# The pins were resolved on Python 3.11; Airflow 2.10 supports 3.8–3.12.
python=""
for candidate in python3.11 python3.12 python3.10 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys, venv; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' 2>/dev/null; then
    python=$(command -v "$candidate")
    break
  fi
done
if [ -z "$python" ]; then
  echo "airflow-venv.sh: no Python 3.10–3.12 with the venv module on PATH" >&2
  exit 1
fi

echo "airflow-venv.sh: installing ${spec[*]} into $venv (a few minutes, once)" >&2
rm -rf "$venv"
started=$(date +%s)
if ! "$python" -m venv "$venv" >&2 ||
   ! "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -c "$constraints" "${spec[@]}" >&2; then
  rm -rf "$venv"
  echo "airflow-venv.sh: could not install ${spec[*]} from PyPI (see above)" >&2
  exit 1
fi
printf '%s' "$pins" > "$stamp"
echo "airflow-venv.sh: Airflow $major ready in $(( $(date +%s) - started )) s" >&2
echo "$venv/bin/python"
