# syncer's production image: the scheduled worker, run once per schedule (cron, Kubernetes
# CronJob, CI) or as a long-running worker. See the README's "Container and deployment".
#   docker build -t syncer .
#   docker run --rm -v "$PWD/config:/config:ro" -v syncer-state:/var/lib/syncer \
#     -e SYNCER_OPS_JIRA_TOKEN -e SYNCER_OPS_JIRA_EMAIL syncer
# Long-running worker instead of one cycle:
#   docker run -d ... syncer run --config /config/syncer.toml
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtual environment holding the locked dependencies, then syncer itself --------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Dependencies first, from the hash-checked lock only: this layer is rebuilt when the lock
# changes, never for a code change.
COPY requirements.lock ./
RUN python -m venv /opt/syncer \
    && /opt/syncer/bin/pip install --require-hashes --no-deps -r requirements.lock
# The product: no tests, benchmarks or development tools (see .dockerignore).
COPY pyproject.toml README.md ./
COPY syncer ./syncer
COPY examples/postmortems ./examples/postmortems
RUN /opt/syncer/bin/pip install --no-deps . \
    && /opt/syncer/bin/syncer --help >/dev/null

# --- runtime -----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
# tini: PID 1 that forwards SIGTERM/SIGINT to syncer and reaps children (git).
# git: a job can clone or pull the post-mortem repository it reads.
# Debian's stable packages are not version-pinned: their point releases are security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 syncer \
    && useradd --system --uid 10001 --gid syncer --home-dir /var/lib/syncer \
       --shell /usr/sbin/nologin syncer \
    && install -d -o syncer -g syncer -m 0750 /var/lib/syncer \
    && git config --system --add safe.directory '*'
# (safe.directory: a mounted repository belongs to another user; git would refuse to read it.)
COPY --from=build /opt/syncer /opt/syncer
ENV PATH=/opt/syncer/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SYNCER_STATE__PATH=/var/lib/syncer/state.db
# State lives on this volume, owned by the runtime user; the configuration at /config may be
# mounted read-only. With [state] url (or SYNCER_STATE__URL) state is in PostgreSQL instead.
VOLUME ["/var/lib/syncer"]
USER 10001:10001
WORKDIR /var/lib/syncer
# Only meaningful for the long-running worker (`run` without --once): it fails when no cycle
# succeeded recently. A `run --once` container ends long before it matters; Kubernetes ignores
# HEALTHCHECK and uses the probes in deploy/kubernetes/.
HEALTHCHECK --interval=60s --timeout=30s --start-period=300s --retries=3 \
    CMD ["syncer", "health", "--config", "/config/syncer.toml"]
ENTRYPOINT ["/usr/bin/tini", "--", "syncer"]
CMD ["run", "--once", "--config", "/config/syncer.toml"]
