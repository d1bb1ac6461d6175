#!/usr/bin/env bash
# Proves that docker-compose.yml starts and keeps data: builds the app image, starts the compose file
# (db, app, worker) under a project of its own, waits for both health checks, signs in over HTTP (with
# the form's CSRF token and the session cookie, as a browser does), creates a community and a thread and
# posts a reply, restarts the app container, and reads the reply back. Prints PASS or FAIL.
#
#   scripts/compose-proof.sh
#
# Exit codes: 0 PASS, 1 FAIL, 2 no Docker engine (or no compose) to run it on.
# Settings (environment):
#   KEEP=1                      leave the containers and volumes running afterwards (default: torn down)
#   AGORA_LOCAL_BASE_IMAGES=1   build the base images locally (scripts/build-local-base-images.sh) instead
#                               of the official node and postgres images; `auto` (default) does it when
#                               the official ones can be neither found nor pulled
#   AGORA_HOST_NETWORK=1        run every container on the host's network (engines started with
#                               --bridge=none); `auto` (default) does it when the engine has no bridge
#   AGORA_PROOF_APP_PORT=33000  port of the app on this machine; AGORA_PROOF_DB_PORT=55432 the database's
#                               (host network only; otherwise the database is not published)
#   AGORA_PROOF_PROJECT=agora-proof   compose project name (its volumes: <name>_postgres-data, …)
#   AGORA_PROOF_REBUILD=1       build the app image even if one exists for this commit
#
# It never touches ./.env nor the project `agora`: its settings go into a file of its own.
# Not part of `npm test`: CI machines have no Docker engine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT="${AGORA_PROOF_PROJECT:-agora-proof}"
KEEP="${KEEP:-0}"
LOCAL_BASE="${AGORA_LOCAL_BASE_IMAGES:-auto}"
HOST_NETWORK="${AGORA_HOST_NETWORK:-auto}"
APP_PORT="${AGORA_PROOF_APP_PORT:-33000}"
DB_PORT="${AGORA_PROOF_DB_PORT:-55432}"
WORK="${AGORA_PROOF_WORK:-/var/tmp/agora-compose-proof}"
APP_IMAGE="agora:latest"
HEALTH_TIMEOUT="${AGORA_PROOF_HEALTH_TIMEOUT:-300}"

STARTED_AT=$(date +%s)
step() { printf '\n[%4ss] == %s\n' "$(($(date +%s) - STARTED_AT))" "$*"; }
info() { printf '         %s\n' "$*"; }
fail() {
  printf '\nFAIL: %s\n' "$*"
  if [ -n "${COMPOSE_READY:-}" ]; then
    printf '\n--- last lines of the app and db logs ---\n'
    compose logs --tail=25 app db 2>&1 || true
  fi
  exit 1
}

# --- 1. An engine ------------------------------------------------------------------------------------
step "1. Docker engine and compose"
if ! command -v docker >/dev/null 2>&1; then
  echo "No 'docker' command here: install Docker (Debian: apt-get install -y docker.io docker-compose)."
  echo "Nothing was done."
  exit 2
fi
if ! docker info >/dev/null 2>&1; then
  echo "The docker client is here but no Docker engine answers ($(docker context show 2>/dev/null || echo default))."
  echo "Start one (e.g. systemctl start docker, or dockerd --storage-driver=vfs --iptables=false --bridge=none"
  echo "where the kernel offers nothing better), then run this again. Nothing was done."
  exit 2
fi
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  COMPOSE=(docker-compose)
else
  echo "The engine answers but there is no compose (docker compose plugin, or docker-compose). Nothing was done."
  exit 2
fi
info "engine $(docker version --format '{{.Server.Version}}'), storage $(docker info --format '{{.Driver}}'), $("${COMPOSE[@]}" version --short 2>/dev/null || "${COMPOSE[@]}" version | head -n1) (${COMPOSE[*]})"

if [ "$HOST_NETWORK" = auto ]; then
  if docker network inspect bridge >/dev/null 2>&1; then HOST_NETWORK=0; else HOST_NETWORK=1; fi
