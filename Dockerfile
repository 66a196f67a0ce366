# syntax=docker/dockerfile:1
# GenHook container image. Build: docker build -t genhook .
# Config: mount settings.ini and webhooks.ini at /etc/genhook (or set GENHOOK_* variables); state lives in the
# /var/lib/genhook volume (journal, dead letters, dedup).

# Build stage: dev dependencies, TypeScript and the console bundle; only dist/ and production modules leave it.
FROM node:20-bookworm-slim AS build
# swagger-ui-dist depends on a package that reports installs over the network; say no.
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY console ./console
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: no compiler, no dev dependencies, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    GENHOOK_SETTINGS=/etc/genhook/settings.ini \
    GENHOOK_WEBHOOKS=/etc/genhook/webhooks.ini \
    GENHOOK_DATA_DIR=/var/lib/genhook \
    GENHOOK_LOG_PRETTY=false
WORKDIR /opt/genhook
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/console ./dist/console
COPY settings.ini webhooks.ini /etc/genhook/
RUN mkdir -p /var/lib/genhook && chown node:node /var/lib/genhook
VOLUME ["/var/lib/genhook"]
USER node
EXPOSE 8080
# node:*-slim has no curl; Node's own fetch asks /health (the port follows GENHOOK_SERVER_PORT).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.GENHOOK_SERVER_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
