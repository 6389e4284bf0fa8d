#!/usr/bin/env bash
# ZetaSQL, BigQuery's SQL front end as Google publishes it (Maven Central's
# com.google.zetasql:zetasql-client + zetasql-jni-channel, which carries the native analyzer), as a
# small analyzer tool: test/tools/zetasql/ built with Maven into
# ${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/zetasql, its Maven repository in m2/ beside the
# jar, outside the repository. test/integration/warehouses/bigquery-zetasql.test.ts feeds it every
# statement the BigQuery warehouse sends.
#
# A re-run with the same sources returns at once; changed sources rebuild offline (mvn -o) from the
# cached repository. Prints the jar's path on stdout (progress goes to stderr): run it with
# `java -jar <path>`. Needs Java 17+ and Maven. Exit 1 when it cannot be built (no Java or Maven, no
# access to Maven Central the first time): the test then skips and says why (CI fails).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
project="$root/test/tools/zetasql"
cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
home="$cache/zetasql"
jar="$home/datapipe-zetasql.jar"
stamp="$home/.datapipe-sources"

mkdir -p "$home"
# One builder at a time: CI and a test run may both ask for it.
exec 9>"$cache/zetasql.lock"
flock 9

# The pom and every source file, hashed: the jar is current when the stamp matches.
sources=$(cd "$project" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
if [ -f "$jar" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sources" ]; then
  echo "$jar"
  exit 0
fi

java_major=$(java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print v[1]; exit }' || true)
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  echo "zetasql.sh: the ZetaSQL tool needs Java 17 or later on PATH (found: ${java_major:-none})" >&2
  exit 1
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "zetasql.sh: no Maven (mvn) on PATH, needed to build $project" >&2
  exit 1
fi

started=$(date +%s)
build() {
  mvn -q -B -Dstyle.color=never "$@" -f "$project/pom.xml" -Dmaven.repo.local="$home/m2" \
    -Ddatapipe.build.dir="$home/build" clean package >&2
}
# Offline once the repository holds a build's dependencies (the marker), online otherwise or when
# the offline build lacks something new (a changed pom).
if [ -f "$home/m2/.datapipe-complete" ] && build -o; then
  :
else
  echo "zetasql.sh: building the ZetaSQL tool into $home (downloads ZetaSQL from Maven Central, a minute or two, once)" >&2
  build || { echo "zetasql.sh: could not build $project (see above; is Maven Central reachable?)" >&2; exit 1; }
  touch "$home/m2/.datapipe-complete"
fi
cp "$home/build/datapipe-zetasql.jar" "$jar.tmp" && mv "$jar.tmp" "$jar"
printf '%s' "$sources" > "$stamp"
echo "zetasql.sh: ready in $(( $(date +%s) - started )) s ($(du -sh "$home" | cut -f1) in $home)" >&2
echo "$jar"