fi
info "host network: $([ "$HOST_NETWORK" = 1 ] && echo "yes (the engine has no bridge)" || echo no)"

mkdir -p "$WORK"
ENV_FILE="$WORK/proof.env"
OVERRIDE="$WORK/proof.override.yml"
JAR="$WORK/cookies.txt"

# --- 2. Base images -----------------------------------------------------------------------------------
step "2. Base images"
NODE_DEFAULT="$(sed -n 's/^ARG NODE_IMAGE=//p' "$ROOT/Dockerfile" | head -n1)"
PG_DEFAULT="$(sed -n 's/^ *image: \${AGORA_POSTGRES_IMAGE:-\([^}]*\)}.*/\1/p' "$ROOT/docker-compose.yml" | head -n1)"
[ -n "$NODE_DEFAULT" ] && [ -n "$PG_DEFAULT" ] || fail "cannot read the default images of the Dockerfile and compose file"
available() { docker image inspect "$1" >/dev/null 2>&1 || timeout 60 docker pull -q "$1" >/dev/null 2>&1; }
if [ "$LOCAL_BASE" = auto ]; then
  if available "$NODE_DEFAULT" && available "$PG_DEFAULT"; then LOCAL_BASE=0; else
    info "$NODE_DEFAULT / $PG_DEFAULT: not here and not pullable (no registry?): building local ones"
    LOCAL_BASE=1
  fi
fi
if [ "$LOCAL_BASE" = 1 ]; then
  if ! "$ROOT/scripts/build-local-base-images.sh" >"$WORK/base-images.log" 2>&1; then
    tail -n 30 "$WORK/base-images.log"
    fail "could not build the local base images (log: $WORK/base-images.log)"
  fi
  grep -E '^(==>|    trusting|  agora-base/)' "$WORK/base-images.log" | sed 's/^/         /'
  images="$(grep -E '^(NODE|POSTGRES)_IMAGE=' "$WORK/base-images.log")"
  NODE_IMAGE="$(sed -n 's/^NODE_IMAGE=//p' <<<"$images")"
  POSTGRES_IMAGE="$(sed -n 's/^POSTGRES_IMAGE=//p' <<<"$images")"
else
  NODE_IMAGE="$NODE_DEFAULT"
  POSTGRES_IMAGE="$PG_DEFAULT"
fi
info "NODE_IMAGE=$NODE_IMAGE  POSTGRES_IMAGE=$POSTGRES_IMAGE"

# --- 3. The app image ---------------------------------------------------------------------------------
step "3. App image $APP_IMAGE (Dockerfile, --build-arg NODE_IMAGE=$NODE_IMAGE)"
# The files the image is made of (all tracked files but documentation, tests, these scripts and the
# compose file), "<blob hash> <path>" a line: at a revision, or (no argument) as they are now.
NOT_IN_IMAGE='^(docs/|tests/|\.ci/|scripts/.*\.sh$|docker-compose\.yml$|\.env\.example$|.*\.md$)'
image_files() {
  if [ -n "${1:-}" ]; then
    git -C "$ROOT" ls-tree -r "$1" | awk -v skip="$NOT_IN_IMAGE" '$4 !~ skip { print $3, $4 }' 
  else
    git -C "$ROOT" ls-files | grep -vE "$NOT_IN_IMAGE" | while IFS= read -r file; do
      [ -e "$ROOT/$file" ] && printf '%s %s\n' "$(git -C "$ROOT" hash-object -- "$file")" "$file"
    done
  fi
}
REVISION="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]; then REVISION="$REVISION-dirty"; fi
labels="$(docker image inspect --format '{{index .Config.Labels "org.opencontainers.image.revision"}} {{index .Config.Labels "agora.base"}}' "$APP_IMAGE" 2>/dev/null || true)"
built_revision="${labels%% *}"
# Rebuilding takes a quarter of an hour on the vfs storage driver: keep an image built from the same
# files (a commit that only changed documentation, tests or these scripts changes nothing in it).
if [ "${AGORA_PROOF_REBUILD:-0}" != 1 ] && [ "${labels#* }" = "$NODE_IMAGE" ] && [ -n "$built_revision" ] &&
  [ "${built_revision%-dirty}" = "$built_revision" ] &&
  [ "$(image_files "$built_revision" 2>/dev/null | sha256sum)" = "$(image_files | sha256sum)" ]; then
  info "built from the same files (at ${built_revision:0:12}) on $NODE_IMAGE: kept (AGORA_PROOF_REBUILD=1 rebuilds)"
