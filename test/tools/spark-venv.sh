#!/usr/bin/env bash
# Local Apache Spark with Delta Lake and Avro, for the Databricks twin (test/tools/databricks_fake.py):
# a virtualenv with pinned pyspark + delta-spark, and the Delta and spark-avro jars from Maven
# Central, all under ${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/spark, outside the repository.
# Spark 4.0 is the line Databricks Runtime 17 (and so today's SQL warehouses) is built on; Delta
# 4.0.x is the Delta release for Spark 4.0 (https://docs.delta.io/releases). The jars are copied
# into spark/jars and handed to Spark as files (spark.jars), so a cached start needs no network
# (Ivy via spark.jars.packages would resolve again at every start).
#
# A re-run with the same pins returns at once. Prints the virtualenv's python on stdout (progress
# goes to stderr). Needs Java 17+ at run time (Spark 4 requires it). Exit 1 when it cannot be made
# (no network to PyPI or Maven Central, no usable Python or Maven): the tests then skip and say why
# (CI fails).
set -euo pipefail

pyspark_version=4.0.2
delta_version=4.0.1
jars=(
  "io.delta:delta-spark_2.13:$delta_version"
  "io.delta:delta-storage:$delta_version"
  "org.apache.spark:spark-avro_2.13:$pyspark_version"
)
# A recent maven-dependency-plugin: Maven 3.8's default (2.8) predates copy's -Dartifact handling we rely on.
dependency_plugin=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
home="$cache/spark"
venv="$home/venv"
jar_dir="$home/jars"
stamp="$home/.datapipe-pins"
pins="pyspark==$pyspark_version delta-spark==$delta_version ${jars[*]}"

mkdir -p "$cache"
# One creator at a time: CI and a test run may both ask for it.
exec 9>"$cache/spark.lock"
flock 9

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pins" ]; then
  echo "$venv/bin/python"
  exit 0
fi

python=""
for candidate in python3.11 python3.12 python3.10 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys, venv; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
    python=$(command -v "$candidate")
    break
  fi
done
if [ -z "$python" ]; then
  echo "spark-venv.sh: no Python 3.9–3.13 with the venv module on PATH" >&2
  exit 1
fi
java_major=$(java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print v[1]; exit }' || true)
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  echo "spark-venv.sh: Spark 4 needs Java 17 or later on PATH (found: ${java_major:-none})" >&2
  exit 1
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "spark-venv.sh: no Maven (mvn) on PATH, needed once to fetch ${jars[*]}" >&2
  exit 1
fi

echo "spark-venv.sh: installing pyspark $pyspark_version, delta-spark $delta_version and the Delta/Avro jars into $home (a few minutes, once)" >&2
started=$(date +%s)
rm -rf "$venv" "$jar_dir" "$stamp"
fail() {
  rm -rf "$venv" "$jar_dir"
  echo "spark-venv.sh: $1 (see above)" >&2
  exit 1
}
"$python" -m venv "$venv" >&2 || fail "could not create the virtualenv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input \
  "pyspark==$pyspark_version" "delta-spark==$delta_version" >&2 ||
  fail "could not install pyspark $pyspark_version and delta-spark $delta_version from PyPI"
mkdir -p "$jar_dir"
for artifact in "${jars[@]}"; do
  # Spark itself provides these jars' other dependencies (scala-library, antlr4, xz, spark-tags).
  mvn -q -B -Dstyle.color=never "$dependency_plugin:copy" -Dartifact="$artifact" -DoutputDirectory="$jar_dir" \
    -Dmaven.repo.local="$home/m2" -Dmdep.overWriteReleases=true >&2 ||
    fail "could not fetch $artifact from Maven Central"
done
printf '%s' "$pins" > "$stamp"
echo "spark-venv.sh: Spark ready in $(( $(date +%s) - started )) s ($(du -sh "$home" | cut -f1) in $home)" >&2
echo "$venv/bin/python"
