"""The Kubernetes manifests, checked without a cluster.

Every document in ``deploy/kubernetes/`` is validated against the Kubernetes JSON schemas that
the ``kubernetes-validate`` package ships (generated from the API's OpenAPI description), in
strict mode, so an unknown or misspelt field is an error. Then the choices the README promises
are checked, and the ConfigMap's ``syncer.toml`` is validated by syncer itself.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from syncer.config import Config, parse_config

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))
VERSIONS = ("1.30.0", "1.37.0")
"""The oldest Kubernetes still widely run that has everything used here, and the newest schema."""


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifest(kind: str, name: str) -> dict[str, Any]:
    for path in MANIFESTS:
        for doc in documents(path):
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
    raise AssertionError(f"no {kind} {name}")


def test_every_manifest_is_found() -> None:
    assert {p.name for p in MANIFESTS} == {
        "configmap.yaml",
        "cronjob.yaml",
        "cronjob-postgres.yaml",
        "deployment.yaml",
        "pvc.yaml",
        "secret.yaml",
    }


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifests_match_the_kubernetes_schemas(path: Path, version: str) -> None:
    for doc in documents(path):
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validation_rejects_a_misspelt_field() -> None:
    broken = copy.deepcopy(manifest("CronJob", "syncer"))
    broken["spec"]["concurencyPolicy"] = broken["spec"].pop("concurrencyPolicy")
    with pytest.raises(kubernetes_validate.ValidationError, match="concurencyPolicy"):
        kubernetes_validate.validate(broken, VERSIONS[0], strict=True)


@pytest.mark.parametrize("name", ["syncer", "syncer-postgres"])
def test_cron_jobs_never_overlap_and_do_not_retry_at_once(name: str) -> None:
    spec = manifest("CronJob", name)["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["schedule"] == "*/15 * * * *"
    assert 0 < spec["startingDeadlineSeconds"] < 15 * 60
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0  # 75 (another run holds the lock) must not be retried
    assert job["activeDeadlineSeconds"] < 15 * 60  # ends before the next run is due
    pod = job["template"]["spec"]
    (container,) = pod["containers"]
    assert container["args"][:4] == ["run", "--once", "--config", "/config/syncer.toml"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_postgres_variant_has_no_volume_and_no_password_in_its_url() -> None:
    pod = manifest("CronJob", "syncer-postgres")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert all("persistentVolumeClaim" not in v for v in pod["volumes"])
    (container,) = pod["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    url = env["SYNCER_STATE__URL"]
    assert url.startswith("postgresql://syncer@")
    assert ":" not in url.split("@")[0].removeprefix("postgresql://")


def test_the_worker_is_probed_with_syncer_health_and_never_doubled() -> None:
    spec = manifest("Deployment", "syncer-worker")["spec"]
    assert (spec["replicas"], spec["strategy"]["type"]) == (1, "Recreate")
    worker = spec["template"]["spec"]["containers"][0]
    assert worker["args"][:3] == ["run", "--config", "/config/syncer.toml"]
    assert worker["livenessProbe"]["exec"]["command"][:2] == ["syncer", "health"]


def test_the_state_volume_is_read_write_once() -> None:
    assert manifest("PersistentVolumeClaim", "syncer-state")["spec"]["accessModes"] == [
        "ReadWriteOnce"
    ]


def test_the_secret_holds_only_placeholders() -> None:
    data = manifest("Secret", "syncer-secrets")["stringData"]
    tokens = {k: v for k, v in data.items() if k.endswith(("_TOKEN", "_PASSWORD"))}
    assert tokens
    assert set(tokens.values()) == {"replace-me"}


def configmap_config() -> Config:
    """The ConfigMap's ``syncer.toml`` as syncer reads it (secrets not required)."""
    text = manifest("ConfigMap", "syncer-config")["data"]["syncer.toml"]
    data = tomllib.loads(text)
    return parse_config(data, base_dir=Path("/config"), environ={}, require_secrets=False)


def test_the_configmaps_configuration_is_valid_for_syncer() -> None:
    config = configmap_config()
    assert config.settings.worker.report_at == "08:30"
    assert config.resolve(config.settings.sources.root) == Path("/work/repo")