else
  build_start=$(date +%s)
  # Host networking for `npm ci`: an engine without a bridge has no other way out.
  network=()
  [ "$HOST_NETWORK" = 1 ] && network=(--network host)
  if ! DOCKER_BUILDKIT=0 docker build -q "${network[@]}" --build-arg NODE_IMAGE="$NODE_IMAGE" \
    --label org.opencontainers.image.revision="$REVISION" --label agora.base="$NODE_IMAGE" \
    -t "$APP_IMAGE" "$ROOT" >"$WORK/build.log" 2>&1; then
    tail -n 30 "$WORK/build.log"
    fail "docker build failed (log: $WORK/build.log)"
  fi
  info "built in $(($(date +%s) - build_start)) s"
fi
info "$(docker image inspect --format 'size {{.Size}} bytes, user {{.Config.User}}, healthcheck {{if .Config.Healthcheck}}yes{{else}}no{{end}}' "$APP_IMAGE")"

# --- 4. Start the compose file ------------------------------------------------------------------------
step "4. docker compose up (project $PROJECT)"
PASSWORD="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
BASE_URL="http://127.0.0.1:$APP_PORT"
cat >"$ENV_FILE" <<EOF
COMPOSE_PROJECT_NAME=$PROJECT
POSTGRES_USER=agora
POSTGRES_PASSWORD=$PASSWORD
POSTGRES_DB=agora
AGORA_PORT=127.0.0.1:$APP_PORT
AGORA_POSTGRES_IMAGE=$POSTGRES_IMAGE
AGORA_ENV_FILE=$ENV_FILE
PUBLIC_URL=$BASE_URL
LOG_LEVEL=warn
DEMO_DATA=false
EOF
chmod 600 "$ENV_FILE"
if [ "$HOST_NETWORK" = 1 ]; then
  # No bridge: every container shares the host's network, so they meet on 127.0.0.1, on ports of
  # their own (PGPORT is the default port of both postgres and pg_isready).
  # Taken ports are a clear failure now rather than a database that half listens later.
  for port in "$APP_PORT" "$DB_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      fail "port $port of this machine is taken: choose others with AGORA_PROOF_APP_PORT / AGORA_PROOF_DB_PORT"
    fi
  done
  url="postgresql://agora:$PASSWORD@127.0.0.1:$DB_PORT/agora"
  # Loopback only: on the host's network, listening on every address would open the database (and
  # the app) to the whole network.
  cat >"$OVERRIDE" <<EOF
services:
  db:
    network_mode: host
    command: ["postgres", "-c", "listen_addresses=127.0.0.1"]
    environment:
      PGPORT: "$DB_PORT"
  app:
    network_mode: host
    environment:
      DATABASE_URL: $url
      HOST: 127.0.0.1
      PORT: "$APP_PORT"
  worker:
    network_mode: host
    environment:
      DATABASE_URL: $url
EOF
else
  printf 'services: {}\n' >"$OVERRIDE"
fi
COMPOSE_FILE_USED="$ROOT/docker-compose.yml"
if [ "$HOST_NETWORK" = 1 ]; then
  # Published ports mean nothing on the host's network, and docker-compose 1.29 refuses them there
  # ("host" network_mode is incompatible with port_bindings); an override cannot remove a list, so
  # the proof uses the compose file less its `ports:` entries.
  COMPOSE_FILE_USED="$WORK/docker-compose.host-network.yml"
  awk '/^    ports:/ { skip = 1; next } skip && (/^      / || /^\s*$/) { next } { skip = 0; print }' \
    "$ROOT/docker-compose.yml" >"$COMPOSE_FILE_USED"
  info "host network: $COMPOSE_FILE_USED is docker-compose.yml without its ports: entries"
