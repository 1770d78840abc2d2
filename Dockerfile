# Sluice: broker and command line. UNTESTED (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY scripts ./scripts
# The broker needs no Debian tools; `npm ci` runs `prepare` (npm run build: tsc -b, then
# scripts/bundle-broker.mjs bundles what `sluice broker` loads at start).
RUN npm ci && npm cache clean --force
ENV NODE_ENV=production
EXPOSE 9092
CMD ["node", "packages/cli/dist/bin/sluice.js", "broker", "--data-dir", "/var/lib/sluice", "--host", "0.0.0.0"]
