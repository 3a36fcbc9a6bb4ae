# The hub's production image; Neo4j runs beside it (docker-compose.yml).

# The console's charts: ECharts from the npm registry, copied into console/static/vendor.
FROM node:20-slim AS console
WORKDIR /console
COPY console/package.json console/package-lock.json console/build.mjs ./
RUN npm ci --omit=dev --no-audit --no-fund && mkdir -p static && node build.mjs

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HUB_ENV=prod HUB_HOST=0.0.0.0 HUB_PORT=8000

WORKDIR /app
# The pinned, hash-checked dependencies first (a layer that changes only with the lock).
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY shell ./shell
COPY devtools ./devtools
COPY schema ./schema
COPY connectors ./connectors
COPY auth ./auth
COPY audit ./audit
COPY console ./console
COPY --from=console /console/static/vendor ./console/static/vendor
# var/ holds the signing keys, the audit key and the audit journal: a volume (docker-compose.yml).
RUN pip install --no-cache-dir --no-deps . \
    && useradd --system --uid 10001 hub \
    && mkdir -p /app/var && chown hub:hub /app/var
USER hub

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"
CMD ["hub", "serve"]
