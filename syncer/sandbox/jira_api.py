"""The Jira stand-in: ``/rest/api/{2,3,latest}/...`` for the calls syncer makes through ``jira``.

Owns Jira's JSON shapes (issue, user, project, comment, transition, error collection), field
validation on create/edit with Jira's error messages, the To Do -> In Progress -> Done workflow,
and both search flavours: Server's ``/search`` (startAt/maxResults/total) and Cloud's
``/search/jql`` (nextPageToken/isLast). v3 speaks ADF for description and comment bodies, v2 and
``latest`` plain strings. The flavour (``cloud``/``server``) decides auth, user identities and
which search endpoint exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, date, datetime
from http import HTTPStatus
from typing import Any

from syncer.sandbox.adf import adf_to_text, is_adf, text_to_adf
from syncer.sandbox.context import ApiContext
from syncer.sandbox.jql import JqlError, parse_jql
from syncer.sandbox.server import BadJsonError, Request, Response, Router
from syncer.sandbox.store import (
    CUSTOM_FIELDS,
    ISSUE_TYPES,
    JIRA_STATUSES,
    PRIORITIES,
    RESOLUTIONS,
    STATUS_CATEGORIES,
    TRANSITIONS,
    JiraComment,
    JiraIssue,
    JiraProject,
    JiraUser,
)

PREFIX = r"/rest/api/(?P<version>2|3|latest)"
SERVER_VERSION = {"cloud": ("1001.0.0-SNAPSHOT", [1001, 0, 0]), "server": ("9.12.2", [9, 12, 2])}
NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."
ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
SEARCH_REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
SETTABLE = {
    "summary",
    "description",
    "issuetype",
    "project",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "components",
    "duedate",
    *CUSTOM_FIELDS,
}
EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


class JiraError(Exception):
    """Ends a request with Jira's error collection body."""

    def __init__(
        self,
        status: int,
        messages: list[str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, messages, errors)
        self.status = status
        self.messages = messages or []
        self.errors = errors or {}

    def response(self) -> Response:
        return error_response(self.status, self.messages, self.errors)


BULK_CREATE_LIMIT = 50
"""Issues one ``POST issue/bulk`` may create (createIssues: "Creates upto **50** issues")."""


def error_response(
    status: int, messages: list[str], errors: dict[str, str] | None = None
) -> Response:
    return Response.json(status, {"errorMessages": messages, "errors": errors or {}})


def jira_time(moment: datetime) -> str:
    """Jira's timestamp format: ``2026-11-27T10:00:00.000+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}+0000"
    )


class JiraApi:
    """Routes and handlers; every handler runs with the sandbox's state lock held."""

    def __init__(self, context: ApiContext) -> None:
        self.ctx = context
        self.router = Router()
        routes: list[tuple[str, str, Any]] = [
            ("GET", "/serverInfo", self.server_info),
            ("GET", "/myself", self.myself),
            ("GET", "/field", self.fields),
            ("GET", "/priority", self.priorities),
            ("GET", "/issuetype", self.issue_types),
            ("GET", "/project", self.projects),
            ("GET", r"/project/(?P<ident>[^/]+)", self.project),
            ("GET", r"/project/(?P<ident>[^/]+)/components", self.components),
            ("GET", "/user/search", self.user_search),
            ("GET", "/user", self.user),
            ("GET", "/user/bulk", self.user_bulk),
            ("GET", "/user/assignable/search", self.assignable_search),
            ("POST", "/issue", self.create_issue),
            ("POST", "/issue/bulk", self.create_issues),
            ("GET", r"/issue/(?P<ident>[^/]+)", self.get_issue),
            ("PUT", r"/issue/(?P<ident>[^/]+)", self.edit_issue),
            ("DELETE", r"/issue/(?P<ident>[^/]+)", self.delete_issue),
            ("PUT", r"/issue/(?P<ident>[^/]+)/assignee", self.assign),
            ("GET", r"/issue/(?P<ident>[^/]+)/transitions", self.transitions),
            ("POST", r"/issue/(?P<ident>[^/]+)/transitions", self.do_transition),
            ("GET", r"/issue/(?P<ident>[^/]+)/comment", self.comments),
            ("POST", r"/issue/(?P<ident>[^/]+)/comment", self.add_comment),
            ("GET", r"/issue/(?P<ident>[^/]+)/comment/(?P<comment_id>\d+)", self.comment),
            ("GET", r"/issue/(?P<ident>[^/]+)/properties", self.property_keys),
            ("GET", r"/issue/(?P<ident>[^/]+)/properties/(?P<prop>[^/]+)", self.get_property),
            ("PUT", r"/issue/(?P<ident>[^/]+)/properties/(?P<prop>[^/]+)", self.set_property),
            ("DELETE", r"/issue/(?P<ident>[^/]+)/properties/(?P<prop>[^/]+)", self.delete_property),
            ("GET", "/search", self.search),
            ("POST", "/search", self.search),
            ("GET", "/search/jql", self.search_jql),
            ("POST", "/search/jql", self.search_jql),
        ]
        for method, path, handler in routes:
            self.router.add(method, PREFIX + path, handler)

    @property
    def cloud(self) -> bool:
        return self.ctx.state.flavor == "cloud"

    # ------------------------------------------------------------------ entry point

    def handle(self, request: Request) -> Response:
        found = self.router.find(request.method, request.path)
        if not isinstance(found, tuple):
            if found:
                return Response.empty(HTTPStatus.METHOD_NOT_ALLOWED)
            return error_response(HTTPStatus.NOT_FOUND, ["null for uri: " + request.path])
        handler, params = found
        auth = self.authenticate(request)
        # serverInfo answers anonymous callers; wrong credentials are refused everywhere.
        if auth is True or (auth is False and not request.path.endswith("/serverInfo")):
            return self.unauthorized()
        try:
            response: Response = handler(request, **params)
        except JiraError as error:
            return error.response()
        except BadJsonError as error:
            return error_response(HTTPStatus.BAD_REQUEST, [f"Unexpected request body: {error}"])
        return response

    def authenticate(self, request: Request) -> bool | None:
        """``None`` when the credentials are right, ``False`` when absent, ``True`` when wrong."""
        header = request.headers.get("authorization")
        if header is None:
            return False
        scheme, _, value = header.partition(" ")
        creds = self.ctx.credentials
        if self.cloud and scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return True
            return None if decoded == f"{creds.jira_email}:{creds.jira_token}" else True
        if not self.cloud and scheme.lower() == "bearer":
            return None if value == creds.jira_token else True
        return True

    def unauthorized(self) -> Response:
        if self.cloud:
            response = Response.text(
                HTTPStatus.UNAUTHORIZED, "Client must be authenticated to access this resource."
            )
            response.headers["WWW-Authenticate"] = 'Basic realm="protected-by-api-token"'
            return response
        response = error_response(HTTPStatus.UNAUTHORIZED, [NOT_AUTHENTICATED])
        response.headers["X-Seraph-LoginReason"] = "AUTHENTICATED_FAILED"
        response.headers["WWW-Authenticate"] = 'OAuth realm="sandbox"'
        return response

    # ------------------------------------------------------------------ shapes

    def api_base(self, request: Request, version: str) -> str:
        return f"{request.base_url}/rest/api/{'2' if version == 'latest' else version}"

    def user_json(self, request: Request, user: JiraUser) -> dict[str, Any]:
        base = f"{request.base_url}/rest/api/2"
        avatar = f"{request.base_url}/secure/useravatar?avatarId=10122"
        avatars = {size: f"{avatar}&size={size}" for size in ("48x48", "24x24", "16x16", "32x32")}
        if self.cloud:
            return {
                "self": f"{base}/user?accountId={user.account_id}",
                "accountId": user.account_id,
                "accountType": "atlassian",
                "emailAddress": user.email,
                "avatarUrls": avatars,
                "displayName": user.display_name,
                "active": True,
                "timeZone": "Etc/UTC",
            }
        return {
            "self": f"{base}/user?username={user.name}",
            "key": user.key,
            "name": user.name,
            "emailAddress": user.email,
            "avatarUrls": avatars,
            "displayName": user.display_name,
            "active": True,
            "timeZone": "Etc/UTC",
        }

    def status_json(self, request: Request, name: str) -> dict[str, Any]:
        status_id, category = JIRA_STATUSES[name]
        category_id, category_name, color = STATUS_CATEGORIES[category]
        base = f"{request.base_url}/rest/api/2"
        return {
            "self": f"{base}/status/{status_id}",
            "description": "",
            "iconUrl": f"{request.base_url}/images/icons/status_generic.gif",
            "name": name,
            "id": status_id,
            "statusCategory": {
                "self": f"{base}/statuscategory/{category_id}",
                "id": category_id,
                "key": category,
                "colorName": color,
                "name": category_name,
            },
        }

    def priority_json(self, request: Request, name: str) -> dict[str, Any]:
        priority_id = next(k for k, v in PRIORITIES.items() if v == name)
        return {
            "self": f"{request.base_url}/rest/api/2/priority/{priority_id}",
            "iconUrl": f"{request.base_url}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": priority_id,
        }

    def issue_type_json(self, request: Request, name: str) -> dict[str, Any]:
        type_id = next(k for k, v in ISSUE_TYPES.items() if v == name)
        return {
            "self": f"{request.base_url}/rest/api/2/issuetype/{type_id}",
            "id": type_id,
            "description": f"A {name.lower()}.",
            "iconUrl": f"{request.base_url}/images/icons/issuetypes/{name.lower()}.svg",
            "name": name,
            "subtask": False,
            "avatarId": 10318,
            "hierarchyLevel": 0,
        }

    def component_json(self, request: Request, project: JiraProject, name: str) -> dict[str, Any]:
        component_id = str(project.id * 10 + project.components.index(name))
        return {
            "self": f"{request.base_url}/rest/api/2/component/{component_id}",
            "id": component_id,
            "name": name,
        }

    def project_json(self, request: Request, project: JiraProject, *, full: bool) -> dict[str, Any]:
        base = f"{request.base_url}/rest/api/2"
        avatar = f"{request.base_url}/secure/projectavatar?pid={project.id}"
        result: dict[str, Any] = {
            "self": f"{base}/project/{project.id}",
            "id": str(project.id),
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": {s: f"{avatar}&size={s}" for s in ("48x48", "24x24", "16x16", "32x32")},
        }
        if full:
            lead = self.ctx.state.jira_user(project.lead)
            result.update(
                {
                    "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
                    "description": "",
                    "lead": self.user_json(request, lead) if lead else None,
                    "components": [
                        self.component_json(request, project, c) for c in project.components
                    ],
                    "issueTypes": [self.issue_type_json(request, n) for n in ISSUE_TYPES.values()],
                    "assigneeType": "UNASSIGNED",
                    "versions": [],
                    "roles": {},
                    "isPrivate": False,
                    "style": "classic",
                    "properties": {},
                }
            )
        return result

    def rich_text(self, version: str, text: str | None, adf: dict[str, Any] | None) -> Any:
        if text is None:
            return None
        if version == "3":
            return adf if adf is not None else text_to_adf(text)
        return text

    def comment_json(
        self, request: Request, version: str, issue: JiraIssue, comment: JiraComment
    ) -> dict[str, Any]:
        author = self.ctx.state.jira_user(comment.author)
        author_json = self.user_json(request, author) if author else None
        result: dict[str, Any] = {
            "self": f"{self.api_base(request, version)}/issue/{issue.id}/comment/{comment.id}",
            "id": str(comment.id),
            "author": author_json,
            "body": self.rich_text(version, comment.body, comment.body_adf),
            "updateAuthor": author_json,
            "created": jira_time(comment.created),
            "updated": jira_time(comment.updated),
        }
        if self.cloud:
            result["jsdPublic"] = True
        return result

    def issue_fields(self, request: Request, version: str, issue: JiraIssue) -> dict[str, Any]:
        state = self.ctx.state
        project = state.jira_project(issue.project)
        assert project is not None  # an issue's project is never deleted
        assignee = state.jira_user(issue.assignee) if issue.assignee else None
        reporter = state.jira_user(issue.reporter)
        reporter_json = self.user_json(request, reporter) if reporter else None
        done = issue.status_category == "done"
        fields: dict[str, Any] = {
            "summary": issue.summary,
            "description": self.rich_text(version, issue.description, issue.description_adf),
            "issuetype": self.issue_type_json(request, issue.issue_type),
            "project": self.project_json(request, project, full=False),
            "status": self.status_json(request, issue.status),
            "statuscategorychangedate": jira_time(issue.status_changed),
            "priority": self.priority_json(request, issue.priority),
            "assignee": self.user_json(request, assignee) if assignee else None,
            "reporter": reporter_json,
            "creator": reporter_json,
            "labels": list(issue.labels),
            "components": [
                self.component_json(request, project, name)
                for name in issue.components
                if name in project.components
            ],
            "duedate": issue.duedate.isoformat() if issue.duedate else None,
            "created": jira_time(issue.created),
            "updated": jira_time(issue.updated),
            "resolution": self.resolution_json(request, issue.resolution or "Done")
            if done
            else None,
            "resolutiondate": jira_time(issue.resolution_date) if issue.resolution_date else None,
            "comment": {
                "comments": [self.comment_json(request, version, issue, c) for c in issue.comments],
                "self": f"{self.api_base(request, version)}/issue/{issue.id}/comment",
                "maxResults": len(issue.comments),
                "total": len(issue.comments),
                "startAt": 0,
            },
            "lastViewed": None,
        }
        for field_id in CUSTOM_FIELDS:
            fields[field_id] = issue.custom.get(field_id)
        return fields

    def resolution_json(self, request: Request, name: str) -> dict[str, Any]:
        resolution_id, description = RESOLUTIONS[name]
        return {
            "self": f"{request.base_url}/rest/api/2/resolution/{resolution_id}",
            "id": resolution_id,
            "description": description,
            "name": name,
        }

    def issue_json(
        self,
        request: Request,
        version: str,
        issue: JiraIssue,
        wanted: list[str] | None,
        properties: list[str] | None = None,
    ) -> dict[str, Any]:
        all_fields = self.issue_fields(request, version, issue)
        if wanted is not None:
            all_fields = select_fields(all_fields, wanted)
        found: dict[str, Any] = {
            "expand": EXPAND,
            "id": str(issue.id),
            "self": f"{self.api_base(request, version)}/issue/{issue.id}",
            "key": issue.key,
            "fields": all_fields,
        }
        if properties:
            # As Jira: ``properties=a,b`` (``*all`` for every one) adds the map of those set.
            every = "*all" in properties
            found["properties"] = {
                k: v for k, v in issue.properties.items() if every or k in properties
            }
        return found

    # ------------------------------------------------------------------ issue properties

    def property_keys(self, request: Request, version: str, ident: str) -> Response:
        issue = self.find_issue(ident)
        base = f"{self.api_base(request, version)}/issue/{issue.id}/properties"
        keys = [{"key": k, "self": f"{base}/{k}"} for k in sorted(issue.properties)]
        return Response.json(HTTPStatus.OK, {"keys": keys})

    def get_property(self, request: Request, version: str, ident: str, prop: str) -> Response:
        issue = self.find_issue(ident)
        if prop not in issue.properties:
            raise JiraError(
                HTTPStatus.NOT_FOUND, [f"The property with key '{prop}' does not exist."]
            )
        return Response.json(HTTPStatus.OK, {"key": prop, "value": issue.properties[prop]})

    def set_property(self, request: Request, version: str, ident: str, prop: str) -> Response:
        issue = self.find_issue(ident)
        value = self.property_value(request.body)
        if len(prop) > 255:
            raise JiraError(HTTPStatus.BAD_REQUEST, ["The property key is too long."])
        existed = prop in issue.properties
        work = issue.model_copy(deep=True)
        work.properties[prop] = value
        self.replace_issue(issue, work)
        return Response.empty(HTTPStatus.OK if existed else HTTPStatus.CREATED)

    def delete_property(self, request: Request, version: str, ident: str, prop: str) -> Response:
        issue = self.find_issue(ident)
        if prop not in issue.properties:
            raise JiraError(
                HTTPStatus.NOT_FOUND, [f"The property with key '{prop}' does not exist."]
            )
        work = issue.model_copy(deep=True)
        del work.properties[prop]
        self.replace_issue(issue, work)
        return Response.empty()

    @staticmethod
    def property_value(body: bytes) -> Any:
        if len(body) > 32768:
            raise JiraError(HTTPStatus.BAD_REQUEST, ["The property value is too long (32 KB)."])
        try:
            return json.loads(body or b"null")
        except ValueError:
            raise JiraError(HTTPStatus.BAD_REQUEST, ["The property value must be JSON."]) from None

    # ------------------------------------------------------------------ look-ups

    def find_issue(self, ident: str) -> JiraIssue:
        issue = self.ctx.state.jira_issue(ident)
        if issue is None:
            raise JiraError(HTTPStatus.NOT_FOUND, [ISSUE_NOT_FOUND])
        return issue

    def find_user(self, value: Any, field: str) -> str | None:
        """Resolve ``{"accountId": ...}`` (Cloud) or ``{"name": ...}`` (Server) to a user name."""
        if value is None:
            return None
        if not isinstance(value, dict):
            raise JiraError(HTTPStatus.BAD_REQUEST, errors={field: "data was not an object"})
        keys = ("accountId", "id") if self.cloud else ("name", "key")
        ident = next((value[k] for k in keys if k in value), None)
        if ident in (None, "-1") and any(k in value for k in keys):
            return None
        user = None
        if isinstance(ident, str):
            user = next(
                (
                    u
                    for u in self.ctx.state.jira_users
                    if (ident == u.account_id if self.cloud else ident in (u.name, u.key))
                ),
                None,
            )
        if user is None:
            if self.cloud:
                message = "Specified user does not exist or you do not have required permissions"
            else:
                message = f"User '{ident}' does not exist."
            raise JiraError(HTTPStatus.BAD_REQUEST, errors={field: message})
        return user.name

    # ------------------------------------------------------------------ field writes

    def apply_fields(
        self,
        issue: JiraIssue,
        fields: dict[str, Any],
        *,
        version: str,
        creating: bool,
    ) -> None:
        """Validate and apply a ``fields`` object, collecting errors the way Jira does."""
        errors: dict[str, str] = {}
        for name, value in fields.items():
            if name not in SETTABLE or (name == "project" and not creating):
                errors[name] = (
                    f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                    "or unknown."
                )
                continue
            if name == "project":
                continue
            try:
                self.apply_field(issue, name, value, version=version)
            except JiraError as error:
                errors.update(error.errors)
        if errors:
            raise JiraError(HTTPStatus.BAD_REQUEST, errors=errors)

    def apply_field(self, issue: JiraIssue, name: str, value: Any, *, version: str) -> None:
        def bad(message: str) -> JiraError:
            return JiraError(HTTPStatus.BAD_REQUEST, errors={name: message})

        if name == "summary":
            if not isinstance(value, str) or not value.strip():
                raise bad("You must specify a summary of the issue.")
            if "\n" in value or "\r" in value:
                raise bad("The summary is invalid because it contains newline characters.")
            if len(value) > 255:
                raise bad("Summary must be less than 255 characters.")
            issue.summary = value
        elif name == "description":
            if value is None or value == "":
                issue.description, issue.description_adf = None, None
            elif is_adf(value):
                issue.description, issue.description_adf = adf_to_text(value), value
            elif isinstance(value, str):
                issue.description, issue.description_adf = value, None
            else:
                raise bad("Operation value must be a string")
        elif name == "issuetype":
            type_name = named_value(value, ISSUE_TYPES)
            if type_name is None:
                raise bad("Specify a valid issue type")
            issue.issue_type = type_name
        elif name == "priority":
            priority = named_value(value, PRIORITIES)
            if priority is None:
                shown = value.get("name", value.get("id")) if isinstance(value, dict) else value
                raise bad(f"Priority name '{shown}' is not valid")
            issue.priority = priority
        elif name == "assignee":
            issue.assignee = self.find_user(value, name)
        elif name == "reporter":
            reporter = self.find_user(value, name)
            if reporter is None:
                raise bad("Reporter is required.")
            issue.reporter = reporter
        elif name == "labels":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise bad("Operation value must be an array of strings")
            for label in value:
                if " " in label:
                    raise bad(f"The label '{label}' contains spaces which is invalid.")
            issue.labels = list(dict.fromkeys(value))
        elif name == "components":
            issue.components = self.component_names(issue, value, name)
        elif name == "duedate":
            if value is None or value == "":
                issue.duedate = None
            else:
                try:
                    issue.duedate = date.fromisoformat(str(value))
                except ValueError:
                    raise bad(f"Error parsing date string: {value}") from None
        else:  # custom fields
            kind = CUSTOM_FIELDS[name][1]
            if (
                value is not None
                and kind == "number"
                and (isinstance(value, bool) or not isinstance(value, int | float))
            ):
                raise bad("Operation value must be a number")
            if value is not None and kind == "string" and not isinstance(value, str):
                raise bad("Operation value must be a string")
            issue.custom[name] = value

    def component_names(self, issue: JiraIssue, value: Any, field: str) -> list[str]:
        project = self.ctx.state.jira_project(issue.project)
        assert project is not None
        if not isinstance(value, list):
            raise JiraError(HTTPStatus.BAD_REQUEST, errors={field: "data was not an array"})
        names: list[str] = []
        for item in value:
            item_dict = item if isinstance(item, dict) else {}
            wanted = item_dict.get("name")
            by_id = {str(project.id * 10 + i): n for i, n in enumerate(project.components)}
            match = by_id.get(str(item_dict.get("id"))) or next(
                (n for n in project.components if wanted and n.casefold() == wanted.casefold()),
                None,
            )
            if match is None:
                shown = wanted or item_dict.get("id")
                raise JiraError(
                    HTTPStatus.BAD_REQUEST,
                    errors={field: f"Component name '{shown}' is not valid"},
                )
            names.append(match)
        return names

    def apply_update(self, issue: JiraIssue, update: dict[str, Any], *, version: str) -> None:
        """The ``update`` object: per field, a list of ``{"add"|"remove"|"set": value}``."""
        for name, operations in update.items():
            if not isinstance(operations, list):
                raise JiraError(HTTPStatus.BAD_REQUEST, errors={name: "data was not an array"})
            for operation in operations:
                if not isinstance(operation, dict) or len(operation) != 1:
                    raise JiraError(
                        HTTPStatus.BAD_REQUEST,
                        errors={name: "Field operation must be one of add, set, remove, edit"},
                    )
                ((verb, value),) = operation.items()
                self.apply_operation(issue, name, verb, value, version=version)

    def apply_operation(
        self, issue: JiraIssue, name: str, verb: str, value: Any, *, version: str
    ) -> None:
        if name == "comment" and verb == "add" and isinstance(value, dict):
            self.append_comment(issue, value.get("body"), version=version)
            return
        if name in ("labels", "components") and verb in ("add", "remove"):
            current: list[Any] = list(issue.labels if name == "labels" else issue.components)
            if name == "labels":
                items: list[Any] = [value]
            else:
                items = self.component_names(issue, [value], name)
            for item in items:
                if verb == "add" and item not in current:
                    current.append(item)
                elif verb == "remove" and item in current:
                    current.remove(item)
            self.apply_fields(
                issue,
                {name: current if name == "labels" else [{"name": n} for n in current]},
                version=version,
                creating=False,
            )
            return
        if verb == "set":
            self.apply_fields(issue, {name: value}, version=version, creating=False)
            return
        raise JiraError(
            HTTPStatus.BAD_REQUEST,
            errors={name: f"Field '{name}' does not support operation '{verb}'"},
        )

    def append_comment(self, issue: JiraIssue, body: Any, *, version: str) -> JiraComment:
        if is_adf(body):
            text, adf = adf_to_text(body), body
        elif isinstance(body, str) and body.strip():
            text, adf = body, None
        else:
            raise JiraError(
                HTTPStatus.BAD_REQUEST, errors={"comment": "Comment body can not be empty!"}
            )
        now = self.ctx.now()
        comment = JiraComment(
            id=self.ctx.state.next_id("jira_comment"),
            author=self.ctx.credentials.jira_user_name,
            body=text,
            body_adf=adf,
            created=now,
            updated=now,
        )
        issue.comments.append(comment)
        issue.updated = now
        return comment

    def resolution_name(self, value: Any) -> str | None:
        if not isinstance(value, dict):
            return None
        for name, (resolution_id, _) in RESOLUTIONS.items():
            if value.get("name") == name or str(value.get("id")) == resolution_id:
                return name
        raise JiraError(HTTPStatus.BAD_REQUEST, [], {"resolution": "Resolution is invalid."})

    def set_status(self, issue: JiraIssue, status: str) -> None:
        now = self.ctx.now()
        before = issue.status_category
        issue.status = status
        if issue.status_category != before:
            issue.status_changed = now
        issue.resolution_date = now if issue.status_category == "done" else None
        issue.resolution = None
        issue.updated = now

    # ------------------------------------------------------------------ metadata handlers

    def server_info(self, request: Request, version: str) -> Response:
        flavor = self.ctx.state.flavor
        text, numbers = SERVER_VERSION[flavor]
        now = self.ctx.now()
        return Response.json(
            HTTPStatus.OK,
            {
                "baseUrl": request.base_url,
                "displayUrl": request.base_url,
                "version": text,
                "versionNumbers": numbers,
                "deploymentType": "Cloud" if flavor == "cloud" else "Server",
                "buildNumber": 100274 if flavor == "cloud" else 9120002,
                "buildDate": "2026-11-01T00:00:00.000+0000",
                "serverTime": jira_time(now),
                "scmInfo": "0123456789abcdef0123456789abcdef01234567",
                "serverTitle": "Syncer Sandbox Jira",
                "serverTimeZone": "Etc/UTC",
            },
        )

    def myself(self, request: Request, version: str) -> Response:
        user = self.ctx.state.jira_user(self.ctx.credentials.jira_user_name)
        assert user is not None
        payload = self.user_json(request, user)
        payload["locale"] = "en_US"
        payload["groups"] = {"size": 1, "items": []}
        payload["applicationRoles"] = {"size": 1, "items": []}
        payload["expand"] = "groups,applicationRoles"
        return Response.json(HTTPStatus.OK, payload)

    def fields(self, request: Request, version: str) -> Response:
        system = [
            ("summary", "Summary", {"type": "string", "system": "summary"}),
            ("description", "Description", {"type": "string", "system": "description"}),
            ("issuetype", "Issue Type", {"type": "issuetype", "system": "issuetype"}),
            ("project", "Project", {"type": "project", "system": "project"}),
            ("status", "Status", {"type": "status", "system": "status"}),
            ("priority", "Priority", {"type": "priority", "system": "priority"}),
            ("assignee", "Assignee", {"type": "user", "system": "assignee"}),
            ("reporter", "Reporter", {"type": "user", "system": "reporter"}),
            ("labels", "Labels", {"type": "array", "items": "string", "system": "labels"}),
            (
                "components",
                "Component/s",
                {"type": "array", "items": "component", "system": "components"},
            ),
            ("duedate", "Due date", {"type": "date", "system": "duedate"}),
            ("created", "Created", {"type": "datetime", "system": "created"}),
            ("updated", "Updated", {"type": "datetime", "system": "updated"}),
            ("resolution", "Resolution", {"type": "resolution", "system": "resolution"}),
            ("comment", "Comment", {"type": "comments-page", "system": "comment"}),
        ]
        clause_names = {
            "issuetype": ["issuetype", "type"],
            "duedate": ["duedate", "due"],
            "components": ["component"],
        }
        result: list[dict[str, Any]] = [
            {
                "id": field_id,
                "key": field_id,
                "name": name,
                "custom": False,
                "orderable": field_id not in ("status", "created", "updated", "resolution"),
                "navigable": field_id != "comment",
                "searchable": True,
                "clauseNames": clause_names.get(field_id, [field_id]),
                "schema": schema,
            }
            for field_id, name, schema in system
        ]
        for field_id, (name, kind) in CUSTOM_FIELDS.items():
            number = int(field_id.rsplit("_", 1)[1])
            plugin = "float" if kind == "number" else "textfield"
            result.append(
                {
                    "id": field_id,
                    "key": field_id,
                    "name": name,
                    "custom": True,
                    "orderable": True,
                    "navigable": True,
                    "searchable": True,
                    "clauseNames": [f"cf[{number}]", name],
                    "schema": {
                        "type": kind,
                        "custom": f"com.atlassian.jira.plugin.system.customfieldtypes:{plugin}",
                        "customId": number,
                    },
                }
            )
        return Response.json(HTTPStatus.OK, result)

    def priorities(self, request: Request, version: str) -> Response:
        return Response.json(
            HTTPStatus.OK, [self.priority_json(request, name) for name in PRIORITIES.values()]
        )

    def issue_types(self, request: Request, version: str) -> Response:
        return Response.json(
            HTTPStatus.OK, [self.issue_type_json(request, name) for name in ISSUE_TYPES.values()]
        )

    def projects(self, request: Request, version: str) -> Response:
        return Response.json(
            HTTPStatus.OK,
            [self.project_json(request, p, full=False) for p in self.ctx.state.jira_projects],
        )

    def find_project(self, ident: str) -> JiraProject:
        project = self.ctx.state.jira_project(ident)
        if project is None:
            raise JiraError(
                HTTPStatus.NOT_FOUND, [f"No project could be found with key '{ident}'."]
            )
        return project

    def project(self, request: Request, version: str, ident: str) -> Response:
        project = self.find_project(ident)
        return Response.json(HTTPStatus.OK, self.project_json(request, project, full=True))

    def components(self, request: Request, version: str, ident: str) -> Response:
        project = self.find_project(ident)
        return Response.json(
            HTTPStatus.OK,
            [self.component_json(request, project, name) for name in project.components],
        )

    def user_search(self, request: Request, version: str) -> Response:
        term = request.param("query" if self.cloud else "username")
        if not term:
            message = (
                "The query parameter 'query' is required."
                if self.cloud
                else "The username query parameter was not provided"
            )
            raise JiraError(HTTPStatus.BAD_REQUEST, [message])
        term = term.casefold()
        found = [
            u
            for u in self.ctx.state.jira_users
            if term in (u.account_id.casefold(), u.key.casefold())
            or u.name.casefold().startswith(term)
            or u.email.casefold().startswith(term)
            or any(part.casefold().startswith(term) for part in u.display_name.split())
        ]
        start = int(request.param("startAt") or 0)
        count = int(request.param("maxResults") or 50)
        return Response.json(
            HTTPStatus.OK, [self.user_json(request, u) for u in found[start : start + count]]
        )

    def user_bulk(self, request: Request, version: str) -> Response:
        """Cloud's ``GET user/bulk?accountId=..`` (up to 200 per page); Server has no such URI."""
        if not self.cloud:
            return error_response(HTTPStatus.NOT_FOUND, ["null for uri: " + request.path])
        wanted = request.query.get("accountId", [])
        if not wanted:
            raise JiraError(HTTPStatus.BAD_REQUEST, ["accountId must be given"])
        start = int_arg(request.param("startAt"), "startAt", 0)
        count = min(int_arg(request.param("maxResults"), "maxResults", 10), 200)
        found = [u for a in wanted if (u := self.ctx.state.jira_user(a)) and u.account_id == a]
        page = found[start : start + count]
        return Response.json(
            HTTPStatus.OK,
            {
                "self": f"{self.api_base(request, version)}/user/bulk",
                "maxResults": count,
                "startAt": start,
                "total": len(found),
                "isLast": start + count >= len(found),
                "values": [self.user_json(request, u) for u in page],
            },
        )

    def assignable_search(self, request: Request, version: str) -> Response:
        """Users who can be assigned issues of a project: every sandbox user, matched as Jira
        matches (Server: ``username`` is a prefix of name, e-mail or display name; Cloud:
        ``accountId`` exactly, or ``query``)."""
        project = request.param("project")
        if not project and not request.param("issueKey"):
            raise JiraError(HTTPStatus.BAD_REQUEST, ["The project or issue key is required."])
        if project:
            self.find_project(project)
        account = request.param("accountId") if self.cloud else None
        term = (request.param("query") if self.cloud else request.param("username")) or ""
        term = term.casefold()
        found = [
            u
            for u in self.ctx.state.jira_users
            if (account is None or u.account_id == account)
            and (
                not term
                or u.name.casefold().startswith(term)
                or u.email.casefold().startswith(term)
                or any(part.casefold().startswith(term) for part in u.display_name.split())
            )
        ]
        start = int_arg(request.param("startAt"), "startAt", 0)
        count = int_arg(request.param("maxResults"), "maxResults", 50)
        return Response.json(
            HTTPStatus.OK, [self.user_json(request, u) for u in found[start : start + count]]
        )

    def user(self, request: Request, version: str) -> Response:
        ident = request.param("accountId") if self.cloud else request.param("username")
        user = self.ctx.state.jira_user(ident) if ident else None
        if user is None:
            raise JiraError(HTTPStatus.NOT_FOUND, [f"User '{ident}' does not exist."])
        return Response.json(HTTPStatus.OK, self.user_json(request, user))

    # ------------------------------------------------------------------ issue handlers

    def create_issue(self, request: Request, version: str) -> Response:
        issue = self.new_issue(request.json(), version=version)
        return Response.json(HTTPStatus.CREATED, self.created_json(request, version, issue))

    def created_json(self, request: Request, version: str, issue: JiraIssue) -> dict[str, str]:
        return {
            "id": str(issue.id),
            "key": issue.key,
            "self": f"{self.api_base(request, version)}/issue/{issue.id}",
        }

    def create_issues(self, request: Request, version: str) -> Response:
        """``POST issue/bulk`` (createIssues): up to 50 ``issueUpdates``, each made or refused
        on its own. 201 with ``issues`` (the made ones, in request order) and ``errors``
        (``failedElementNumber`` and the element's error collection) when any was made; 400
        with the same body when none was."""
        payload = request.json()
        updates = payload.get("issueUpdates") if isinstance(payload, dict) else None
        if not isinstance(updates, list):
            raise JiraError(HTTPStatus.BAD_REQUEST, ["Can not deserialize the issueUpdates."])
        if len(updates) > BULK_CREATE_LIMIT:
            raise JiraError(
                HTTPStatus.BAD_REQUEST,
                [f"The number of issues to create must not exceed {BULK_CREATE_LIMIT}."],
            )
        made: list[dict[str, str]] = []
        errors: list[dict[str, Any]] = []
        for number, update in enumerate(updates):
            try:
                issue = self.new_issue(update, version=version)
            except JiraError as error:
                errors.append(
                    {
                        "elementErrors": {
                            "errorMessages": error.messages,
                            "errors": error.errors,
                        },
                        "failedElementNumber": number,
                        "status": error.status,
                    }
                )
                continue
            made.append(self.created_json(request, version, issue))
        status = HTTPStatus.CREATED if made or not updates else HTTPStatus.BAD_REQUEST
        return Response.json(status, {"issues": made, "errors": errors})

    def new_issue(self, payload: Any, *, version: str) -> JiraIssue:
        """Make one issue from an ``IssueUpdateDetails``; ``JiraError`` when refused (then
        nothing is stored and no number is used)."""
        fields = payload.get("fields") if isinstance(payload, dict) else None
        if not isinstance(fields, dict):
            raise JiraError(HTTPStatus.BAD_REQUEST, ["Issue must have 'fields' or 'update'."])
        assert isinstance(payload, dict)
        state = self.ctx.state
        errors: dict[str, str] = {}
        project_ref = fields.get("project")
        project = None
        if not isinstance(project_ref, dict) or not (
            project_ref.get("id") or project_ref.get("key")
        ):
            errors["project"] = "Specify a valid project ID or key"
        else:
            project = state.jira_project(str(project_ref.get("id") or project_ref.get("key")))
            if project is None:
                errors["project"] = "valid project is required"
        if "issuetype" not in fields:
            errors["issuetype"] = "Specify an issue type"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if errors:
            raise JiraError(HTTPStatus.BAD_REQUEST, errors=errors)
        assert project is not None
        now = self.ctx.now()
        issue = JiraIssue(
            id=0,
            key=f"{project.key}-0",
            project=project.key,
            issue_type="Task",
            summary="",
            reporter=self.ctx.credentials.jira_user_name,
            created=now,
            updated=now,
            status_changed=now,
        )
        self.apply_fields(issue, fields, version=version, creating=True)
        self.apply_properties(issue, payload.get("properties"))
        update = payload.get("update")
        if isinstance(update, dict):
            self.apply_update(issue, update, version=version)
        # Numbers are only consumed by successful creates, as in Jira.
        issue.id = state.next_id("jira_issue")
        issue.key = f"{project.key}-{project.next_number}"
        project.next_number += 1
        issue.created = issue.updated = issue.status_changed = now
        state.jira_issues.append(issue)
        return issue

    def get_issue(self, request: Request, version: str, ident: str) -> Response:
        issue = self.find_issue(ident)
        wanted = request.params("fields") or None
        properties = request.params("properties") or None
        return Response.json(
            HTTPStatus.OK, self.issue_json(request, version, issue, wanted, properties)
        )

    def edit_issue(self, request: Request, version: str, ident: str) -> Response:
        issue = self.find_issue(ident)
        payload = request.json()
        if not isinstance(payload, dict):
            raise JiraError(HTTPStatus.BAD_REQUEST, ["Can not deserialize the request body."])
        work = issue.model_copy(deep=True)
        fields = payload.get("fields") or {}
        update = payload.get("update") or {}
        if not isinstance(fields, dict) or not isinstance(update, dict):
            raise JiraError(HTTPStatus.BAD_REQUEST, ["Can not deserialize the request body."])
        self.apply_fields(work, fields, version=version, creating=False)
        self.apply_update(work, update, version=version)
        changed = work != issue
        # IssueUpdateDetails.properties: set in the same request, atomically with the fields.
        self.apply_properties(work, payload.get("properties"))
        if work != issue:
            if changed:
                work.updated = self.ctx.now()
            self.replace_issue(issue, work)
        return Response.empty()

    @staticmethod
    def apply_properties(issue: JiraIssue, entries: object) -> None:
        """``properties`` of a create, edit or transition (``EntityProperty``: key, value)."""
        if entries is None:
            return
        if not isinstance(entries, list):
            raise JiraError(HTTPStatus.BAD_REQUEST, ["Can not deserialize the properties."])
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
                raise JiraError(HTTPStatus.BAD_REQUEST, ["Can not deserialize the properties."])
            issue.properties[entry["key"]] = entry.get("value")

    def replace_issue(self, old: JiraIssue, new: JiraIssue) -> None:
        issues = self.ctx.state.jira_issues
        issues[issues.index(old)] = new

    def delete_issue(self, request: Request, version: str, ident: str) -> Response:
        issue = self.find_issue(ident)
        self.ctx.state.jira_issues.remove(issue)
        self.ctx.state.jira_deleted_keys.append(issue.key)
        return Response.empty()

    def assign(self, request: Request, version: str, ident: str) -> Response:
        issue = self.find_issue(ident)
        payload = request.json()
        assignee = self.find_user(payload, "assignee")
        if assignee != issue.assignee:
            issue.assignee = assignee
            issue.updated = self.ctx.now()
        return Response.empty()

    def transition_json(self, request: Request, transition_id: str) -> dict[str, Any]:
        target = TRANSITIONS[transition_id]
        return {
            "id": transition_id,
            "name": target,
            "to": self.status_json(request, target),
            "hasScreen": False,
            "isGlobal": True,
            "isInitial": False,
            "isAvailable": True,
            "isConditional": False,
            "isLooped": False,
        }

    def transitions(self, request: Request, version: str, ident: str) -> Response:
        issue = self.find_issue(ident)
        only = request.param("transitionId")
        available = [
            tid
            for tid, target in TRANSITIONS.items()
            if target != issue.status and (only is None or only == tid)
        ]
        return Response.json(
            HTTPStatus.OK,
            {
                "expand": "transitions",
                "transitions": [self.transition_json(request, tid) for tid in available],
            },
        )

    def do_transition(self, request: Request, version: str, ident: str) -> Response:
        issue = self.find_issue(ident)
        payload = request.json()
        transition = payload.get("transition") if isinstance(payload, dict) else None
        transition_id = transition.get("id") if isinstance(transition, dict) else None
        if transition_id is None:
            raise JiraError(HTTPStatus.BAD_REQUEST, ["Missing 'transition' identifier"])
        target = TRANSITIONS.get(str(transition_id))
        if target is None or target == issue.status:
            raise JiraError(
                HTTPStatus.BAD_REQUEST,
                [f"Transition id '{transition_id}' is not valid for this issue."],
            )
        work = issue.model_copy(deep=True)
        fields = dict(payload.get("fields") or {})
        # The Done screen takes a resolution ({"name": "Won't Do"} or {"id": "10001"}).
        resolution = self.resolution_name(fields.pop("resolution", None))
        self.apply_fields(work, fields, version=version, creating=False)
        self.apply_update(work, payload.get("update") or {}, version=version)
        self.apply_properties(work, payload.get("properties"))
        self.set_status(work, target)
        if work.status_category == "done" and resolution is not None:
            work.resolution = resolution
        self.replace_issue(issue, work)
        return Response.empty()

    def comments(self, request: Request, version: str, ident: str) -> Response:
        issue = self.find_issue(ident)
        start = int(request.param("startAt") or 0)
        count = int(request.param("maxResults") or 5000)
        page = issue.comments[start : start + count]
        return Response.json(
            HTTPStatus.OK,
            {
                "startAt": start,
                "maxResults": count,
                "total": len(issue.comments),
                "comments": [self.comment_json(request, version, issue, c) for c in page],
            },
        )

    def comment(self, request: Request, version: str, ident: str, comment_id: str) -> Response:
        issue = self.find_issue(ident)
        found = next((c for c in issue.comments if str(c.id) == comment_id), None)
        if found is None:
            raise JiraError(
                HTTPStatus.NOT_FOUND, [f"Can not find a comment for key: {comment_id}."]
            )
        return Response.json(HTTPStatus.OK, self.comment_json(request, version, issue, found))

    def add_comment(self, request: Request, version: str, ident: str) -> Response:
        issue = self.find_issue(ident)
        payload = request.json()
        body = payload.get("body") if isinstance(payload, dict) else None
        comment = self.append_comment(issue, body, version=version)
        return Response.json(
            HTTPStatus.CREATED, self.comment_json(request, version, issue, comment)
        )

    # ------------------------------------------------------------------ search

    def search_arguments(self, request: Request) -> dict[str, Any]:
        if request.method == "POST":
            payload = request.json()
            if not isinstance(payload, dict):
                raise JiraError(HTTPStatus.BAD_REQUEST, ["Can not deserialize the request body."])
            fields = payload.get("fields")
            if isinstance(fields, str):
                fields = fields.split(",")
            properties = payload.get("properties")
            if isinstance(properties, str):
                properties = properties.split(",")
            return {**payload, "fields": fields, "properties": properties}
        return {
            "jql": request.param("jql", ""),
            "startAt": request.param("startAt"),
            "maxResults": request.param("maxResults"),
            "nextPageToken": request.param("nextPageToken"),
            "fields": request.params("fields") or None,
            "properties": request.params("properties") or None,
        }

    def run_query(self, jql: str, *, bounded_only: bool = False) -> list[JiraIssue]:
        """Parse and run a query; Cloud's /search/jql also refuses queries without a WHERE."""
        state = self.ctx.state
        try:
            query = parse_jql(
                jql, state, now=self.ctx.now(), current_user=self.ctx.credentials.jira_user_name
            )
        except JqlError as error:
            raise JiraError(HTTPStatus.BAD_REQUEST, [str(error)]) from None
        if bounded_only and not query.bounded:
            raise JiraError(HTTPStatus.BAD_REQUEST, [UNBOUNDED])
        return query.sort(issue for issue in state.jira_issues if query.matches(issue))

    def search(self, request: Request, version: str) -> Response:
        if self.cloud:
            raise JiraError(HTTPStatus.GONE, [SEARCH_REMOVED])
        args = self.search_arguments(request)
        start = int_arg(args.get("startAt"), "startAt", 0)
        count = min(int_arg(args.get("maxResults"), "maxResults", 50), 1000)
        issues = self.run_query(str(args.get("jql") or ""))
        wanted = args.get("fields") or ["*navigable"]
        return Response.json(
            HTTPStatus.OK,
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": count,
                "total": len(issues),
                "issues": [
                    self.issue_json(request, version, issue, wanted, args.get("properties"))
                    for issue in issues[start : start + count]
                ],
            },
        )

    def search_jql(self, request: Request, version: str) -> Response:
        if not self.cloud:
            return error_response(HTTPStatus.NOT_FOUND, ["null for uri: " + request.path])
        args = self.search_arguments(request)
        jql = str(args.get("jql") or "")
        wanted: list[str] = args.get("fields") or ["id"]
        limit = 5000 if wanted and all(f not in ("*all", "*navigable") for f in wanted) else 100
        count = min(int_arg(args.get("maxResults"), "maxResults", 50), limit)
        offset = decode_page_token(args.get("nextPageToken"), jql)
        issues = self.run_query(jql, bounded_only=True)
        page = issues[offset : offset + count]
        is_last = offset + count >= len(issues)
        result: dict[str, Any] = {
            "issues": [
                {"id": str(issue.id)}
                if wanted == ["id"]
                else self.issue_json(request, version, issue, wanted, args.get("properties"))
                for issue in page
            ],
            "isLast": is_last,
        }
        if not is_last:
            result["nextPageToken"] = encode_page_token(jql, offset + count)
        return Response.json(HTTPStatus.OK, result)


