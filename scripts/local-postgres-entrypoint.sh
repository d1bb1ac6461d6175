#!/bin/sh
# Entry point of the locally built agora-base/postgres image (scripts/build-local-base-images.sh), a
# stand-in for the official postgres image where no registry is reachable. Like the official one: on
# an empty PGDATA it creates the cluster with the superuser POSTGRES_USER (password POSTGRES_PASSWORD)
# and the database POSTGRES_DB, then runs `postgres` with the arguments given, listening on every
# address, passwords required over TCP. Runs as the postgres user (the image's USER).
set -eu

if [ "${1:-postgres}" != postgres ]; then exec "$@"; fi
[ "$#" -gt 0 ] && shift

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${PGDATA:?}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo 'docker-entrypoint: POSTGRES_PASSWORD is not set: refusing to create a database without a password' >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    printf 'CREATE DATABASE "%s";\n' "$POSTGRES_DB" | postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
  echo "docker-entrypoint: created the cluster in $PGDATA with the role $POSTGRES_USER and the database $POSTGRES_DB"
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql "$@"
