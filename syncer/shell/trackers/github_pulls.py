"""Proposing document edits as one pull request on a GitHub repository (PyGithub).

For workers whose checkout does not outlive the run (a container): instead of committing
locally, the edited files are committed through the contents API to syncer's own branch
(``syncer/write-back`` by default, made from the default branch's head when missing) whenever
its content is not already what is proposed, and one pull request from it is opened, or updated
when one is open. Never the default branch: a branch named like it is refused before any
request is made. The branch is never moved by force: a person's commits on it stay.
"""

from __future__ import annotations

from collections.abc import Mapping

from github import Github, GithubException, UnknownObjectException
from github.Repository import Repository

from syncer.model import Frozen
from syncer.shell.trackers.transport import Requests


class Proposal(Frozen):
    """The pull request a write-back went to, and whether this run opened it or changed it."""

    number: int
    url: str
    opened: bool
    changed: bool


def _branch_content(repo: Repository, path: str, branch: str) -> bytes | None:
    try:
        found = repo.get_contents(path, ref=branch)
    except UnknownObjectException:
        return None
    if isinstance(found, list):
        return None  # a folder of that name: it is replaced by the file
    return found.decoded_content


def propose_files(
    client: Github,
    http: Requests[GithubException],
    *,
    repository: str,
    files: Mapping[str, bytes],
    branch: str,
    title: str,
    body: str,
    message: str,
) -> Proposal:
    """Put ``files`` (repository path -> bytes) on ``branch`` and keep one pull request open
    from it to the default branch."""
    doing = f"proposing the write-back to {repository}"
    repo = http.read(lambda: client.get_repo(repository), doing)
    default = repo.default_branch
    if branch in (default, f"refs/heads/{default}", f"heads/{default}"):
        raise http.error(f"{doing}: {branch!r} is the default branch; syncer never writes to it")

    def current_ref() -> str | None:
        try:
            return str(repo.get_git_ref(f"heads/{branch}").object.sha)
        except UnknownObjectException:
            return None

    head = http.read(current_ref, doing)

    def on_branch(path: str) -> bytes | None:
        return http.read(lambda: _branch_content(repo, path, branch), doing)

    same = head is not None and all(on_branch(path) == data for path, data in files.items())
    changed = False
    if not same:
        if head is None:
            base = http.read(lambda: repo.get_branch(default).commit.sha, doing)
            http.write(lambda: repo.create_git_ref(f"refs/heads/{branch}", base), doing)
        for path, data in sorted(files.items()):

            def put(path: str = path, data: bytes = data) -> None:
                try:
                    found = repo.get_contents(path, ref=branch)
                except UnknownObjectException:
                    repo.create_file(path, message, data, branch=branch)
                    return
                if isinstance(found, list) or found.decoded_content == data:
                    return
                repo.update_file(path, message, data, found.sha, branch=branch)

            http.write(put, doing)
        changed = True
    owner = repository.split("/", 1)[0]
    open_pulls = http.read(
        lambda: list(repo.get_pulls(state="open", head=f"{owner}:{branch}", base=default)), doing
    )
    if open_pulls:
        pull = open_pulls[0]
        if (pull.title, pull.body or "") != (title, body):
            http.write(lambda: pull.edit(title=title, body=body), doing)
            changed = True
        return Proposal(number=pull.number, url=pull.html_url, opened=False, changed=changed)
    made = http.write(
        lambda: repo.create_pull(base=default, head=branch, title=title, body=body), doing
    )
    return Proposal(number=made.number, url=made.html_url, opened=True, changed=True)
