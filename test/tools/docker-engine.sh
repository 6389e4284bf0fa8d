#!/usr/bin/env bash
# A Docker engine for the image tests (test/tools/docker-suite.sh, .ci/run).
#
#   docker-engine.sh up     prints `export DOCKER_HOST=…` and `export DATAPIPE_DOCKER_NETWORK=…` for
#                           an engine that answers: the one the environment already names, else one
#                           this script starts; exit 3 (reason on stderr) when none can be had
#   docker-engine.sh down   stops the engine `up` started, if any
#
# Where no engine answers and we are root, it installs Debian's docker.io if dockerd is missing and
# starts dockerd by hand, leaving the host network alone: no iptables rules, no masquerading, no
# bridge (so builds and containers use `--network host`), overlay2 with its data root in
# ${DATAPIPE_CI_CACHE:-~/.cache/datapipe-ci}/docker (kept between runs: images and build cache),
# its socket and pid file in /run/datapipe-ci-docker. Only the dockerd whose pid file is there is
# ever stopped.
set -euo pipefail

cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}"
run_dir=/run/datapipe-ci-docker
socket="unix://$run_dir/docker.sock"
pidfile="$run_dir/dockerd.pid"
log="$cache/dockerd.log"

say() { echo "docker-engine: $*" >&2; }

answers() { DOCKER_HOST="$1" timeout 20 docker info >/dev/null 2>&1; }

# The network containers and builds use: the engine's default bridge when it has one, else host.
print_env() {
  local host="$1" network=host
  if DOCKER_HOST="$host" docker network inspect bridge >/dev/null 2>&1; then network=bridge; fi
  printf 'export DOCKER_HOST=%q\nexport DATAPIPE_DOCKER_NETWORK=%s\n' "$host" "$network"
}

install_docker() {
  say "dockerd is missing: installing Debian's docker.io"
  # No service may start during the install (it would start dockerd with its default, iptables-
  # changing flags): a policy-rc.d refusing every start, unless the machine already has one.
  local policy=/usr/sbin/policy-rc.d added=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; added=1; fi
  local status=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null; } >&2 || status=$?
  if [ "$added" = 1 ]; then rm -f "$policy"; fi
  return "$status"
}

up() {
  if command -v docker >/dev/null 2>&1 && answers "${DOCKER_HOST:-}"; then
    say "using the engine that answers at ${DOCKER_HOST:-the default socket}"
    print_env "${DOCKER_HOST:-unix:///var/run/docker.sock}"
    return 0
  fi
  if command -v docker >/dev/null 2>&1 && answers "$socket"; then
    say "using the engine this script started earlier ($socket)"
    print_env "$socket"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    say "no Docker engine answers and starting dockerd needs root — start Docker, or set DOCKER_HOST"
    return 3
  fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    install_docker || { say "could not install docker.io (apt-get failed, see above)"; return 3; }
  fi
  mkdir -p "$cache/docker" "$run_dir"
  exec 9>"$run_dir/lock"
  flock 9
  if answers "$socket"; then print_env "$socket"; return 0; fi
  say "starting dockerd (data root $cache/docker, socket $socket, log $log)"
  local started
  started=$(date +%s)
  setsid dockerd \
    --host "$socket" --pidfile "$pidfile" --exec-root "$run_dir/exec" \
    --data-root "$cache/docker" --storage-driver overlay2 \
    --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
    </dev/null >>"$log" 2>&1 9>&- &
  for _ in $(seq 1 120); do
    if answers "$socket"; then
      say "dockerd answers after $(( $(date +%s) - started )) s (pid $(cat "$pidfile"))"
      print_env "$socket"
      return 0
    fi
    sleep 0.5
  done
  say "dockerd did not answer within 60 s; the end of $log:"
  tail -n 20 "$log" >&2 || true
  down
  return 3
}

down() {
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
    say "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then say "dockerd (pid $pid) still running after 30 s: killing it"; kill -KILL "$pid"; fi
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
