"""The GitHub stand-in: the REST paths PyGithub calls for repositories, issues, comments, labels.

Owns GitHub's JSON shapes (simple-user, full-repository, issue, label, milestone, issue-comment,
rate-limit-overview per the OpenAPI description), token auth, ``X-RateLimit-*`` headers, issue list
filtering/sorting with ``Link`` pagination, and GitHub's error bodies (401/404/410/422, and 301 for
an issue transferred to another repository).
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlencode

from syncer.sandbox.context import ApiContext
from syncer.sandbox.github_git import GithubGitApi
from syncer.sandbox.server import BadJsonError, Request, Response, Router, link_header
from syncer.sandbox.store import (
    GithubComment,
    GithubIssue,
    GithubLabel,
    GithubMilestone,
    GithubRepo,
    GithubUser,
)

T = TypeVar("T")

_LISTING_PARAMS = (
    "state",
    "labels",
    "since",
    "sort",
    "direction",
    "assignee",
    "creator",
    "milestone",
)

DOCS = "https://docs.github.com/rest"
RATE_LIMIT = 5000
REPO = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
ISSUE = REPO + r"/issues/(?P<number>\d+)"
STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate")
SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)


class GithubError(Exception):
    """Ends a request with GitHub's error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        doc: str = DOCS,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.doc = doc
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def response(self) -> Response:
        return error_response(
            self.status,
            self.message,
            doc=self.doc,
            errors=self.errors,
            headers=self.headers,
            extra=self.extra,
        )