def int_arg(value: Any, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise JiraError(
            HTTPStatus.BAD_REQUEST, [f"The value '{value}' is invalid for the '{name}' parameter."]
        ) from None
    if number < 0:
        raise JiraError(
            HTTPStatus.BAD_REQUEST, [f"The value '{value}' is invalid for the '{name}' parameter."]
        )
    return number


def encode_page_token(jql: str, offset: int) -> str:
    digest = hashlib.sha256(jql.encode()).hexdigest()[:12]
    raw = json.dumps({"q": digest, "o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: Any, jql: str) -> int:
    if not token:
        return 0
    try:
        padded = str(token) + "=" * (-len(str(token)) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        digest = hashlib.sha256(jql.encode()).hexdigest()[:12]
        if data["q"] != digest:
            raise ValueError("token for another query")
        return int(data["o"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise JiraError(HTTPStatus.BAD_REQUEST, ["Invalid nextPageToken."]) from None


def named_value(value: Any, table: dict[str, str]) -> str | None:
    """Resolve ``{"id": ...}`` or ``{"name": ...}`` against an id -> name table."""
    if not isinstance(value, dict):
        return None
    if "id" in value:
        return table.get(str(value["id"]))
    name = value.get("name")
    return next((n for n in table.values() if isinstance(name, str) and n == name), None)


def select_fields(fields: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    """Apply a ``fields`` parameter: ``*all``, ``*navigable``, names, ``-name`` exclusions."""
    include: set[str] = set()
    exclude = {w[1:] for w in wanted if w.startswith("-")}
    for item in wanted:
        if item == "*all":
            include |= set(fields)
        elif item == "*navigable":
            include |= set(fields) - {"comment"}
        elif not item.startswith("-"):
            include.add(item)
    return {name: value for name, value in fields.items() if name in include - exclude}
