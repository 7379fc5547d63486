"""The GitHub stand-in's git side: branches, git references, file contents and pull requests.

Just what proposing document edits as one pull request needs (``trackers.github_pulls``): read
a branch, create or move a reference, read and write a file on a branch (each write one
commit), and list, open, read and edit pull requests. Shapes per the OpenAPI description
(``branch-with-protection``, ``git-ref``, ``content-file``, ``file-commit``, ``pull-request``,
``pull-request-simple``). A repository's files are whole snapshots per commit; its default
branch ``main`` starts with one empty commit.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from syncer.sandbox.server import Request, Response, Router
from syncer.sandbox.store import GithubCommit, GithubPull, GithubRepo

if TYPE_CHECKING:
    from datetime import datetime

    from syncer.sandbox.github_api import GithubApi

REPO = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
DOCS = "https://docs.github.com/rest"


def blob_sha(data: bytes) -> str:
    """The git blob id of ``data``, as git computes it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def ensure_main(repo: GithubRepo, *, now: datetime) -> None:
    """Give a repository without commits its first, empty one on the default branch."""
    if repo.branches:
        return
    first = GithubCommit(
        sha=hashlib.sha1(f"{repo.full_name}:initial".encode(), usedforsecurity=False).hexdigest(),
        message="Initial commit",
        created_at=now,
    )
    repo.commits.append(first)
    repo.branches[repo.default_branch] = first.sha


def commit_of(repo: GithubRepo, sha: str) -> GithubCommit | None:
    return next((c for c in repo.commits if c.sha == sha), None)


