"""One version from one source: ``syncer/__init__.py``'s ``__version__``.

``pyproject.toml`` reads it (hatch's version source), ``syncer --version`` prints it, and every
place that names a release must name that one: the image tags in the Kubernetes manifests and
the GitHub Actions workflow's pin.
"""

from __future__ import annotations

import io
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import yaml

import syncer
from syncer.cli import main

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))
WORKFLOW = ROOT / "deploy" / "github-actions" / "syncer.yml"


def test_pyproject_takes_the_version_from_the_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "syncer/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+", syncer.__version__)


def test_the_installed_metadata_and_syncer_version_agree() -> None:
    assert version("syncer") == syncer.__version__
    out = io.StringIO()
    assert main(["--version"], env={}, stdout=out, stderr=io.StringIO()) == 0
    assert out.getvalue().strip() == f"syncer {syncer.__version__}"


def _images() -> list[str]:
    images = []
    for path in KUBERNETES:
        for doc in yaml.safe_load_all(path.read_text()):
            images += re.findall(r"image: (\S+)", yaml.safe_dump(doc))
    return images


def test_every_syncer_image_in_the_manifests_is_tagged_with_this_version() -> None:
    ours = [image for image in _images() if image.rsplit(":", 1)[0].endswith("/syncer")]
    assert ours, "no syncer image in the manifests"
    assert {image.rsplit(":", 1)[1] for image in ours} == {syncer.__version__}


def test_the_workflow_installs_this_version() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["jobs"]["cycle"]["env"]["SYNCER_VERSION"] == syncer.__version__
    assert not re.search(r"@v?\d+\.\d+\.\d+", WORKFLOW.read_text()), "a second version pin"
