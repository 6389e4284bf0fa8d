#!/usr/bin/env bash
# The Python tools `npm run bench -- --peers` measures DataPipe against: dlt with its duckdb and
# parquet extras and the sql_database source (SQLAlchemy), ConnectorX, pyarrow, psycopg 3 and
# fastavro, pinned below, every dependency pinned by peers-constraints.txt beside this script.
# Installed once into a virtualenv under ${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/bench-peers,
# outside the repository; a re-run with the same pins returns at once. Not part of CI.
#
# Prints the virtualenv's python on stdout (progress goes to stderr). When everything cannot be
# installed at once, each group is tried alone and the ones that fail are named on stderr: the
# benchmark then lists the peers that need them as skipped (it probes each peer's imports), and
# the next run tries again (no stamp is written). Exit 1 only when no virtualenv could be made.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
constraints="$here/peers-constraints.txt"
# The groups a peer needs (bench/peers/*.py import them): dlt and its destinations; ConnectorX
# (dlt's fastest backend, a Rust wheel); psycopg 3 + fastavro (the hand-written script). psycopg is
# in the dlt group too: SQLAlchemy reflects the table through it.
dlt_group=('dlt[duckdb,parquet,sql-database]==1.31.0' 'pyarrow==26.0.1' 'duckdb==2.0.1' 'SQLAlchemy==2.1.9' 'psycopg[binary]==3.3.9')
connectorx_group=('connectorx==0.4.6')
fastavro_group=('fastavro==1.13.1' 'psycopg[binary]==3.3.9')

cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
venv="$cache/bench-peers"
stamp="$venv/.datapipe-pins"
pins="${dlt_group[*]} ${connectorx_group[*]} ${fastavro_group[*]}
$(sha256sum < "$constraints")"

mkdir -p "$cache"
# One installer at a time: two benchmark runs may both ask for it.
exec 9>"$cache/bench-peers.lock"
flock 9

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pins" ]; then
  echo "$venv/bin/python"
  exit 0
fi

# The pinned wheels (pyarrow 26, duckdb 2.0, connectorx 0.4.6) exist for CPython 3.10–3.13.
python=""
for candidate in python3.11 python3.12 python3.13 python3.10 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys, venv; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
    python=$(command -v "$candidate")
    break
  fi
done
if [ -z "$python" ]; then
  echo "peers-venv.sh: no Python 3.10–3.13 with the venv module on PATH" >&2
  exit 1
fi

pip_install() {
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -c "$constraints" "$@" >&2
}

echo "peers-venv.sh: installing dlt 1.31.0, ConnectorX, pyarrow, psycopg 3 and fastavro into $venv (a minute, once)" >&2
started=$(date +%s)
rm -rf "$venv"
if ! "$python" -m venv "$venv" >&2; then
  rm -rf "$venv"
  echo "peers-venv.sh: could not create a virtualenv with $python" >&2
  exit 1
fi
if pip_install "${dlt_group[@]}" "${connectorx_group[@]}" "${fastavro_group[@]}"; then
  printf '%s' "$pins" > "$stamp"
  echo "peers-venv.sh: ready in $(( $(date +%s) - started )) s" >&2
else
  # Keep what can be had: a missing ConnectorX wheel should not cost the other peers.
  missing=()
  pip_install "${dlt_group[@]}" || missing+=("dlt (${dlt_group[*]})")
  pip_install "${connectorx_group[@]}" || missing+=("ConnectorX (${connectorx_group[*]})")
  pip_install "${fastavro_group[@]}" || missing+=("fastavro (${fastavro_group[*]})")
  echo "peers-venv.sh: could not install from PyPI: ${missing[*]:-nothing alone, only all together} — the peers that need them are skipped; the next run tries again" >&2
fi
echo "$venv/bin/python"
