# syntax=docker/dockerfile:1
# One image for every Paygate process: `app` (the default command) and `worker`; docker-compose.yml
# runs both, plus `migrate` once. The frontend is built here, at image build time: containers only
# serve it, start in seconds and need neither bun nor Node.js.
#
#   docker build -t paygate .                       # pages talk to http://localhost:8000
#   docker build -t paygate --build-arg PAYGATE_PUBLIC_URL=https://pay.example.com .
#
# The public URL is compiled into the pages (where their event socket connects), so build with the
# URL shoppers will use. A localhost URL also works behind an HTTPS reverse proxy on any host name.

ARG PYTHON_IMAGE=python:3.12-slim

# --- build: dependencies, bun (from npm) and the production frontend --------------------------
FROM ${PYTHON_IMAGE} AS build
ARG BUN_VERSION=1.4.5
ARG PAYGATE_PUBLIC_URL=http://localhost:8000
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/opt/bun/node_modules/.bin:$PATH \
    REFLEX_DIR=/opt/reflex \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false

RUN apt-get update \
    && apt-get install -y --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/* \
    && npm install --no-save --no-audit --no-fund --prefix /opt/bun "bun@${BUN_VERSION}" \
    && bun --version

WORKDIR /app
# Dependencies first: this layer is reused until pyproject.toml changes.
COPY pyproject.toml README.md* ./
COPY paygate_cli ./paygate_cli
RUN python -m venv /opt/venv \
    && { test -f README.md || touch README.md; } \
    && pip install .

COPY . .
RUN PAYGATE_PUBLIC_URL="${PAYGATE_PUBLIC_URL}" PAYGATE_PORT=8000 scripts/topology.sh build \
    && test -f .web/build/client/index.html \
    && rm -rf .web/node_modules .web/.react-router .states

# --- runtime: Python, the virtualenv, the code and the built pages ----------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HOME=/home/paygate \
    REFLEX_DIR=/home/paygate/.reflex \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false \
    PAYGATE_ENV=production \
    PAYGATE_HOST=0.0.0.0 \
    PAYGATE_PORT=8000 \
    PAYGATE_LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/var/lib/paygate/metrics

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/paygate paygate \
    && mkdir -p /var/lib/paygate/metrics \
    && chown -R paygate:paygate /var/lib/paygate

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The app writes Reflex's markers under .web and .states at run time: the tree belongs to paygate.
COPY --from=build --chown=paygate:paygate /app /app

USER paygate
EXPOSE 8000
STOPSIGNAL SIGTERM
ENTRYPOINT ["scripts/topology.sh"]
CMD ["app"]
