# syncer's production image: the scheduled worker, run once per schedule (cron, Kubernetes
# CronJob, CI) or as a long-running worker. See the README's "Container and deployment".
#   docker build -t syncer .
#   docker run --rm -v "$PWD/config:/config:ro" -v syncer-state:/var/lib/syncer \
#     -e SYNCER_OPS_JIRA_TOKEN -e SYNCER_OPS_JIRA_EMAIL syncer
# Long-running worker instead of one cycle:
#   docker run -d ... syncer run --config /config/syncer.toml
# The base image by digest: a rebuild gets the very same Python and Debian until this line is
# changed on purpose (refresh: `skopeo inspect docker://python:3.11-slim-bookworm`, or
# `docker buildx imagetools inspect`). A registry-less build passes another base here.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

# --- build: a virtual environment holding the locked dependencies, then syncer itself --------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Dependencies first, from the hash-checked locks only: this layer is rebuilt when a lock
# changes, never for a code change. The build backend (hatchling) has a lock of its own,
# installed into a throwaway environment: nothing unpinned is fetched to build syncer.
COPY requirements.lock requirements-build.lock ./
RUN python -m venv /opt/syncer \
    && /opt/syncer/bin/pip install --require-hashes --no-deps -r requirements.lock \
    && python -m venv /opt/build \
    && /opt/build/bin/pip install --require-hashes --no-deps -r requirements-build.lock
# The product: no tests, benchmarks or development tools (see .dockerignore).
COPY pyproject.toml README.md ./
COPY syncer ./syncer
COPY examples/postmortems ./examples/postmortems
# The wheel is built by the locked backend (no build isolation: pip fetches nothing), then
# installed without dependencies (they are all in the lock above).
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/wheel . \
    && /opt/syncer/bin/pip install --no-deps /tmp/wheel/syncer-*.whl \
    && /opt/syncer/bin/syncer --version

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
    && git config --system --add safe.directory /work/repo
# safe.directory: git trusts the post-mortem repository mounted at /work/repo even when another
# user owns it (a bind mount from the host); no other repository.
COPY --from=build /opt/syncer /opt/syncer
ENV PATH=/opt/syncer/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SYNCER_STATE__PATH=/var/lib/syncer/state.db \
    SYNCER_CONFIG=/config/syncer.toml
# State lives on this volume, owned by the runtime user; the configuration at /config may be
# mounted read-only, and every command reads it without --config (SYNCER_CONFIG). With [state] url (or SYNCER_STATE__URL) state is in PostgreSQL instead.
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
