# One image for every Node service of perf-mktg-dash; docker-compose.yml picks the command per service.
# Build stage: the whole workspace with its development dependencies, `pnpm build`, then the runtime tree in /app
# (production node_modules of deploy/image, pruned, plus the built files: deploy/image/assemble.ts).
FROM node:20-bookworm-slim AS build
RUN npm install -g pnpm@12.4.2
WORKDIR /src
# Dependencies first, from the lockfile alone: this layer is rebuilt only when pnpm-lock.yaml changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
RUN pnpm build
RUN pnpm exec tsx deploy/image/assemble.ts /app

# Runtime stage: the Debian release node:20-bookworm-slim is built on, with only its node binary (not npm, yarn or
# corepack, which nothing runs here: ~25 MB less to ship and scan). `pnpm bench:image` estimates the image's size.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --gid 1000 node \
  && useradd --uid 1000 --gid node --create-home --shell /usr/sbin/nologin node
# The same Debian release: the binary's shared libraries (glibc, libstdc++, which apt needs too) are there.
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
# Owned by root and read-only to the service user: a compromised process cannot rewrite the code it runs.
COPY --from=build /app /app
ENV NODE_ENV=production LOG_FORMAT=json
USER node
# 8000: API, GraphiQL and the dashboard; 8501: the dashboard again, for users of the original's port.
EXPOSE 8000 8501
# tini is PID 1: it forwards SIGTERM to node (a graceful stop) and reaps zombies.
ENTRYPOINT ["tini", "--"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "--max-old-space-size=256", "server/dist/index.js"]
