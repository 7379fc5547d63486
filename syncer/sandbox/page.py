"""The sandbox's HTML: the overview at ``/`` and one page per issue.

The overview lists every Jira project's and GitHub repository's issues in tables. Issue pages
live where the clients' links point: Jira's ``/browse/OPS-1`` (``Issue.permalink()``) and
GitHub's ``html_url`` (``/acme/platform/issues/1``). Pure rendering from the state; every value
goes through ``html.escape``.
"""

from __future__ import annotations

import re
from html import escape

from syncer.sandbox.store import State

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #172b4d; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
.when { white-space: nowrap; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #dfe1e6; }
th { background: #f4f5f7; } .muted { color: #6b778c; }
.label { background: #e9f2ff; border-radius: 3px; padding: 0 .3rem; margin-right: .2rem; }
"""


def _labels(names: list[str]) -> str:
    return "".join(f'<span class="label">{escape(name)}</span>' for name in names)


def render_page(state: State, *, base_url: str) -> str:
    """The whole page as a string."""
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>syncer sandbox</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>syncer sandbox</h1>",
        f'<p class="muted">Jira ({escape(state.flavor)}) under '
        f"<code>{escape(base_url)}/rest/api/2</code> and <code>/rest/api/3</code>; "
        f"GitHub under <code>{escape(base_url)}/</code>.</p>",
    ]
    for project in state.jira_projects:
        issues = [i for i in state.jira_issues if i.project == project.key]
        issues.sort(key=lambda issue: issue.number)
        parts.append(f"<h2>Jira {escape(project.key)}: {escape(project.name)}</h2>")
        if not issues:
            parts.append('<p class="muted">No issues.</p>')
            continue
        parts.append(
            "<table><tr><th>Key</th><th>Summary</th><th>Status</th><th>Assignee</th>"
            "<th>Labels</th><th>Due</th><th>Updated</th></tr>"
        )
        for issue in issues:
            link = f"{base_url}/browse/{issue.key}"
            parts.append(
                f'<tr><td class=when><a href="{escape(link)}">{escape(issue.key)}</a></td>'
                f"<td>{escape(issue.summary)}</td><td>{escape(issue.status)}</td>"
                f"<td>{escape(issue.assignee or '-')}</td><td>{_labels(issue.labels)}</td>"
                f"<td class=when>{escape(issue.duedate.isoformat() if issue.duedate else '-')}</td>"
                f"<td class=when>{escape(issue.updated.strftime('%Y-%m-%d %H:%M:%S'))}</td></tr>"
            )
        parts.append("</table>")
    for repo in state.github_repos:
        gh_issues = [i for i in state.github_issues if i.repo == repo.full_name]
        gh_issues.sort(key=lambda issue: issue.number)
        parts.append(f"<h2>GitHub {escape(repo.full_name)}</h2>")
        if not gh_issues:
            parts.append('<p class="muted">No issues.</p>')
            continue
        parts.append(
            "<table><tr><th>#</th><th>Title</th><th>State</th><th>Assignees</th>"
            "<th>Labels</th><th>Milestone</th><th>Updated</th></tr>"
        )
        for gh in gh_issues:
            link = f"{base_url}/{repo.full_name}/issues/{gh.number}"
            state_text = gh.state + (f" ({gh.state_reason})" if gh.state_reason else "")
            parts.append(
                f'<tr><td><a href="{escape(link)}">#{gh.number}</a></td>'
                f"<td>{escape(gh.title)}</td><td>{escape(state_text)}</td>"
                f"<td>{escape(', '.join(gh.assignees) or '-')}</td><td>{_labels(gh.labels)}</td>"
                f"<td>{escape(str(gh.milestone) if gh.milestone else '-')}</td>"
                f"<td class=when>{escape(gh.updated_at.strftime('%Y-%m-%d %H:%M:%S'))}</td></tr>"
            )
        parts.append("</table>")
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