fi
# A clean environment: variables of this shell (POSTGRES_PASSWORD…) must not win over the proof's file.
CLEAN_ENV=(env -i PATH="$PATH" HOME="${HOME:-/root}")
[ -n "${DOCKER_HOST:-}" ] && CLEAN_ENV+=(DOCKER_HOST="$DOCKER_HOST")
compose() {
  "${CLEAN_ENV[@]}" "${COMPOSE[@]}" --env-file "$ENV_FILE" -p "$PROJECT" --project-directory "$ROOT" \
    -f "$COMPOSE_FILE_USED" -f "$OVERRIDE" "$@"
}
# Idempotent: what an earlier run left (KEEP=1, or a run cut short) goes first.
compose down -v --remove-orphans >/dev/null 2>&1 || true
COMPOSE_READY=1
teardown() {
  if [ "$KEEP" = 1 ]; then
    printf '\nKEEP=1: left running. Stop with:\n  %s --env-file %s -p %s --project-directory %s -f %s -f %s down -v\n' \
      "${COMPOSE[*]}" "$ENV_FILE" "$PROJECT" "$ROOT" "$COMPOSE_FILE_USED" "$OVERRIDE"
  else
    compose down -v --remove-orphans >/dev/null 2>&1 || true
  fi
}
trap teardown EXIT
compose up -d --no-build >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log"; fail "compose up failed"; }
grep -v '^\s*$' "$WORK/up.log" | sed 's/^/         /' | tail -n 8

# --- 5. Health ----------------------------------------------------------------------------------------
container() { compose ps -q "$1"; }
health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$(container "$1")" 2>/dev/null || echo missing; }
wait_healthy() {
  local service="$1" deadline=$(($(date +%s) + HEALTH_TIMEOUT)) state
  while :; do
    state="$(health "$service")"
    [ "$state" = healthy ] && break
    [ "$(date +%s)" -ge "$deadline" ] && fail "$service is '$state' after ${HEALTH_TIMEOUT} s"
    sleep 2
  done
  info "$service: healthy (at $(($(date +%s) - STARTED_AT)) s)"
}
step "5. Waiting for the health checks (db: pg_isready, app: GET /readyz)"
wait_healthy db
wait_healthy app
info "GET $BASE_URL/readyz → $(curl -fsS "$BASE_URL/readyz")"
for service in app db; do
  id="$(container "$service")"
  info "$(docker inspect --format "$service: user={{.Config.User}} read_only={{.HostConfig.ReadonlyRootfs}} memory={{.HostConfig.Memory}} nano_cpus={{.HostConfig.NanoCpus}} pids={{.HostConfig.PidsLimit}} restart={{.HostConfig.RestartPolicy.Name}}" "$id")"
done
worker_state="$(docker inspect --format '{{.State.Status}} restarts={{.RestartCount}} read_only={{.HostConfig.ReadonlyRootfs}} memory={{.HostConfig.Memory}}' "$(container worker)")"
info "worker: $worker_state"
case "$worker_state" in "running restarts=0 "*) ;; *) fail "the worker is not running steadily: $worker_state" ;; esac
[ "$(docker inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$(container app)")" = true ] || fail "the app's root file system is writable"
docker exec "$(container app)" sh -c 'touch /app/x' 2>/dev/null && fail "the app could write into /app"
info "app: writing into /app refused, as it should be; runs as uid $(docker exec "$(container app)" id -u)"

# --- 6. An account, over the admin CLI ----------------------------------------------------------------
step "6. Demo organizations (seed CLI) and a verified account (admin CLI), inside the app container"
compose exec -T app node dist/src/cli/seed.js >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log"; fail "seeding failed"; }
info "$(head -n1 "$WORK/seed.log")"
STAMP="$(date +%s)"
EMAIL="proof.$STAMP@villanuevadelrio.example"
USER_PASSWORD="Clave-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$USER_PASSWORD" |
  compose exec -T app node dist/src/cli/admin.js create --email "$EMAIL" --name "Ensayo de compose" \
    --handle "proof-$STAMP" --password-stdin >"$WORK/admin.log" 2>&1 || { cat "$WORK/admin.log"; fail "admin CLI failed"; }
info "$(head -n1 "$WORK/admin.log")"

