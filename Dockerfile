# syntax=docker/dockerfile:1
# NHS App Analytics: the compiled server in a small Node 20 image (see README, "Deployment").
#
#   docker build -t nhs-app-analytics .
#   docker run -p 3000:3000 -v nhs-app-data:/data nhs-app-analytics
#
# Build stage: every dependency (TypeScript included), then `npm run build` compiles src/ to dist/ and copies
# the SQL, migrations, templates and static files beside the compiled code.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.js ./scripts/build.js
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies only (no TypeScript, no tsx), the compiled code and the data files
# it reads from the package root (metric definitions, bundled NHS reference data, package.json).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY metrics ./metrics
COPY data/reference ./data/reference
COPY bin ./bin
COPY --from=build /app/dist ./dist
# `docker exec CONTAINER nhs-app-analytics status` and the other commands.
RUN ln -s /app/bin/nhs-app-analytics.js /usr/local/bin/nhs-app-analytics \
    && mkdir -p /data && chown node:node /data
# The warehouse, inbox and outbox live in DATA_DIR: keep it on a volume.
VOLUME ["/data"]
# The node user (uid 1000) of the official image: the server needs no root.
USER node
EXPOSE 3000
# Liveness: /healthz answers 200 while the process serves requests (no curl in slim images, so node's fetch).
# The start period covers the first start, which creates the warehouse and loads the reference data.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/cli/main.js", "serve"]
