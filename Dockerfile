# The superloops daemon in a container. docs/docker.md says how to build, run,
# mount your loops, reach the control socket and stop it gracefully.
#
#   docker build -t superloops .
#   docker run --rm -p 9464:9464 superloops                       # the examples
#   docker run --rm -p 9464:9464 -v ./loops:/app/loops:ro -v ./config:/app/config:ro \
#     superloops /app/config/config.yaml --http 0.0.0.0:9464     # your own manifest
#
# BASE must be a Debian-like Node image with npm and apt (the runtime stage
# installs tini with apt). Builds that cannot pull from a registry pass a local
# one: --build-arg BASE=localhost/node-base:20 (test/container/container.sh does).
ARG BASE=node:20-bookworm-slim

# ---- build: every dependency, then the bundles in dist/ ----
FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=warn
# .dockerignore keeps node_modules, dist, tests and docs out of the context.
COPY . .
RUN npm run build

# ---- deps: production dependencies only (esbuild is one: loops in .ts are compiled at run time) ----
FROM ${BASE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=warn && npm cache clean --force

# ---- runtime ----
FROM ${BASE}
# tini as PID 1: it forwards signals to the daemon and reaps orphaned processes.
# As PID 1 the daemon itself would get no default signal actions, so a SIGTERM
# arriving before its handler is installed (while it loads) would be ignored
# until the SIGKILL.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

# SUPERLOOPS_SOCKET puts the control socket here whatever the manifest says:
# /app is read-only to the daemon's user, and this is the directory to mount to
# reach the socket from outside. `superloops ctl` and the HEALTHCHECK read it too.
ENV NODE_ENV=production \
    SUPERLOOPS_SOCKET=/run/superloops/superloops.sock

WORKDIR /app
# Application files belong to root and are read-only to the daemon's user.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY loops ./loops
COPY config ./config

# No VOLUME for the socket directory: an image VOLUME makes an anonymous volume
# on every `docker run` (they pile up) and derived images cannot undo it. Mount
# one when you want the socket outside: -v superloops-run:/run/superloops.
RUN mkdir -p /run/superloops && chown 1000:1000 /run/superloops && chmod 0750 /run/superloops

# `node` of the base image, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000

# /healthz, /readyz and /metrics when the manifest has controller.http (config/docker.yaml does).
EXPOSE 9464
STOPSIGNAL SIGTERM
# Healthy while the daemon answers on its control socket (exit 3 when nothing does).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "/app/bin/superloops.js", "ctl", "status", "--timeout", "8000"]

ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/superloopsd.js", "start"]
CMD ["/app/config/docker.yaml"]