# --- 7. Over HTTP, as a browser -----------------------------------------------------------------------
rm -f "$JAR"
# The CSRF token of the form on a page, keeping the page's cookies.
csrf_of() {
  curl -sS -b "$JAR" -c "$JAR" "$BASE_URL$1" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -n1
}
# POSTs a form after loading the page that holds it; prints "<status> <Location>".
submit() {
  local form_page="$1" action="$2" token
  shift 2
  token="$(csrf_of "$form_page")"
  [ -n "$token" ] || fail "no CSRF token in the form of $form_page"
  local args=(--data-urlencode "_csrf=$token")
  for field in "$@"; do args+=(--data-urlencode "$field"); done
  curl -sS -o "$WORK/last-response.html" -w '%{http_code} %{redirect_url}' -b "$JAR" -c "$JAR" "${args[@]}" "$BASE_URL$action"
}
expect_303() {
  case "$1" in 303\ *) ;; *) fail "$2: expected 303, got '$1' ($(sed -e 's/<[^>]*>//g' "$WORK/last-response.html" | tr -s ' \n' ' ' | cut -c1-300))" ;; esac
}

step "7. Sign in over HTTP ($EMAIL), create a community and a thread, post a reply"
result="$(submit /sign-in /sign-in "email=$EMAIL" "password=$USER_PASSWORD")"
expect_303 "$result" "sign-in"
grep -q $'\tsession\t' "$JAR" || fail "signed in but no session cookie"
info "POST /sign-in → $result (session cookie set)"
SLUG="prueba-compose-$STAMP"
result="$(submit /communities/new /communities "name=Prueba de compose $STAMP" "slug=$SLUG" \
  "description=Comunidad creada por scripts/compose-proof.sh" "rules=" audience=INTERNAL visibility=PUBLIC \
  welcomedTags=PROFESSIONAL)"
expect_303 "$result" "new community"
info "POST /communities → $result"
result="$(submit "/c/$SLUG/threads/new" "/c/$SLUG/threads" "title=¿Arranca el fichero de compose?" kind=QUESTION \
  "body=Comprobamos que Ágora arranca con docker compose y conserva lo publicado." tag=PROFESSIONAL)"
expect_303 "$result" "new thread"
THREAD_PATH="$(sed -E 's#^[0-9]+ https?://[^/]+##; s#[?\#].*##' <<<"$result")"
info "POST /c/$SLUG/threads → $result"
REPLY_TEXT="Respuesta de la prueba $STAMP: sigue aquí después de reiniciar."
result="$(submit "$THREAD_PATH" "$THREAD_PATH/replies" "body=$REPLY_TEXT" tag=PROFESSIONAL)"
expect_303 "$result" "reply"
info "POST $THREAD_PATH/replies → $result"
curl -sS -b "$JAR" "$BASE_URL$THREAD_PATH" | grep -qF "$STAMP: sigue aqu" || fail "the reply is not on the thread page before the restart"
info "the reply is on the thread page"

# --- 8. Restart and read back -------------------------------------------------------------------------
step "8. docker compose restart app, then read the reply back"
before="$(docker inspect --format '{{.State.StartedAt}}' "$(container app)")"
compose restart app >/dev/null 2>&1 || fail "compose restart app failed"
after="$(docker inspect --format '{{.State.StartedAt}}' "$(container app)")"
[ "$before" != "$after" ] || fail "the app container was not restarted"
info "app container restarted (started at $before, now $after)"
sleep 2
wait_healthy app
page="$(curl -sS -w '\n%{http_code}' -b "$JAR" "$BASE_URL$THREAD_PATH")"
status="${page##*$'\n'}"
info "GET $THREAD_PATH (same session cookie) → $status"
[ "$status" = 200 ] || fail "the thread page answered $status after the restart"
grep -qF "$STAMP: sigue aqu" <<<"$page" || fail "the reply is missing after the restart"
info "found: \"$REPLY_TEXT\""

printf '\nPASS: built, started, healthy, signed in over HTTP, posted a reply, restarted the app, read it back (%s s)\n' \
  "$(($(date +%s) - STARTED_AT))"
