#!/usr/bin/env bash
# The Docker image suite (test/e2e/image-docker.e2e.test.ts: `make build`, then the images run as
# the workflow runs them) on a machine with or without a Docker engine.
#
#   docker-suite.sh        up, then the suite, then down
#   docker-suite.sh up     an engine (docker-engine.sh: the one that answers, else dockerd started
#                          here as root), the base image (docker-base-image.sh: node:22-bookworm-slim,
#                          else a stand-in made from Debian packages), then `make build` of this
#                          checkout, which fills the build cache; prints the `export …` lines the
#                          suite reads (.ci/run evals them and runs the suite inside `npm test`)
#   docker-suite.sh down   stops the engine `up` started, if it started one
#
# Exit 3 from `up` when no engine can be had: the suite then skips, saying why (CI fails instead).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "docker-suite: $*" >&2; }

up() {
  local engine base flags="" started
  engine=$(bash test/tools/docker-engine.sh up) || return $?
  eval "$engine"
  base=$(bash test/tools/docker-base-image.sh)
  if [ "$DATAPIPE_DOCKER_NETWORK" = host ]; then flags="--network host"; fi
  started=$(date +%s)
  say "make build DOCKER_BUILD_FLAGS=\"$flags\" BASE_IMAGE=$base"
  make --no-print-directory build DOCKER_BUILD_FLAGS="$flags" BASE_IMAGE="$base" >&2
  say "make build of this checkout took $(( $(date +%s) - started )) s"
  if [ "$DOCKER_HOST" = unix:///run/datapipe-ci-docker/docker.sock ]; then
    # An engine of our own keeps its data between runs: drop the tags of earlier checkouts' images
    # (each run tags its own version), keeping latest and this one. Never on someone else's engine.
    local version
    version=$(git describe --always --dirty 2>/dev/null || echo dev)
    docker images --format '{{.Repository}}:{{.Tag}}' 'datapipe/*' | grep -vE ":(latest|$version)\$" | xargs -r docker rmi >/dev/null 2>&1 || true
  fi
  printf '%s\nexport DATAPIPE_DOCKER_BASE_IMAGE=%q\nexport DATAPIPE_DOCKER_BUILD_FLAGS=%q\n' "$engine" "$base" "$flags"
}

case "${1:-run}" in
  up) up ;;
  down) bash test/tools/docker-engine.sh down ;;
  run)
    status=0
    exports=$(up) || status=$?
    if [ "$status" = 0 ]; then
      trap 'bash test/tools/docker-engine.sh down' EXIT
      eval "$exports"
    elif [ "$status" != 3 ]; then
      exit "$status"
    fi
    npx vitest run test/e2e/image-docker.e2e.test.ts
    ;;
  *) echo "usage: $0 [up|down|run]" >&2; exit 2 ;;
esac
