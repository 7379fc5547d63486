"""The sandbox's HTML: the overview at ``/`` and one page per issue.

The overview lists every Jira project's and GitHub repository's issues in tables. Issue pages
live where the clients' links point: Jira's ``/browse/OPS-1`` (``Issue.permalink()``) and
GitHub's ``html_url`` (``/acme/platform/issues/1``). Pure rendering from the state; every value
goes through ``html.escape``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlencode

from syncer.sandbox.store import State

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #172b4d; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
.when { white-space: nowrap; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #dfe1e6; }
th { background: #f4f5f7; } .muted { color: #6b778c; }
.label { background: #e9f2ff; border-radius: 3px; padding: 0 .3rem; margin-right: .2rem;
  display: inline-block; white-space: nowrap; }
.label.marker { background: #f4f5f7; color: #6b778c; }
td.labels { max-width: 12rem; }
tr.overdue td { background: #ffebe6; } .overdue-tag { color: #ae2a19; font-weight: 600; }
form { margin: 1rem 0; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
input[type=search] { min-width: 18rem; padding: .25rem .4rem; }
.pages a, .pages span { margin-right: .6rem; }
"""

PAGE_SIZE = 50
"""Rows per table per page: 600 issues on one page made a 220 KB page."""

_SOURCE = re.compile(
    r"Post-mortem:\W*(?:\[(?P<md_name>[^\]|]+)\]\((?P<md_url>[^)\s]+)\)"
    r"|\[(?P<wiki_name>[^\]|]+)\|(?P<wiki_url>[^\]\s]+)\]"
    r"|`(?P<code>[^`]+)`|\{\{(?P<mono>[^}]+)\}\})"
)
_PRIORITY_LABEL = re.compile(r"^(?:priority[:/ -]?)?(P[0-4]|high|medium|low|critical)$", re.I)


def _labels(names: list[str]) -> str:
    return "".join(f'<span class="label">{escape(name)}</span>' for name in names)


_MARKER = re.compile(r"^[a-z][a-z0-9-]{0,31}:.+$")
"""syncer's per-item marker label (``<instance>:<item key>``): long, and for syncer, not people."""


def _overview_labels(names: list[str]) -> str:
    """Labels in the overview's narrow column: a marker label becomes a short badge whose full
    text is its tooltip (the issue's own page lists every label in full)."""
    shown = []
    for name in names:
        if _MARKER.match(name):
            shown.append(f'<span class="label marker" title="{escape(name)}">marker</span>')
        else:
            shown.append(f'<span class="label">{escape(name)}</span>')
    return "".join(shown)