def pods() -> list[tuple[str, dict[str, Any]]]:
    """(name, pod spec) of every workload."""
    found = []
    for kind, name in (
        ("CronJob", "syncer"),
        ("CronJob", "syncer-postgres"),
        ("Deployment", "syncer-worker"),
    ):
        spec = manifest(kind, name)["spec"]
        job = spec["jobTemplate"]["spec"] if kind == "CronJob" else spec
        template = job["template"]
        found.append((name, template["spec"]))
    return found


@pytest.mark.parametrize(("name", "pod"), pods(), ids=[name for name, _ in pods()])
def test_no_pod_gets_a_service_account_token(name: str, pod: dict[str, Any]) -> None:
    assert pod["automountServiceAccountToken"] is False


@pytest.mark.parametrize(("name", "pod"), pods(), ids=[name for name, _ in pods()])
def test_every_container_and_init_container_requests_resources(
    name: str, pod: dict[str, Any]
) -> None:
    for container in pod["containers"] + pod.get("initContainers", []):
        requests = container["resources"]["requests"]
        assert {"cpu", "memory"} <= set(requests), container["name"]
        assert "memory" in container["resources"]["limits"], container["name"]


@pytest.mark.parametrize(("name", "pod"), pods(), ids=[name for name, _ in pods()])
def test_the_repository_is_cloned_before_syncer_starts_with_the_read_only_secret(
    name: str, pod: dict[str, Any]
) -> None:
    # An init container runs to completion before any container starts: the first cycle
    # never reads a folder git-sync has not filled yet.
    (clone,) = pod["initContainers"]
    assert clone["image"].startswith("registry.k8s.io/git-sync/git-sync:")
    assert "--one-time" in clone["args"]
    assert "--link=repo" in clone["args"]
    assert "--root=/work" in clone["args"]
    credentials = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in clone["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert set(credentials) == {"GITSYNC_USERNAME", "GITSYNC_PASSWORD"}
    assert {ref["name"] for ref in credentials.values()} == {"syncer-git"}
    secret = manifest("Secret", "syncer-git")
    assert {ref["key"] for ref in credentials.values()} == set(secret["stringData"])
    syncer = next(c for c in pod["containers"] if c["name"] == "syncer")
    repo = next(m for m in syncer["volumeMounts"] if m["name"] == "repo")
    assert repo == {"name": "repo", "mountPath": "/work", "readOnly": True}
    config = configmap_config()
    assert all(p.startswith("/work/repo/") for p in config.settings.sources.paths)


def test_the_worker_keeps_git_sync_beside_it_after_the_first_clone() -> None:
    pod = manifest("Deployment", "syncer-worker")["spec"]["template"]["spec"]
    sidecar = next(c for c in pod["containers"] if c["name"] == "git-sync")
    assert "--one-time" not in sidecar["args"]
    assert any(a.startswith("--period=") for a in sidecar["args"])
    [clone] = pod["initContainers"]
    assert [a for a in clone["args"] if a != "--one-time"] == [
        a for a in sidecar["args"] if not a.startswith("--period=")
    ]


@pytest.mark.parametrize("name", ["syncer", "syncer-worker"])
def test_the_report_file_is_kept_on_the_state_volume(name: str) -> None:
    pod = dict(pods())[name]
    syncer = next(c for c in pod["containers"] if c["name"] == "syncer")
    output = syncer["args"][syncer["args"].index("--report-output") + 1]
    state = next(m for m in syncer["volumeMounts"] if m["name"] == "state")
    assert Path(output).parent == Path(state["mountPath"])


def test_the_config_map_delivers_the_report_weekly_to_an_issue_and_a_webhook() -> None:
    settings = configmap_config().settings
    report = settings.report
    assert report.deliver == "weekly"
    assert report.deliver_day == "monday"
    assert report.deliver_at == "09:00"
    everyone = settings.report.teams["*"]
    assert everyone.publish_to in settings.trackers
    assert everyone.webhook
    assert everyone.webhook_env in manifest("Secret", "syncer-secrets")["stringData"]
