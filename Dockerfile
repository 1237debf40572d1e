# syntax=docker/dockerfile:1
#
# Hooktrail container image: build stage (npm ci + nest build), production dependencies, slim runtime as a
# non-root user. The container needs DATABASE_URL: without it the service starts an embedded Postgres, which is
# meant for local development only (its data would live and die with the container).
#
#   docker build -t hooktrail .
#   docker run -p 3000:3000 -e DATABASE_URL=postgres://... -e API_KEYS=... -e WMS_MAC_SECRETS=... hooktrail
#
# or `docker compose up` (docker-compose.yml) for the service with a Postgres next to it.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
# The providers' request builders, compiled for the sender simulator (npm run send / demo).
COPY test/support/*-sender.ts ./test/support/
RUN npx nest build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# Files stay owned by root (read-only to the service); the service runs as the image's unprivileged `node` user.
USER node
EXPOSE 3000
# Liveness: /health answers 200 while the process serves HTTP (no curl in the slim image: Node's fetch).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node as PID 1 receives SIGTERM directly; the service drains and closes on it.
CMD ["node", "dist/src/main.js"]
