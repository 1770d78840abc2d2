# Sluice: broker and command line. UNTESTED (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages ./packages
# The broker needs no Debian tools; `npm ci` runs `prepare` (tsc -b) to build every package.
RUN npm ci && npm cache clean --force
ENV NODE_ENV=production
EXPOSE 9092
CMD ["node", "packages/cli/dist/bin/sluice.js", "broker", "--data-dir", "/var/lib/sluice", "--host", "0.0.0.0"]
