# Rapport API image: build wheels in one stage, run as a non-root user in a slim one.
# Not exercised by CI (no Docker engine there); kept simple so that it stays correct.
FROM python:3.11-slim AS build
WORKDIR /src
# Dependencies exactly as requirements/runtime.txt locks them (hashes checked), then the project
# alone: the image runs the versions the tests ran (make lock).
COPY requirements/runtime.txt ./requirements/
RUN pip install --no-cache-dir --upgrade pip \
 && pip wheel --no-cache-dir --require-hashes --wheel-dir /wheels -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RAPPORT_ENV=production \
    PROMETHEUS_MULTIPROC_DIR=/tmp/rapport-metrics
RUN useradd --create-home --uid 10001 rapport
WORKDIR /srv/rapport
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --no-deps /wheels/* && rm -rf /wheels && pip check
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
USER rapport
EXPOSE 8000
# Migrations first (idempotent), then the server: uvloop, httptools, our own JSON request log.
# The app, not uvicorn, decides whose X-Forwarded-For to believe (RAPPORT_TRUSTED_PROXIES).
CMD ["sh", "-c", "mkdir -p -m 700 \"$PROMETHEUS_MULTIPROC_DIR\" && rm -f \"$PROMETHEUS_MULTIPROC_DIR\"/*.db && alembic upgrade head && exec uvicorn app.main:app --host 0.0.0.0 --port 8000 --loop uvloop --http httptools --no-access-log --no-proxy-headers --no-server-header --workers ${WEB_CONCURRENCY:-2}"]
