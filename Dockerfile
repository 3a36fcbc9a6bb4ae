# The hub's production image; Neo4j runs beside it (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HUB_ENV=prod HUB_HOST=0.0.0.0 HUB_PORT=8000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY schema ./schema
COPY connectors ./connectors
COPY auth ./auth
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 hub
USER hub

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"
CMD ["hub", "serve"]
