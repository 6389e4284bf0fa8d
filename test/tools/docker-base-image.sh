#!/usr/bin/env bash
# The base image the image tests build on, printed on stdout (progress and the choice on stderr):
# node:22-bookworm-slim, the Dockerfiles' default, when the engine has it or can pull it; else a
# STAND-IN made here from Debian packages, for machines that reach Debian's repositories and the
# npm registry but no image registry:
#   - Debian trixie (mmdebstrap --variant=minbase) with Debian's nodejs (Node 20) and ca-certificates;
#   - npm from the npm registry, laid out as in the node images (/usr/local/lib/node_modules/npm,
#     /usr/local/bin/npm), so the Dockerfiles build and then remove it exactly as on node:22;
#   - the user node, 1000:1000, as in the node images;
#   - the host's extra CA certificates (/usr/local/share/ca-certificates), so `npm ci` inside a build
#     works behind a TLS-inspecting proxy — in the stand-in only, never in node:22-bookworm-slim.
# The stand-in is cached as a tarball under ${DATAPIPE_CI_CACHE:-~/.cache/datapipe-ci}/docker-base,
# named by a hash of its recipe, and imported with `docker import` when the engine lacks it.
set -euo pipefail

real=node:22-bookworm-slim
suite=trixie
mirror=http://deb.debian.org/debian
npm_version=10.9.4
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

recipe="mmdebstrap minbase $suite nodejs ca-certificates; npm $npm_version; node 1000:1000; cas:"
for ca in "${extra_cas[@]}"; do recipe+=" $(sha256sum "$ca" | cut -c1-16)"; done
tag="datapipe-ci/node-standin:$(printf '%s' "$recipe" | sha256sum | cut -c1-12)"
tarball="$cache/${tag#datapipe-ci/}.tar"
tarball="${tarball/:/-}"
ca_names=$(printf '%s ' "${extra_cas[@]##*/}")

say "SUBSTITUTION: $real cannot be pulled ($why); building on the stand-in $tag"
say "  (Debian $suite minbase + nodejs + npm $npm_version + user node 1000:1000; host CA certificates trusted in the stand-in only: ${ca_names:-none})"

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
  say "fetching npm@$npm_version from the npm registry"
  (cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null)
  cp "${extra_cas[@]}" "$work/" 2>/dev/null || true
  started=$(date +%s)
  say "building the stand-in with mmdebstrap ($suite, a minute or two)"
  hooks=(
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" && tar -xzf $work/npm-$npm_version.tgz --strip-components=1 -C \"\$1/usr/local/lib/node_modules/npm\""
    --customize-hook="ln -s ../lib/node_modules/npm/bin/npm-cli.js \"\$1/usr/local/bin/npm\" && ln -s ../lib/node_modules/npm/bin/npx-cli.js \"\$1/usr/local/bin/npx\""
    --customize-hook="echo 'node:x:1000:1000::/home/node:/bin/sh' >>\"\$1/etc/passwd\" && echo 'node:x:1000:' >>\"\$1/etc/group\" && mkdir -p \"\$1/home/node\" && chown 1000:1000 \"\$1/home/node\""
  )
  if [ "${#extra_cas[@]}" -gt 0 ]; then
    hooks+=(--customize-hook="cp $work/*.crt \"\$1/usr/local/share/ca-certificates/\" && chroot \"\$1\" update-ca-certificates >/dev/null 2>&1")
  fi
  mmdebstrap --quiet --format=tar --variant=minbase --include=nodejs,ca-certificates \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    "${hooks[@]}" \
    "$suite" "$tarball.partial" "$mirror" >&2
  mv "$tarball.partial" "$tarball"
  say "stand-in tarball ready in $(( $(date +%s) - started )) s: $tarball ($(du -h "$tarball" | cut -f1))"
fi
say "importing $tarball"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  "$tarball" "$tag" >/dev/null
echo "$tag"
