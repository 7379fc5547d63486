"""Finding post-mortem files: ``exclude`` globs are matched relative to the sources' root."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.config import load_config
from syncer.shell.sources import discover, source_name, source_names
from syncer.shell.state import StateStore
from syncer.shell.world import collect_documents


def _tree(base: Path, *names: str) -> None:
    for name in names:
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# Incident\n", encoding="utf-8")


def _names(files: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in files]


def test_exclude_is_relative_to_root_not_to_the_configuration_folder(tmp_path: Path) -> None:
    # The configuration sits in tmp_path, the documents in docs/ which is also the root: a glob
    # anchored at the root ("drafts/*") must skip docs/drafts/, as the example config documents.
    _tree(tmp_path, "docs/a.md", "docs/drafts/b.md", "docs/2026/c.md")
    files = discover(
        ["docs"], base=tmp_path, root=tmp_path / "docs", exclude=["drafts/*", "2026/c.md"]
    )
    assert _names(files, tmp_path) == ["docs/a.md"]


def test_a_configured_run_excludes_relative_to_root(tmp_path: Path) -> None:
    # The bug as users met it: syncer.toml beside postmortems/, root = "postmortems",
    # exclude = ["drafts/**"] as documented; the drafts were synced all the same.
    _tree(tmp_path, "postmortems/a.md", "postmortems/drafts/b.md", "postmortems/template.md")
    config_file = tmp_path / "syncer.toml"
    config_file.write_text(
        'default_tracker = "ops"\n'
        "[sources]\n"
        'paths = ["postmortems"]\n'
        'root = "postmortems"\n'
        'exclude = ["drafts/**", "**/template.md"]\n'
        "[trackers.ops]\n"
        'type = "github"\n'
        'repository = "acme/ops"\n',
        encoding="utf-8",
    )
    config = load_config(config_file, environ={}, require_secrets=False)
    with StateStore(tmp_path / "state.db") as store:
        documents, _ = collect_documents(config, store)
    assert [d.source for d in documents] == ["a.md"]


def test_a_path_relative_to_the_configuration_folder_no_longer_excludes(tmp_path: Path) -> None:
    _tree(tmp_path, "docs/a.md", "docs/b.md")
    files = discover(["docs"], base=tmp_path, root=tmp_path / "docs", exclude=["docs/a.md"])
    assert _names(files, tmp_path) == ["docs/a.md", "docs/b.md"]


def test_root_defaults_to_base(tmp_path: Path) -> None:
    _tree(tmp_path, "docs/a.md", "docs/drafts/b.md")
    files = discover(["docs"], base=tmp_path, exclude=["docs/drafts/*"])
    assert _names(files, tmp_path) == ["docs/a.md"]


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        # A leading "**/" also matches no folder at all, so "**/template.md" skips a template
        # sitting directly in the root (as it does one level down).
        ("**/template.md", ["drafts/d.md", "drafts/deep/e.md", "x/a.md"]),
        ("**/drafts/**", ["template.md", "x/a.md", "x/template.md"]),
        ("x/**/a.md", ["drafts/d.md", "drafts/deep/e.md", "template.md", "x/template.md"]),
        ("*.md", []),
        ("x/*", ["drafts/d.md", "drafts/deep/e.md", "template.md"]),
        ("nothing", ["drafts/d.md", "drafts/deep/e.md", "template.md", "x/a.md", "x/template.md"]),
    ],
)
def test_exclude_globs(tmp_path: Path, pattern: str, kept: list[str]) -> None:
    root = tmp_path / "pm"
    _tree(root, "template.md", "x/a.md", "x/template.md", "drafts/d.md", "drafts/deep/e.md")
    files = discover(["pm"], base=tmp_path, root=root, exclude=[pattern])
    assert _names(files, root) == kept


def test_names_of_many_files_are_those_of_each_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # source_names resolves each folder once; every kind of path must name as source_name does.
    root = tmp_path / "docs"
    (root / "team").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (root / "team" / "a.md").write_text("# A\n")
    (tmp_path / "elsewhere" / "b.md").write_text("# B\n")
    (root / "link.md").symlink_to(tmp_path / "elsewhere" / "b.md")  # a linked file
    (root / "linked-team").symlink_to(root / "team")  # a linked folder
    monkeypatch.chdir(root)
    paths = [
        root / "team" / "a.md",
        root / "link.md",
        root / "linked-team" / "a.md",
        root / "team" / ".." / "team" / "a.md",
        Path("team/a.md"),  # relative to the working directory
        root / "missing.md",
        root / "gone" / "missing.md",
    ]
    assert source_names(paths, root) == [source_name(p, root) for p in paths]