def _when(moment: datetime) -> str:
    """A time with its zone, so nobody guesses whether it is local."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def source_link(body: str | None) -> str:
    """The post-mortem a ticket body names, as a link when the body gives its URL."""
    match = _SOURCE.search(body or "")
    if match is None:
        return "-"
    name = match["md_name"] or match["wiki_name"] or match["code"] or match["mono"]
    url = match["md_url"] or match["wiki_url"]
    if url and url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{escape(name)}</a>'
    return f"<code>{escape(name)}</code>"


def _github_priority(labels: list[str]) -> str:
    for label in labels:
        match = _PRIORITY_LABEL.match(label)
        if match:
            return match[1]
    return "-"


class Query:
    """What the overview shows: a text filter, open/overdue/all, and the page."""

    def __init__(self, params: Mapping[str, Sequence[str]] | None = None) -> None:
        params = params or {}
        self.text = (params.get("q") or [""])[0].strip()
        show = (params.get("show") or ["all"])[0]
        self.show = show if show in ("all", "open", "overdue") else "all"
        try:
            self.page = max(1, int((params.get("page") or ["1"])[0]))
        except ValueError:
            self.page = 1

    def keeps(self, *, words: Sequence[str], done: bool, overdue: bool) -> bool:
        if self.show == "open" and done:
            return False
        if self.show == "overdue" and not overdue:
            return False
        needle = self.text.casefold()
        return not needle or any(needle in (w or "").casefold() for w in words)

    def link(self, page: int) -> str:
        params = {"q": self.text, "show": self.show, "page": str(page)}
        return "?" + urlencode({k: v for k, v in params.items() if v and v != "all"})


def _form(query: Query) -> str:
    options = "".join(
        f'<option value="{v}"{" selected" if query.show == v else ""}>{label}</option>'
        for v, label in (("all", "all issues"), ("open", "open"), ("overdue", "overdue"))
    )
    return (
        '<form method="get" action="/" role="search">'
        f'<input type="search" name="q" value="{escape(query.text)}" '
        'placeholder="key, title, assignee, label, post-mortem" aria-label="filter">'
        f'<select name="show" aria-label="which issues">{options}</select>'
        '<button type="submit">Filter</button>'
        + ('<a href="/">clear</a>' if query.text or query.show != "all" else "")
        + "</form>"
    )


def _paged(rows: list[str], query: Query, *, total: int) -> list[str]:
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(query.page, pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    parts = [*shown, "</table>"]
    summary = f"{len(rows)} of {total} issues"
    if pages > 1:
        links = [
            f"<span>page {n}</span>" if n == page else f'<a href="{escape(query.link(n))}">{n}</a>'
            for n in range(1, pages + 1)
        ]
        summary += f", page {page} of {pages}"
        parts.append(f'<p class="pages muted">{"".join(links)}</p>')
    return [f'<p class="muted">{summary}</p>', *parts]


def render_page(
    state: State,
    *,
    base_url: str,
    query: Mapping[str, Sequence[str]] | None = None,
    now: datetime | None = None,
) -> str:
    """The whole overview page as a string: ``query`` is the URL's (``q``, ``show``, ``page``).

    An open issue whose due date is before ``now``'s date (UTC) is highlighted as overdue.
    """
    wanted = Query(query)
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>syncer sandbox</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>syncer sandbox</h1>",
        f'<p class="muted">Jira ({escape(state.flavor)}) under '
        f"<code>{escape(base_url)}/rest/api/2</code> and <code>/rest/api/3</code>; "
        f"GitHub under <code>{escape(base_url)}/</code>. Times are UTC; overdue: open and "
        f"due before {today.isoformat()}.</p>",
        _form(wanted),
    ]
    for project in state.jira_projects:
        issues = [i for i in state.jira_issues if i.project == project.key]
        issues.sort(key=lambda issue: issue.number)
        parts.append(f"<h2>Jira {escape(project.key)}: {escape(project.name)}</h2>")
        if not issues:
            parts.append('<p class="muted">No issues.</p>')
            continue
        jira_head = (
            "<table><tr><th>Key</th><th>Summary</th><th>Status</th><th>Priority</th>"
            "<th>Assignee</th><th>Labels</th><th>Due</th><th>Post-mortem</th><th>Updated</th></tr>"
        )
        body_rows = []
        for issue in issues:
            done = issue.status == "Done"
            overdue = not done and issue.duedate is not None and issue.duedate < today
            source = source_link(issue.description)
            words = [issue.key, issue.summary, issue.status, issue.assignee or "", source]
            if not wanted.keeps(words=[*words, *issue.labels], done=done, overdue=overdue):
                continue
            link = f"{base_url}/browse/{issue.key}"
            due = escape(issue.duedate.isoformat() if issue.duedate else "-")
            if overdue:
                due += ' <span class="overdue-tag">overdue</span>'
            body_rows.append(
                f"<tr{' class=overdue' if overdue else ''}>"
                f'<td class=when><a href="{escape(link)}">{escape(issue.key)}</a></td>'
                f"<td>{escape(issue.summary)}</td><td>{escape(issue.status)}</td>"
                f"<td>{escape(issue.priority)}</td>"
                f"<td>{escape(issue.assignee or '-')}</td>"
                f"<td class=labels>{_overview_labels(issue.labels)}</td>"
                f"<td class=when>{due}</td><td>{source}</td>"
                f"<td class=when>{escape(_when(issue.updated))}</td></tr>"
            )
        jira_paged = _paged(body_rows, wanted, total=len(issues))
        parts += [jira_paged[0], jira_head, *jira_paged[1:]]
    for repo in state.github_repos:
        gh_issues = [i for i in state.github_issues if i.repo == repo.full_name]
        gh_issues.sort(key=lambda issue: issue.number)
        parts.append(f"<h2>GitHub {escape(repo.full_name)}</h2>")
        if not gh_issues:
            parts.append('<p class="muted">No issues.</p>')
            continue
        head = (
            "<table><tr><th>#</th><th>Title</th><th>State</th><th>Priority</th>"
            "<th>Assignees</th><th>Labels</th><th>Milestone</th><th>Post-mortem</th>"
            "<th>Updated</th></tr>"
        )
        gh_rows = []
        for gh in gh_issues:
            done = gh.state == "closed"
            source = source_link(gh.body)
            words = [f"#{gh.number}", gh.title, gh.state, *gh.assignees, *gh.labels, source]
            if not wanted.keeps(words=words, done=done, overdue=False):
                continue
            link = f"{base_url}/{repo.full_name}/issues/{gh.number}"
            state_text = gh.state + (f" ({gh.state_reason})" if gh.state_reason else "")
            gh_rows.append(
                f'<tr><td><a href="{escape(link)}">#{gh.number}</a></td>'
                f"<td>{escape(gh.title)}</td><td>{escape(state_text)}</td>"
                f"<td>{escape(_github_priority(gh.labels))}</td>"
                f"<td>{escape(', '.join(gh.assignees) or '-')}</td>"
                f"<td class=labels>{_overview_labels(gh.labels)}</td>"
                f"<td>{escape(str(gh.milestone) if gh.milestone else '-')}</td><td>{source}</td>"
                f"<td class=when>{escape(_when(gh.updated_at))}</td></tr>"
            )
        paged = _paged(gh_rows, wanted, total=len(gh_issues))
        parts += [paged[0], head, *paged[1:]]
    parts.append("</body></html>")
    return "\n".join(parts)


JIRA_BROWSE = re.compile(r"/browse/(?P<key>[A-Za-z][A-Za-z0-9_]*-\d+)")
GITHUB_HTML = re.compile(r"/(?P<owner>[^/]+)/(?P<name>[^/]+)/issues/(?P<number>\d+)")


def _document(title: str, rows: list[tuple[str, str]], body: str | None) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    text = escape(body) if body else '<span class="muted">(empty)</span>'
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<p><a href="/">&larr; all issues</a></p><h1>{escape(title)}</h1>'
        f"<table>{cells}</table><h2>Description</h2>"
        f'<pre style="white-space: pre-wrap">{text}</pre></body></html>'
    )


def render_issue_page(state: State, path: str) -> str | None:
    """The page for a ``/browse/KEY`` or ``/owner/repo/issues/N`` path, or ``None``."""
    match = JIRA_BROWSE.fullmatch(path)
    if match:
        issue = state.jira_issue(match["key"])
        if issue is None:
            return None
        comments = "".join(f"<p>{escape(c.body)}</p>" for c in issue.comments) or "-"
        return _document(
            f"{issue.key}: {issue.summary}",
            [
                ("Status", escape(issue.status)),
                ("Priority", escape(issue.priority)),
                ("Assignee", escape(issue.assignee or "-")),
                ("Labels", _labels(issue.labels)),
                ("Due", escape(issue.duedate.isoformat() if issue.duedate else "-")),
                ("Updated", escape(issue.updated.isoformat())),
                ("Comments", comments),
            ],
            issue.description,
        )
    match = GITHUB_HTML.fullmatch(path)
    if match:
        repo = state.github_repo(match["owner"], match["name"])
        gh = state.github_issue(repo.full_name, int(match["number"])) if repo else None
        if repo is None or gh is None:
            return None
        comments = "".join(f"<p>{escape(c.body)}</p>" for c in gh.comments) or "-"
        return _document(
            f"{repo.full_name}#{gh.number}: {gh.title}",
            [
                ("State", escape(gh.state + (f" ({gh.state_reason})" if gh.state_reason else ""))),
                ("Assignees", escape(", ".join(gh.assignees) or "-")),
                ("Labels", _labels(gh.labels)),
                ("Updated", escape(gh.updated_at.isoformat())),
                ("Comments", comments),
            ],
            gh.body,
        )
    return None
