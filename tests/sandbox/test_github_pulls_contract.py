"""Unmodified PyGithub against the GitHub stand-in: branches, references, contents and pull
requests, each answer checked against GitHub's OpenAPI description."""

from __future__ import annotations

import pytest
from github import Github, GithubException
from github.GithubException import UnknownObjectException

from syncer.sandbox import Sandbox
from tests.support.openapi import GITHUB, validate


def test_branch_ref_contents_and_pull_request_match_the_spec(
    github: Github, gh_sandbox: Sandbox
) -> None:
    gh_sandbox.commit_github_files("acme/platform", {"pm/a.md": b"# A\r\n"}, message="seed")
    repo = github.get_repo("acme/platform")
    main = repo.get_branch("main")
    validate(GITHUB, "#/components/schemas/branch-with-protection", main.raw_data)
    with pytest.raises(UnknownObjectException):
        repo.get_git_ref("heads/syncer/write-back")
    ref = repo.create_git_ref("refs/heads/syncer/write-back", main.commit.sha)
    validate(GITHUB, "#/components/schemas/git-ref", ref.raw_data)
    assert repo.get_git_ref("heads/syncer/write-back").object.sha == main.commit.sha

    found = repo.get_contents("pm/a.md", ref="syncer/write-back")
    assert not isinstance(found, list)
    validate(GITHUB, "#/components/schemas/content-file", found.raw_data)
    assert found.decoded_content == b"# A\r\n"
    written = repo.update_file(
        "pm/a.md", "edit", b"# A\r\nmore\r\n", found.sha, branch="syncer/write-back"
    )
    answer = {"content": written["content"].raw_data, "commit": written["commit"].raw_data}
    validate(GITHUB, "#/components/schemas/file-commit", answer)
    created = repo.create_file("pm/b.md", "add", b"# B\n", branch="syncer/write-back")
    assert created["content"].raw_data["path"] == "pm/b.md"
    assert gh_sandbox.github_file("acme/platform", "pm/a.md", branch="syncer/write-back") == (
        b"# A\r\nmore\r\n"
    )
    assert gh_sandbox.github_file("acme/platform", "pm/a.md") == b"# A\r\n"  # main untouched
    with pytest.raises(GithubException) as stale:
        repo.update_file("pm/a.md", "again", b"x", found.sha, branch="syncer/write-back")
    assert stale.value.status == 409

    pull = repo.create_pull(base="main", head="syncer/write-back", title="T", body="B")
    validate(GITHUB, "#/components/schemas/pull-request", pull.raw_data)
    listed = list(repo.get_pulls(state="open", head="acme:syncer/write-back", base="main"))
    assert [p.number for p in listed] == [pull.number]
    validate(GITHUB, "#/components/schemas/pull-request-simple", listed[0].raw_data)
    with pytest.raises(GithubException) as twice:
        repo.create_pull(base="main", head="syncer/write-back", title="T", body="B")
    assert twice.value.status == 422
    pull.edit(title="T2", body="B2")
    assert (repo.get_pull(pull.number).title, repo.get_pull(pull.number).body) == ("T2", "B2")

    # A forced move back to main, and a refused non-fast-forward one.
    moved = repo.get_git_ref("heads/syncer/write-back")
    with pytest.raises(GithubException) as backwards:
        moved.edit(main.commit.sha)
    assert backwards.value.status == 422
    moved.edit(main.commit.sha, force=True)
    assert repo.get_git_ref("heads/syncer/write-back").object.sha == main.commit.sha
