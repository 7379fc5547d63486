# syncer as a container: run once per schedule (cron, Kubernetes CronJob).
#   docker build -t syncer .
#   docker run --rm -v "$PWD/config:/config" -v "$PWD/postmortems:/config/postmortems" \
#     -e SYNCER_OPS_JIRA_TOKEN -e SYNCER_OPS_JIRA_EMAIL syncer
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY syncer ./syncer
COPY examples ./examples
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 syncer
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER syncer
WORKDIR /config
# State (and its history) lives next to the configuration unless SYNCER_STATE__PATH says otherwise.
ENTRYPOINT ["syncer"]
CMD ["sync", "--config", "/config/syncer.toml"]
