# One image for every Node service of perf-mktg-dash; docker-compose.yml picks the command per service.
FROM node:20-bookworm-slim
RUN npm install -g pnpm@12.4.2
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile
ENV NODE_ENV=production LOG_FORMAT=json