class GithubGitApi:
    """Routes and handlers for the git side; run with the sandbox's lock held, like GithubApi."""

    def __init__(
        self,
        api: GithubApi,
        *,
        error: Callable[..., Exception],
        timestamp: Callable[[datetime], str],
    ) -> None:
        self.api = api
        self.ctx = api.ctx
        self.make_error = error
        self.timestamp = timestamp

    def register(self, router: Router) -> None:
        routes: list[tuple[str, str, Any]] = [
            ("GET", REPO + "/branches/(?P<branch>.+)", self.get_branch),
            ("GET", REPO + "/git/ref/(?P<ref>.+)", self.get_ref),
            ("POST", REPO + "/git/refs", self.create_ref),
            ("PATCH", REPO + "/git/refs/(?P<ref>.+)", self.update_ref),
            ("GET", REPO + "/contents/(?P<path>.+)", self.get_contents),
            ("PUT", REPO + "/contents/(?P<path>.+)", self.put_contents),
            ("GET", REPO + "/pulls", self.list_pulls),
            ("POST", REPO + "/pulls", self.create_pull),
            ("GET", REPO + r"/pulls/(?P<number>\d+)", self.get_pull),
            ("PATCH", REPO + r"/pulls/(?P<number>\d+)", self.edit_pull),
        ]
        for method, path, handler in routes:
            router.add(method, path, handler)

    # ------------------------------------------------------------------ helpers

    def repo(self, owner: str, name: str) -> GithubRepo:
        repo = self.api.find_repo(owner, name)
        ensure_main(repo, now=self.ctx.now())
        return repo

    def error(self, status: int, message: str, doc: str) -> Exception:
        return self.make_error(status, message, doc=doc)

    def unprocessable(self, message: str, doc: str) -> Exception:
        return self.error(HTTPStatus.UNPROCESSABLE_ENTITY, message, doc)

    def body(self, request: Request, doc: str) -> dict[str, Any]:
        payload = request.json()
        if not isinstance(payload, dict):
            raise self.error(HTTPStatus.BAD_REQUEST, "Problems parsing JSON", doc)
        return payload

    def user(self, request: Request) -> dict[str, Any]:
        found = self.api.login_json(request, self.ctx.credentials.github_login)
        assert found is not None
        return found

    def commit_json(
        self, request: Request, repo: GithubRepo, commit: GithubCommit
    ) -> dict[str, Any]:
        base = f"{request.base_url}/repos/{repo.full_name}"
        person = {
            "name": "syncer-bot",
            "email": "syncer-bot@example.com",
            "date": self.timestamp(commit.created_at),
        }
        tree = hashlib.sha1(
            repr(sorted(commit.files.items())).encode(), usedforsecurity=False
        ).hexdigest()
        parents = [
            {
                "sha": p,
                "url": f"{base}/commits/{p}",
                "html_url": f"{request.base_url}/{repo.full_name}/commit/{p}",
            }
            for p in ([commit.parent] if commit.parent else [])
        ]
        return {
            "url": f"{base}/commits/{commit.sha}",
            "sha": commit.sha,
            "node_id": _node("Commit", commit.sha),
            "html_url": f"{request.base_url}/{repo.full_name}/commit/{commit.sha}",
            "comments_url": f"{base}/commits/{commit.sha}/comments",
            "commit": {
                "url": f"{base}/git/commits/{commit.sha}",
                "author": person,
                "committer": person,
                "message": commit.message,
                "comment_count": 0,
                "tree": {"sha": tree, "url": f"{base}/git/trees/{tree}"},
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "payload": None,
                    "signature": None,
                    "verified_at": None,
                },
            },
            "author": self.user(request),
            "committer": self.user(request),
            "parents": parents,
        }

    def ref_json(self, request: Request, repo: GithubRepo, branch: str) -> dict[str, Any]:
        base = f"{request.base_url}/repos/{repo.full_name}"
        sha = repo.branches[branch]
        return {
            "ref": f"refs/heads/{branch}",
            "node_id": _node("Ref", f"{repo.full_name}:{branch}"),
            "url": f"{base}/git/refs/heads/{branch}",
            "object": {"type": "commit", "sha": sha, "url": f"{base}/git/commits/{sha}"},
        }

    def branch_of(self, repo: GithubRepo, ref: str) -> str:
        branch = ref.removeprefix("refs/").removeprefix("heads/")
        if branch not in repo.branches:
            raise self.error(HTTPStatus.NOT_FOUND, "Not Found", f"{DOCS}/git/refs#get-a-reference")
        return branch

    # ------------------------------------------------------------------ branches and refs

    def get_branch(self, request: Request, owner: str, name: str, branch: str) -> Response:
        repo = self.repo(owner, name)
        if branch not in repo.branches:
            raise self.error(
                HTTPStatus.NOT_FOUND, "Branch not found", f"{DOCS}/branches/branches#get-a-branch"
            )
        commit = commit_of(repo, repo.branches[branch])
        assert commit is not None
        base = f"{request.base_url}/repos/{repo.full_name}/branches/{branch}"
        return Response.json(
            HTTPStatus.OK,
            {
                "name": branch,
                "commit": self.commit_json(request, repo, commit),
                "_links": {
                    "html": f"{request.base_url}/{repo.full_name}/tree/{branch}",
                    "self": base,
                },
                "protected": branch == repo.default_branch,
                "protection": {"enabled": branch == repo.default_branch},
                "protection_url": f"{base}/protection",
            },
        )

    def get_ref(self, request: Request, owner: str, name: str, ref: str) -> Response:
        repo = self.repo(owner, name)
        return Response.json(HTTPStatus.OK, self.ref_json(request, repo, self.branch_of(repo, ref)))

    def create_ref(self, request: Request, owner: str, name: str) -> Response:
        repo = self.repo(owner, name)
        doc = f"{DOCS}/git/refs#create-a-reference"
        payload = self.body(request, doc)
        ref, sha = payload.get("ref"), payload.get("sha")
        if not isinstance(ref, str) or not ref.startswith("refs/") or ref.count("/") < 2:
            raise self.unprocessable(
                "Reference name must start with 'refs/' and have at least two slashes.", doc
            )
        if not isinstance(sha, str) or commit_of(repo, sha) is None:
            raise self.unprocessable("Object does not exist", doc)
        branch = ref.removeprefix("refs/heads/")
        if branch in repo.branches:
            raise self.unprocessable("Reference already exists", doc)
        repo.branches[branch] = sha
        return Response.json(HTTPStatus.CREATED, self.ref_json(request, repo, branch))

    def update_ref(self, request: Request, owner: str, name: str, ref: str) -> Response:
        repo = self.repo(owner, name)
        doc = f"{DOCS}/git/refs#update-a-reference"
        branch = self.branch_of(repo, ref)
        payload = self.body(request, doc)
        sha = payload.get("sha")
        if not isinstance(sha, str) or commit_of(repo, sha) is None:
            raise self.unprocessable("Object does not exist", doc)
        if not payload.get("force") and not self.descends(repo, sha, repo.branches[branch]):
            raise self.unprocessable("Update is not a fast forward", doc)
        repo.branches[branch] = sha
        return Response.json(HTTPStatus.OK, self.ref_json(request, repo, branch))

    def descends(self, repo: GithubRepo, sha: str, ancestor: str) -> bool:
        commit = commit_of(repo, sha)
        while commit is not None:
            if commit.sha == ancestor:
                return True
            commit = commit_of(repo, commit.parent) if commit.parent else None
        return False

    # ------------------------------------------------------------------ contents

    def content_json(
        self, request: Request, repo: GithubRepo, path: str, data: bytes, *, branch: str
    ) -> dict[str, Any]:
        base = f"{request.base_url}/repos/{repo.full_name}"
        sha = blob_sha(data)
        html = f"{request.base_url}/{repo.full_name}/blob/{branch}/{path}"
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": base64.b64encode(data).decode(),
            "sha": sha,
            "url": f"{base}/contents/{path}?ref={branch}",
            "git_url": f"{base}/git/blobs/{sha}",
            "html_url": html,
            "download_url": f"{request.base_url}/raw/{repo.full_name}/{branch}/{path}",
            "_links": {
                "self": f"{base}/contents/{path}?ref={branch}",
                "git": f"{base}/git/blobs/{sha}",
                "html": html,
            },
        }

    def get_contents(self, request: Request, owner: str, name: str, path: str) -> Response:
        repo = self.repo(owner, name)
        branch = request.param("ref") or repo.default_branch
        doc = f"{DOCS}/repos/contents#get-repository-content"
        if branch not in repo.branches:
            raise self.error(HTTPStatus.NOT_FOUND, f"No commit found for the ref {branch}", doc)
        commit = commit_of(repo, repo.branches[branch])
        assert commit is not None
        if path not in commit.files:
            raise self.error(HTTPStatus.NOT_FOUND, "Not Found", doc)
        data = base64.b64decode(commit.files[path])
        return Response.json(
            HTTPStatus.OK, self.content_json(request, repo, path, data, branch=branch)
        )

    def put_contents(self, request: Request, owner: str, name: str, path: str) -> Response:
        repo = self.repo(owner, name)
        doc = f"{DOCS}/repos/contents#create-or-update-file-contents"
        payload = self.body(request, doc)
        message, content = payload.get("message"), payload.get("content")
        if not isinstance(message, str) or not isinstance(content, str):
            raise self.unprocessable(
                'Invalid request.\n\n"message", "content" weren\'t supplied.', doc
            )
        branch = payload.get("branch") or repo.default_branch
        if branch not in repo.branches:
            raise self.error(HTTPStatus.NOT_FOUND, f"Branch {branch} not found", doc)
        head = commit_of(repo, repo.branches[branch])
        assert head is not None
        existing = head.files.get(path)
        if existing is not None:
            old_sha = blob_sha(base64.b64decode(existing))
            if payload.get("sha") != old_sha:
                raise self.error(
                    HTTPStatus.CONFLICT, f"{path} does not match {payload.get('sha')}", doc
                )
        elif payload.get("sha"):
            raise self.unprocessable("sha wasn't supplied.", doc)
        try:
            data = base64.b64decode(content, validate=True)
        except ValueError:
            raise self.unprocessable("content is not valid Base64", doc) from None
        number = self.ctx.state.next_id("github_commit")
        commit = GithubCommit(
            sha=hashlib.sha1(
                f"{repo.full_name}:{number}".encode(), usedforsecurity=False
            ).hexdigest(),
            parent=head.sha,
            message=message,
            files={**head.files, path: base64.b64encode(data).decode()},
            created_at=self.ctx.now(),
        )
        repo.commits.append(commit)
        repo.branches[branch] = commit.sha
        status = HTTPStatus.OK if existing is not None else HTTPStatus.CREATED
        commit_json = self.commit_json(request, repo, commit)
        git_commit = {
            "sha": commit.sha,
            "node_id": commit_json["node_id"],
            "url": commit_json["commit"]["url"],
            "html_url": commit_json["html_url"],
            "author": commit_json["commit"]["author"],
            "committer": commit_json["commit"]["committer"],
            "message": message,
            "tree": commit_json["commit"]["tree"],
            "parents": commit_json["parents"],
            "verification": commit_json["commit"]["verification"],
        }
        return Response.json(
            status,
            {
                "content": self.content_json(request, repo, path, data, branch=branch),
                "commit": git_commit,
            },
        )

    # ------------------------------------------------------------------ pull requests

    def pull_json(
        self, request: Request, repo: GithubRepo, pull: GithubPull, *, full: bool
    ) -> dict[str, Any]:
        base = f"{request.base_url}/repos/{repo.full_name}"
        url = f"{base}/pulls/{pull.number}"
        html = f"{request.base_url}/{repo.full_name}/pull/{pull.number}"
        repo_json = self.api.repo_json(request, repo)
        user = self.api.login_json(request, pull.user)

        def side(branch: str) -> dict[str, Any]:
            return {
                "label": f"{repo.owner}:{branch}",
                "ref": branch,
                "repo": repo_json,
                "sha": repo.branches.get(branch, "0" * 40),
                "user": self.api.owner_json(request, repo),
            }

        data: dict[str, Any] = {
            "url": url,
            "id": pull.id,
            "node_id": _node("PullRequest", str(pull.id)),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": f"{base}/issues/{pull.number}",
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{base}/pulls/comments{{/number}}",
            "comments_url": f"{base}/issues/{pull.number}/comments",
            "statuses_url": f"{base}/statuses/{repo.branches.get(pull.head, '')}",
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": user,
            "body": pull.body,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": self.timestamp(pull.created_at),
            "updated_at": self.timestamp(pull.updated_at),
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": side(pull.head),
            "base": side(pull.base),
            "_links": {
                name: {"href": href}
                for name, href in {
                    "self": url,
                    "html": html,
                    "issue": f"{base}/issues/{pull.number}",
                    "comments": f"{base}/issues/{pull.number}/comments",
                    "review_comments": f"{url}/comments",
                    "review_comment": f"{base}/pulls/comments{{/number}}",
                    "commits": f"{url}/commits",
                    "statuses": f"{base}/statuses/{repo.branches.get(pull.head, '')}",
                }.items()
            },
            "author_association": "MEMBER",
            "auto_merge": None,
            "draft": False,
        }
        if full:
            data.update(
                {
                    "merged": False,
                    "mergeable": True,
                    "rebaseable": True,
                    "mergeable_state": "clean",
                    "merged_by": None,
                    "comments": 0,
                    "review_comments": 0,
                    "maintainer_can_modify": False,
                    "commits": 1,
                    "additions": 0,
                    "deletions": 0,
                    "changed_files": 0,
                }
            )
        return data

    def find_pull(self, repo: GithubRepo, number: str) -> GithubPull:
        pull = next((p for p in repo.pulls if p.number == int(number)), None)
        if pull is None:
            raise self.error(
                HTTPStatus.NOT_FOUND, "Not Found", f"{DOCS}/pulls/pulls#get-a-pull-request"
            )
        return pull

    def list_pulls(self, request: Request, owner: str, name: str) -> Response:
        repo = self.repo(owner, name)
        state = request.param("state", "open")
        head = request.param("head")
        base = request.param("base")
        found = [
            p
            for p in repo.pulls
            if state in ("all", p.state)
            and (head is None or head in (f"{repo.owner}:{p.head}", p.head))
            and (base is None or base == p.base)
        ]
        return Response.json(
            HTTPStatus.OK, [self.pull_json(request, repo, p, full=False) for p in found]
        )

    def create_pull(self, request: Request, owner: str, name: str) -> Response:
        repo = self.repo(owner, name)
        doc = f"{DOCS}/pulls/pulls#create-a-pull-request"
        payload = self.body(request, doc)
        head, base, title = payload.get("head"), payload.get("base"), payload.get("title")
        if not isinstance(head, str) or not isinstance(base, str) or not isinstance(title, str):
            raise self.unprocessable("Validation Failed", doc)
        head = head.split(":", 1)[-1]
        if head not in repo.branches or base not in repo.branches:
            raise self.unprocessable("Validation Failed", doc)
        if head == base or repo.branches[head] == repo.branches[base]:
            raise self.unprocessable(f"No commits between {base} and {head}", doc)
        if any(p.head == head and p.base == base and p.state == "open" for p in repo.pulls):
            raise self.unprocessable(f"A pull request already exists for {repo.owner}:{head}.", doc)
        now = self.ctx.now()
        pull = GithubPull(
            id=self.ctx.state.next_id("github_pull"),
            number=repo.next_number,
            title=title,
            body=payload.get("body"),
            head=head,
            base=base,
            user=self.ctx.credentials.github_login,
            created_at=now,
            updated_at=now,
        )
        repo.next_number += 1
        repo.pulls.append(pull)
        return Response.json(HTTPStatus.CREATED, self.pull_json(request, repo, pull, full=True))

    def get_pull(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo = self.repo(owner, name)
        pull = self.find_pull(repo, number)
        return Response.json(HTTPStatus.OK, self.pull_json(request, repo, pull, full=True))

    def edit_pull(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo = self.repo(owner, name)
        pull = self.find_pull(repo, number)
        payload = self.body(request, f"{DOCS}/pulls/pulls#update-a-pull-request")
        if isinstance(payload.get("title"), str):
            pull.title = payload["title"]
        if "body" in payload:
            pull.body = payload["body"]
        if payload.get("state") in ("open", "closed"):
            pull.state = payload["state"]
        pull.updated_at = self.ctx.now()
        return Response.json(HTTPStatus.OK, self.pull_json(request, repo, pull, full=True))


def _node(kind: str, ident: str) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()