def error_response(
    status: int,
    message: str,
    *,
    doc: str = DOCS,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    payload: dict[str, Any] = {"message": message}
    payload.update(extra or {})
    if errors is not None:
        payload["errors"] = errors
    payload["documentation_url"] = doc
    payload["status"] = str(status)
    return Response.json(status, payload, headers)


def validation_failed(doc: str, *errors: dict[str, Any]) -> GithubError:
    return GithubError(
        HTTPStatus.UNPROCESSABLE_ENTITY, "Validation Failed", doc=doc, errors=list(errors)
    )


def github_time(moment: datetime) -> str:
    """GitHub's timestamp format: ``2026-11-27T10:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(prefix: str, number: int) -> str:
    return base64.b64encode(f"0{len(prefix)}:{prefix}{number}".encode()).decode()


class GithubApi:
    """Routes and handlers; every handler runs with the sandbox's state lock held."""

    def __init__(self, context: ApiContext) -> None:
        self.ctx = context
        self.listings: dict[tuple[Any, ...], list[GithubIssue]] = {}
        self.listings_generation = -1
        self.router = Router()
        self.used: dict[str, int] = {}
        self.window_reset = int(time.time()) + 3600
        routes: list[tuple[str, str, Any]] = [
            ("GET", "/user", self.get_user),
            ("GET", "/rate_limit", self.rate_limit),
            ("GET", REPO, self.get_repo),
            ("GET", REPO + "/issues", self.list_issues),
            ("POST", REPO + "/issues", self.create_issue),
            ("GET", ISSUE, self.get_issue),
            ("PATCH", ISSUE, self.edit_issue),
            ("GET", ISSUE + "/comments", self.list_comments),
            ("POST", ISSUE + "/comments", self.create_comment),
            ("GET", ISSUE + "/labels", self.issue_labels),
            ("POST", ISSUE + "/labels", self.add_labels),
            ("PUT", ISSUE + "/labels", self.set_labels),
            ("DELETE", ISSUE + "/labels", self.clear_labels),
            ("DELETE", ISSUE + "/labels/(?P<label>[^/]+)", self.remove_label),
            ("POST", ISSUE + "/assignees", self.add_assignees),
            ("DELETE", ISSUE + "/assignees", self.remove_assignees),
            ("GET", REPO + "/assignees/(?P<login>[^/]+)", self.check_assignee),
            ("GET", REPO + "/labels", self.repo_labels),
            ("POST", REPO + "/labels", self.create_label),
            ("GET", REPO + "/labels/(?P<label>[^/]+)", self.get_label),
            ("GET", REPO + "/milestones", self.list_milestones),
            ("POST", REPO + "/milestones", self.create_milestone),
            ("GET", REPO + r"/milestones/(?P<number>\d+)", self.get_milestone),
        ]
        for method, path, handler in routes:
            self.router.add(method, path, handler)
        # Branches, references, contents and pull requests: proposing document edits.
        GithubGitApi(self, error=GithubError, timestamp=github_time).register(self.router)

    # ------------------------------------------------------------------ entry point

    def handle(self, request: Request) -> Response:
        token = self.token(request)
        if token is not None and token != self.ctx.credentials.github_token:
            return error_response(HTTPStatus.UNAUTHORIZED, "Bad credentials")
        found = self.router.find(request.method, request.path)
        if not isinstance(found, tuple):
            return error_response(HTTPStatus.NOT_FOUND, "Not Found")
        handler, params = found
        if token is None and request.path != "/rate_limit":
            # The sandbox's repositories are private: anonymous callers see 401 or 404.
            if request.path == "/user":
                return error_response(HTTPStatus.UNAUTHORIZED, "Requires authentication")
            return error_response(HTTPStatus.NOT_FOUND, "Not Found")
        try:
            response: Response = handler(request, **params)
        except GithubError as error:
            response = error.response()
        except BadJsonError:
            response = error_response(
                HTTPStatus.BAD_REQUEST, "Problems parsing JSON", doc=f"{DOCS}/issues"
            )
        response = conditional(request, response)
        counted = request.path != "/rate_limit" and response.status != HTTPStatus.NOT_MODIFIED
        response.headers.update(self.rate_headers(token, counted=counted))
        return response

    def token(self, request: Request) -> str | None:
        header = request.headers.get("authorization")
        if header is None:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() in ("token", "bearer"):
            return value.strip()
        return ""

    def rate_headers(self, token: str | None, *, counted: bool) -> dict[str, str]:
        key = token or "anonymous"
        now = int(time.time())
        if now >= self.window_reset:
            self.used.clear()
            self.window_reset = now + 3600
        if counted:
            self.used[key] = self.used.get(key, 0) + 1
        used = self.used.get(key, 0)
        limit = RATE_LIMIT if token else 60
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - used, 0)),
            "X-RateLimit-Reset": str(self.window_reset),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
        }

    def secondary_rate_limit(self, retry_after: int, request_id: str) -> Response:
        return error_response(
            HTTPStatus.FORBIDDEN,
            SECONDARY_RATE_LIMIT.format(request_id=request_id),
            doc="https://docs.github.com/free-pro-team@latest/rest/overview/"
            "rate-limits-for-the-rest-api#about-secondary-rate-limits",
            headers={"retry-after": str(retry_after)},
        )

    # ------------------------------------------------------------------ shapes

    def user_json(self, request: Request, user: GithubUser) -> dict[str, Any]:
        base = f"{request.base_url}/users/{user.login}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": node_id("User", user.id),
            "avatar_url": f"{request.base_url}/avatars/{user.login}",
            "gravatar_id": "",
            "url": base,
            "html_url": f"{request.base_url}/{user.login}",
            "followers_url": f"{base}/followers",
            "following_url": f"{base}/following{{/other_user}}",
            "gists_url": f"{base}/gists{{/gist_id}}",
            "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{base}/subscriptions",
            "organizations_url": f"{base}/orgs",
            "repos_url": f"{base}/repos",
            "events_url": f"{base}/events{{/privacy}}",
            "received_events_url": f"{base}/received_events",
            "type": "User",
            "user_view_type": "public",
            "site_admin": False,
        }

    def login_json(self, request: Request, login: str | None) -> dict[str, Any] | None:
        user = self.ctx.state.github_user(login) if login else None
        return self.user_json(request, user) if user else None

    def owner_json(self, request: Request, repo: GithubRepo) -> dict[str, Any]:
        owner = self.ctx.state.github_user(repo.owner)
        if owner is not None:
            return self.user_json(request, owner)
        org = GithubUser(id=repo.id + 1000, login=repo.owner, name=repo.owner)
        result = self.user_json(request, org)
        result["type"] = "Organization"
        return result

    def repo_json(self, request: Request, repo: GithubRepo) -> dict[str, Any]:
        base = f"{request.base_url}/repos/{repo.full_name}"
        html = f"{request.base_url}/{repo.full_name}"
        open_issues = sum(
            1
            for i in self.ctx.state.github_issues
            if i.repo == repo.full_name and i.state == "open"
        )
        templates = {
            "archive_url": "/{archive_format}{/ref}",
            "assignees_url": "/assignees{/user}",
            "blobs_url": "/git/blobs{/sha}",
            "branches_url": "/branches{/branch}",
            "collaborators_url": "/collaborators{/collaborator}",
            "comments_url": "/comments{/number}",
            "commits_url": "/commits{/sha}",
            "compare_url": "/compare/{base}...{head}",
            "contents_url": "/contents/{+path}",
            "contributors_url": "/contributors",
            "deployments_url": "/deployments",
            "downloads_url": "/downloads",
            "events_url": "/events",
            "forks_url": "/forks",
            "git_commits_url": "/git/commits{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "hooks_url": "/hooks",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "issues_url": "/issues{/number}",
            "keys_url": "/keys{/key_id}",
            "labels_url": "/labels{/name}",
            "languages_url": "/languages",
            "merges_url": "/merges",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "pulls_url": "/pulls{/number}",
            "releases_url": "/releases{/id}",
            "stargazers_url": "/stargazers",
            "statuses_url": "/statuses/{sha}",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "tags_url": "/tags",
            "teams_url": "/teams",
            "trees_url": "/git/trees{/sha}",
        }
        created = github_time(repo.created_at)
        result: dict[str, Any] = {name: base + suffix for name, suffix in templates.items()}
        result.update(
            {
                "id": repo.id,
                "node_id": node_id("Repository", repo.id),
                "name": repo.name,
                "full_name": repo.full_name,
                "owner": self.owner_json(request, repo),
                "private": True,
                "html_url": html,
                "description": "Sandbox repository",
                "fork": False,
                "url": base,
                "clone_url": f"{html}.git",
                "git_url": f"{html}.git",
                "ssh_url": f"git@sandbox.invalid:{repo.full_name}.git",
                "svn_url": html,
                "mirror_url": None,
                "homepage": None,
                "language": None,
                "forks": 0,
                "forks_count": 0,
                "stargazers_count": 0,
                "watchers": 0,
                "watchers_count": 0,
                "size": 0,
                "default_branch": "main",
                "open_issues": open_issues,
                "open_issues_count": open_issues,
                "is_template": False,
                "topics": [],
                "has_issues": True,
                "has_projects": False,
                "has_wiki": False,
                "has_pages": False,
                "has_downloads": False,
                "has_discussions": False,
                "archived": False,
                "disabled": False,
                "visibility": "private",
                "pushed_at": created,
                "created_at": created,
                "updated_at": created,
                "permissions": {
                    "admin": False,
                    "maintain": False,
                    "push": True,
                    "triage": True,
                    "pull": True,
                },
                "license": None,
                "network_count": 0,
                "subscribers_count": 0,
            }
        )
        return result

    def label_json(self, request: Request, repo: GithubRepo, label: GithubLabel) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": node_id("Label", label.id),
            "url": f"{request.base_url}/repos/{repo.full_name}/labels/{quote(label.name)}",
            "name": label.name,
            "description": label.description,
            "color": label.color,
            "default": label.default,
        }

    def milestone_json(
        self, request: Request, repo: GithubRepo, milestone: GithubMilestone
    ) -> dict[str, Any]:
        issues = [
            i
            for i in self.ctx.state.github_issues
            if i.repo == repo.full_name and i.milestone == milestone.number
        ]
        base = f"{request.base_url}/repos/{repo.full_name}/milestones/{milestone.number}"
        return {
            "url": base,
            "html_url": f"{request.base_url}/{repo.full_name}/milestone/{milestone.number}",
            "labels_url": f"{base}/labels",
            "id": milestone.id,
            "node_id": node_id("Milestone", milestone.id),
            "number": milestone.number,
            "state": milestone.state,
            "title": milestone.title,
            "description": milestone.description,
            "creator": self.login_json(request, self.ctx.credentials.github_login),
            "open_issues": sum(1 for i in issues if i.state == "open"),
            "closed_issues": sum(1 for i in issues if i.state == "closed"),
            "created_at": github_time(milestone.created_at),
            "updated_at": github_time(milestone.updated_at),
            "closed_at": None,
            "due_on": github_time(milestone.due_on) if milestone.due_on else None,
        }

    def issue_json(self, request: Request, repo: GithubRepo, issue: GithubIssue) -> dict[str, Any]:
        base = f"{request.base_url}/repos/{repo.full_name}"
        url = f"{base}/issues/{issue.number}"
        labels = [repo.label(name) for name in issue.labels]
        assignees = [self.login_json(request, login) for login in issue.assignees]
        milestone = next((m for m in repo.milestones if m.number == issue.milestone), None)
        return {
            "id": issue.id,
            "node_id": node_id("Issue", issue.id),
            "url": url,
            "repository_url": base,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{request.base_url}/{repo.full_name}/issues/{issue.number}",
            "number": issue.number,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": self.login_json(request, issue.author),
            "labels": [self.label_json(request, repo, lab) for lab in labels if lab],
            "assignee": assignees[0] if assignees else None,
            "assignees": [a for a in assignees if a],
            "milestone": self.milestone_json(request, repo, milestone) if milestone else None,
            "locked": issue.locked,
            "active_lock_reason": None,
            "comments": len(issue.comments),
            "closed_at": github_time(issue.closed_at) if issue.closed_at else None,
            "created_at": github_time(issue.created_at),
            "updated_at": github_time(issue.updated_at),
            "closed_by": self.login_json(request, issue.closed_by),
            "author_association": "MEMBER",
            "timeline_url": f"{url}/timeline",
            "performed_via_github_app": None,
            "reactions": {
                "url": f"{url}/reactions",
                "total_count": 0,
                "+1": 0,
                "-1": 0,
                "laugh": 0,
                "hooray": 0,
                "confused": 0,
                "heart": 0,
                "rocket": 0,
                "eyes": 0,
            },
        }

    def comment_json(
        self, request: Request, repo: GithubRepo, issue: GithubIssue, comment: GithubComment
    ) -> dict[str, Any]:
        base = f"{request.base_url}/repos/{repo.full_name}"
        return {
            "id": comment.id,
            "node_id": node_id("IssueComment", comment.id),
            "url": f"{base}/issues/comments/{comment.id}",
            "html_url": f"{request.base_url}/{repo.full_name}/issues/{issue.number}"
            f"#issuecomment-{comment.id}",
            "issue_url": f"{base}/issues/{issue.number}",
            "body": comment.body,
            "user": self.login_json(request, comment.author),
            "created_at": github_time(comment.created_at),
            "updated_at": github_time(comment.updated_at),
            "author_association": "MEMBER",
            "performed_via_github_app": None,
        }

    # ------------------------------------------------------------------ look-ups

    def find_repo(self, owner: str, name: str) -> GithubRepo:
        repo = self.ctx.state.github_repo(owner, name)
        if repo is None:
            raise GithubError(
                HTTPStatus.NOT_FOUND, "Not Found", doc=f"{DOCS}/repos/repos#get-a-repository"
            )
        return repo

    def find_issue(
        self, request: Request, owner: str, name: str, number: str
    ) -> tuple[GithubRepo, GithubIssue]:
        repo = self.find_repo(owner, name)
        wanted = int(number)
        issue = self.ctx.state.github_issue(repo.full_name, wanted)
        if issue is not None:
            return repo, issue
        doc = f"{DOCS}/issues/issues#get-an-issue"
        if wanted in repo.moved:
            target_repo, target_number = repo.moved[wanted].split("#")
            rest = request.path.split(f"/issues/{number}", 1)[1]
            location = f"{request.base_url}/repos/{target_repo}/issues/{target_number}{rest}"
            raise GithubError(
                HTTPStatus.MOVED_PERMANENTLY,
                "Moved Permanently",
                doc=doc,
                headers={"Location": location},
                extra={"url": location},
            )
        if wanted in repo.deleted_numbers:
            raise GithubError(HTTPStatus.GONE, "This issue was deleted", doc=doc)
        raise GithubError(HTTPStatus.NOT_FOUND, "Not Found", doc=doc)

    def check_assignees(self, logins: Any, doc: str) -> list[str]:
        if not isinstance(logins, list):
            raise validation_failed(
                doc, {"resource": "Issue", "field": "assignees", "code": "invalid", "value": logins}
            )
        result: list[str] = []
        for login in logins:
            user = self.ctx.state.github_user(str(login)) if isinstance(login, str) else None
            if user is None:
                raise validation_failed(
                    doc,
                    {"value": login, "resource": "Issue", "field": "assignees", "code": "invalid"},
                )
            if user.login not in result:
                result.append(user.login)
        return result

    def label_names(self, repo: GithubRepo, labels: Any, doc: str) -> list[str]:
        """Label names for an issue; unknown names become new repository labels, as on GitHub."""
        if not isinstance(labels, list):
            raise validation_failed(
                doc, {"resource": "Label", "field": "name", "code": "invalid", "value": labels}
            )
        result: list[str] = []
        for item in labels:
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str) or not name.strip():
                raise validation_failed(
                    doc, {"resource": "Label", "field": "name", "code": "missing_field"}
                )
            label = repo.label(name)
            if label is None:
                label = GithubLabel(
                    id=self.ctx.state.next_id("github_label"), name=name, color="ededed"
                )
                repo.labels.append(label)
            if label.name not in result:
                result.append(label.name)
        return result

    def milestone_number(self, repo: GithubRepo, value: Any, doc: str) -> int | None:
        if value in (None, ""):
            return None
        if isinstance(value, int) and any(m.number == value for m in repo.milestones):
            return value
        raise validation_failed(
            doc, {"value": value, "resource": "Issue", "field": "milestone", "code": "invalid"}
        )

    # ------------------------------------------------------------------ handlers

    def get_user(self, request: Request) -> Response:
        user = self.ctx.state.github_user(self.ctx.credentials.github_login)
        assert user is not None
        payload = self.user_json(request, user)
        stamp = "2020-01-01T00:00:00Z"
        payload.update(
            {
                "name": user.name,
                "company": None,
                "blog": "",
                "location": None,
                "email": None,
                "hireable": None,
                "bio": None,
                "twitter_username": None,
                "public_repos": 0,
                "public_gists": 0,
                "followers": 0,
                "following": 0,
                "created_at": stamp,
                "updated_at": stamp,
                "private_gists": 0,
                "total_private_repos": len(self.ctx.state.github_repos),
                "owned_private_repos": 0,
                "disk_usage": 0,
                "collaborators": 0,
                "two_factor_authentication": True,
                "user_view_type": "private",
            }
        )
        return Response.json(HTTPStatus.OK, payload)

    def rate_limit(self, request: Request) -> Response:
        token = self.token(request)
        key = token or "anonymous"
        limit = RATE_LIMIT if token else 60
        used = self.used.get(key, 0)
        core = {
            "limit": limit,
            "used": used,
            "remaining": max(limit - used, 0),
            "reset": self.window_reset,
        }
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": self.window_reset}
        graphql = {"limit": 5000, "used": 0, "remaining": 5000, "reset": self.window_reset}
        return Response.json(
            HTTPStatus.OK,
            {"resources": {"core": core, "search": search, "graphql": graphql}, "rate": core},
        )

    def check_assignee(self, request: Request, owner: str, name: str, login: str) -> Response:
        """204 when the user can be assigned issues in the repository, else 404 (as GitHub)."""
        self.find_repo(owner, name)
        if self.ctx.state.github_user(login) is None:
            raise GithubError(
                HTTPStatus.NOT_FOUND,
                "Not Found",
                doc=f"{DOCS}/issues/assignees#check-if-a-user-can-be-assigned",
            )
        return Response.empty()

    def get_repo(self, request: Request, owner: str, name: str) -> Response:
        return Response.json(HTTPStatus.OK, self.repo_json(request, self.find_repo(owner, name)))

    def list_issues(self, request: Request, owner: str, name: str) -> Response:
        repo = self.find_repo(owner, name)
        doc = f"{DOCS}/issues/issues#list-repository-issues"
        state = request.param("state") or "open"
        sort = request.param("sort") or "created"
        direction = request.param("direction") or "desc"
        for field, value, allowed in (
            ("state", state, ("open", "closed", "all")),
            ("sort", sort, ("created", "updated", "comments")),
            ("direction", direction, ("asc", "desc")),
        ):
            if value not in allowed:
                raise validation_failed(
                    doc, {"resource": "Issue", "field": field, "code": "invalid", "value": value}
                )
        # Paging through a large repository asks the same question once per page: answer it
        # once per state generation, as a real index would.
        query = tuple((param, tuple(request.params(param))) for param in _LISTING_PARAMS)
        if self.listings_generation != self.ctx.generation:
            self.listings, self.listings_generation = {}, self.ctx.generation
        cache_key = (repo.full_name, query)
        if (issues := self.listings.get(cache_key)) is None:
            issues = self.listings[cache_key] = self.select_issues(
                request, repo, state=state, sort=sort, direction=direction, doc=doc
            )
        return self.paged(request, issues, lambda issue: self.issue_json(request, repo, issue))

    def select_issues(
        self, request: Request, repo: GithubRepo, *, state: str, sort: str, direction: str, doc: str
    ) -> list[GithubIssue]:
        """The repository's issues matching a listing's filters, in its order."""
        full_name = repo.full_name
        issues = [i for i in self.ctx.state.github_issues if i.repo == full_name]
        if state != "all":
            issues = [i for i in issues if i.state == state]
        wanted_labels = {w.strip().casefold() for w in request.params("labels")}
        if wanted_labels:
            issues = [i for i in issues if wanted_labels <= {n.casefold() for n in i.labels}]
        since = request.param("since")
        if since:
            try:
                moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
            except ValueError:
                raise validation_failed(
                    doc, {"resource": "Issue", "field": "since", "code": "invalid", "value": since}
                ) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            issues = [i for i in issues if i.updated_at >= moment]
        assignee = request.param("assignee")
        if assignee == "none":
            issues = [i for i in issues if not i.assignees]
        elif assignee == "*":
            issues = [i for i in issues if i.assignees]
        elif assignee:
            issues = [i for i in issues if assignee.casefold() in map(str.casefold, i.assignees)]
        creator = request.param("creator")
        if creator:
            issues = [i for i in issues if i.author.casefold() == creator.casefold()]
        milestone = request.param("milestone")
        if milestone == "none":
            issues = [i for i in issues if i.milestone is None]
        elif milestone == "*":
            issues = [i for i in issues if i.milestone is not None]
        elif milestone:
            issues = [i for i in issues if str(i.milestone) == milestone]
        sort_keys = {
            "created": lambda i: (i.created_at, i.number),
            "updated": lambda i: (i.updated_at, i.number),
            "comments": lambda i: (len(i.comments), i.number),
        }
        issues.sort(key=sort_keys[str(sort)], reverse=direction == "desc")
        return issues

    def paged(self, request: Request, items: Sequence[T], to_json: Callable[[T], Any]) -> Response:
        """One page of ``items`` with GitHub's ``Link`` header (first/prev/next/last).

        Only the page's items are turned into JSON, so listing a large repository page by page
        stays linear.
        """
        try:
            per_page = min(max(int(request.param("per_page") or 30), 1), 100)
            page = max(int(request.param("page") or 1), 1)
        except ValueError:
            per_page, page = 30, 1
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = [to_json(item) for item in items[(page - 1) * per_page : page * per_page]]

        def page_url(number: int) -> str:
            query = {key: values[-1] for key, values in request.query.items()}
            query["page"] = str(number)
            return f"{request.base_url}{request.path}?{urlencode(query)}"

        links: list[tuple[str, str]] = []
        if page > 1:
            links += [(page_url(min(page - 1, last)), "prev"), (page_url(1), "first")]
        if page < last:
            links = [(page_url(page + 1), "next"), (page_url(last), "last"), *links]
        headers = {"Link": link_header(links)} if links else {}
        return Response.json(HTTPStatus.OK, chunk, headers)

    def create_issue(self, request: Request, owner: str, name: str) -> Response:
        repo = self.find_repo(owner, name)
        doc = f"{DOCS}/issues/issues#create-an-issue"
        payload = request.json()
        if not isinstance(payload, dict):
            raise GithubError(HTTPStatus.BAD_REQUEST, "Problems parsing JSON", doc=doc)
        title = payload.get("title")
        if isinstance(title, int):
            title = str(title)
        if not isinstance(title, str) or not title.strip():
            raise validation_failed(
                doc, {"resource": "Issue", "code": "missing_field", "field": "title"}
            )
        assignees = list(payload.get("assignees") or [])
        if payload.get("assignee"):
            assignees.insert(0, payload["assignee"])
        assignee_logins = self.check_assignees(assignees, doc)
        milestone = self.milestone_number(repo, payload.get("milestone"), doc)
        labels = self.label_names(repo, payload.get("labels") or [], doc)
        now = self.ctx.now()
        issue = GithubIssue(
            id=self.ctx.state.next_id("github_issue"),
            number=repo.next_number,
            repo=repo.full_name,
            title=title,
            body=payload.get("body"),
            labels=labels,
            assignees=assignee_logins,
            milestone=milestone,
            author=self.ctx.credentials.github_login,
            created_at=now,
            updated_at=now,
        )
        repo.next_number += 1
        self.ctx.state.github_issues.append(issue)
        return Response.json(
            HTTPStatus.CREATED,
            self.issue_json(request, repo, issue),
            {"Location": f"{request.base_url}/repos/{repo.full_name}/issues/{issue.number}"},
        )

    def get_issue(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        return Response.json(HTTPStatus.OK, self.issue_json(request, repo, issue))

    def edit_issue(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        doc = f"{DOCS}/issues/issues#update-an-issue"
        payload = request.json()
        if not isinstance(payload, dict):
            raise GithubError(HTTPStatus.BAD_REQUEST, "Problems parsing JSON", doc=doc)
        work = issue.model_copy(deep=True)
        if "title" in payload:
            title = payload["title"]
            if not isinstance(title, str) or not title.strip():
                raise validation_failed(
                    doc, {"resource": "Issue", "code": "missing_field", "field": "title"}
                )
            work.title = title
        if "body" in payload:
            work.body = payload["body"]
        if "assignees" in payload or "assignee" in payload:
            wanted = payload.get("assignees")
            if wanted is None:
                single = payload.get("assignee")
                wanted = [single] if single else []
            work.assignees = self.check_assignees(wanted, doc)
        if "milestone" in payload:
            work.milestone = self.milestone_number(repo, payload["milestone"], doc)
        if "labels" in payload:
            work.labels = self.label_names(repo, payload["labels"] or [], doc)
        reason = payload.get("state_reason")
        if reason is not None and reason not in STATE_REASONS:
            raise validation_failed(
                doc,
                {"resource": "Issue", "field": "state_reason", "code": "invalid", "value": reason},
            )
        if "state" in payload:
            self.change_state(work, payload["state"], reason, doc)
        elif reason is not None and work.state == "closed":
            work.state_reason = reason
        if work != issue:
            work.updated_at = self.ctx.now()
            issues = self.ctx.state.github_issues
            issues[issues.index(issue)] = work
        return Response.json(HTTPStatus.OK, self.issue_json(request, repo, work))

    def change_state(self, issue: GithubIssue, state: Any, reason: str | None, doc: str) -> None:
        if state not in ("open", "closed"):
            raise validation_failed(
                doc, {"resource": "Issue", "field": "state", "code": "invalid", "value": state}
            )
        if state == "closed":
            if issue.state != "closed":
                issue.closed_at = self.ctx.now()
                issue.closed_by = self.ctx.credentials.github_login
            issue.state = "closed"
            issue.state_reason = reason or issue.state_reason or "completed"
            if issue.state_reason == "reopened":
                issue.state_reason = "completed"
        elif issue.state == "closed":
            issue.state = "open"
            issue.state_reason = "reopened"
            issue.closed_at = None
            issue.closed_by = None

    def list_comments(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        comments = issue.comments
        since = request.param("since")
        if since:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
            comments = [c for c in comments if c.updated_at >= moment]
        return self.paged(request, comments, lambda c: self.comment_json(request, repo, issue, c))

    def create_comment(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        payload = request.json()
        body = payload.get("body") if isinstance(payload, dict) else None
        if not isinstance(body, str) or not body:
            raise validation_failed(
                f"{DOCS}/issues/comments#create-an-issue-comment",
                {"resource": "IssueComment", "code": "missing_field", "field": "body"},
            )
        now = self.ctx.now()
        comment = GithubComment(
            id=self.ctx.state.next_id("github_comment"),
            author=self.ctx.credentials.github_login,
            body=body,
            created_at=now,
            updated_at=now,
        )
        issue.comments.append(comment)
        issue.updated_at = now
        return Response.json(HTTPStatus.CREATED, self.comment_json(request, repo, issue, comment))

    def labels_response(self, request: Request, repo: GithubRepo, issue: GithubIssue) -> Response:
        labels = [repo.label(n) for n in issue.labels]
        return Response.json(
            HTTPStatus.OK, [self.label_json(request, repo, lab) for lab in labels if lab]
        )

    def label_payload(self, request: Request) -> Any:
        payload = request.json()
        if isinstance(payload, dict):
            payload = payload.get("labels", [])
        if isinstance(payload, str):
            payload = [payload]
        return payload

    def issue_labels(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        return self.labels_response(request, repo, issue)

    def add_labels(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        doc = f"{DOCS}/issues/labels#add-labels-to-an-issue"
        names = self.label_names(repo, self.label_payload(request), doc)
        added = [n for n in names if n not in issue.labels]
        if added:
            issue.labels.extend(added)
            issue.updated_at = self.ctx.now()
        return self.labels_response(request, repo, issue)

    def set_labels(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        doc = f"{DOCS}/issues/labels#set-labels-for-an-issue"
        names = self.label_names(repo, self.label_payload(request), doc)
        if names != issue.labels:
            issue.labels = names
            issue.updated_at = self.ctx.now()
        return self.labels_response(request, repo, issue)

    def clear_labels(self, request: Request, owner: str, name: str, number: str) -> Response:
        _repo, issue = self.find_issue(request, owner, name, number)
        if issue.labels:
            issue.labels = []
            issue.updated_at = self.ctx.now()
        return Response.empty()

    def remove_label(
        self, request: Request, owner: str, name: str, number: str, label: str
    ) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        wanted = unquote(label).casefold()
        present = next((n for n in issue.labels if n.casefold() == wanted), None)
        if present is None:
            raise GithubError(
                HTTPStatus.NOT_FOUND,
                "Label does not exist",
                doc=f"{DOCS}/issues/labels#remove-a-label-from-an-issue",
            )
        issue.labels.remove(present)
        issue.updated_at = self.ctx.now()
        return self.labels_response(request, repo, issue)

    def add_assignees(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        payload = request.json()
        doc = f"{DOCS}/issues/assignees#add-assignees-to-an-issue"
        logins = self.check_assignees(
            payload.get("assignees", []) if isinstance(payload, dict) else payload, doc
        )
        added = [login for login in logins if login not in issue.assignees]
        if added:
            issue.assignees.extend(added)
            issue.updated_at = self.ctx.now()
        return Response.json(HTTPStatus.CREATED, self.issue_json(request, repo, issue))

    def remove_assignees(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo, issue = self.find_issue(request, owner, name, number)
        payload = request.json()
        logins = payload.get("assignees", []) if isinstance(payload, dict) else []
        drop = {str(login).casefold() for login in logins}
        kept = [login for login in issue.assignees if login.casefold() not in drop]
        if kept != issue.assignees:
            issue.assignees = kept
            issue.updated_at = self.ctx.now()
        return Response.json(HTTPStatus.OK, self.issue_json(request, repo, issue))

    def repo_labels(self, request: Request, owner: str, name: str) -> Response:
        repo = self.find_repo(owner, name)
        return self.paged(request, repo.labels, lambda lab: self.label_json(request, repo, lab))

    def get_label(self, request: Request, owner: str, name: str, label: str) -> Response:
        repo = self.find_repo(owner, name)
        found = repo.label(unquote(label))
        if found is None:
            raise GithubError(
                HTTPStatus.NOT_FOUND, "Not Found", doc=f"{DOCS}/issues/labels#get-a-label"
            )
        return Response.json(HTTPStatus.OK, self.label_json(request, repo, found))

    def create_label(self, request: Request, owner: str, name: str) -> Response:
        repo = self.find_repo(owner, name)
        doc = f"{DOCS}/issues/labels#create-a-label"
        payload = request.json()
        label_name = payload.get("name") if isinstance(payload, dict) else None
        if not isinstance(label_name, str) or not label_name.strip():
            raise validation_failed(
                doc, {"resource": "Label", "code": "missing_field", "field": "name"}
            )
        if repo.label(label_name) is not None:
            raise validation_failed(
                doc, {"resource": "Label", "code": "already_exists", "field": "name"}
            )
        color = str(payload.get("color") or "ededed").lstrip("#")
        label = GithubLabel(
            id=self.ctx.state.next_id("github_label"),
            name=label_name,
            color=color,
            description=payload.get("description"),
        )
        repo.labels.append(label)
        return Response.json(HTTPStatus.CREATED, self.label_json(request, repo, label))

    def list_milestones(self, request: Request, owner: str, name: str) -> Response:
        repo = self.find_repo(owner, name)
        state = request.param("state", "open")
        chosen = [m for m in repo.milestones if state in ("all", m.state)]
        return self.paged(request, chosen, lambda m: self.milestone_json(request, repo, m))

    def create_milestone(self, request: Request, owner: str, name: str) -> Response:
        repo = self.find_repo(owner, name)
        doc = f"{DOCS}/issues/milestones#create-a-milestone"
        payload = request.json()
        title = payload.get("title") if isinstance(payload, dict) else None
        if not isinstance(title, str) or not title.strip():
            raise validation_failed(
                doc, {"resource": "Milestone", "code": "missing_field", "field": "title"}
            )
        if any(m.title == title for m in repo.milestones):
            raise validation_failed(
                doc, {"resource": "Milestone", "code": "already_exists", "field": "title"}
            )
        state = payload.get("state", "open")
        due = payload.get("due_on")
        try:
            due_on = datetime.fromisoformat(str(due).replace("Z", "+00:00")) if due else None
        except ValueError:
            raise validation_failed(
                doc, {"resource": "Milestone", "code": "invalid", "field": "due_on"}
            ) from None
        if state not in ("open", "closed"):
            raise validation_failed(
                doc, {"resource": "Milestone", "code": "invalid", "field": "state"}
            )
        now = self.ctx.now()
        milestone = GithubMilestone(
            id=self.ctx.state.next_id("github_milestone"),
            number=max((m.number for m in repo.milestones), default=0) + 1,
            title=title,
            state=state,
            description=payload.get("description"),
            due_on=due_on,
            created_at=now,
            updated_at=now,
        )
        repo.milestones.append(milestone)
        return Response.json(HTTPStatus.CREATED, self.milestone_json(request, repo, milestone))

    def get_milestone(self, request: Request, owner: str, name: str, number: str) -> Response:
        repo = self.find_repo(owner, name)
        found = next((m for m in repo.milestones if m.number == int(number)), None)
        if found is None:
            raise GithubError(
                HTTPStatus.NOT_FOUND, "Not Found", doc=f"{DOCS}/issues/milestones#get-a-milestone"
            )
        return Response.json(HTTPStatus.OK, self.milestone_json(request, repo, found))


def etag_of(body: bytes) -> str:
    """A weak validator of an answer's bytes, shaped as GitHub's (``W/"<sha256 hex>"``)."""
    return 'W/"' + hashlib.sha256(body).hexdigest() + '"'


def conditional(request: Request, response: Response) -> Response:
    """GitHub's conditional requests: a successful GET answer carries an ``ETag``; a GET whose
    ``If-None-Match`` names it (weak comparison, as RFC 9110 has it for this header) is answered
    ``304 Not Modified`` without a body, which does not count against the rate limit (GitHub's
    "best practices for using the REST API: use conditional requests if appropriate")."""
    if request.method != "GET" or response.status != HTTPStatus.OK:
        return response
    etag = etag_of(response.body)
    response.headers["ETag"] = etag
    sent = request.headers.get("if-none-match")
    if sent is None:
        return response
    wanted = {tag.strip().removeprefix("W/") for tag in sent.split(",")}
    if "*" in wanted or etag.removeprefix("W/") in wanted:
        kept = {k: v for k, v in response.headers.items() if k in ("ETag", "Link")}
        return Response(HTTPStatus.NOT_MODIFIED, b"", kept)
    return response
