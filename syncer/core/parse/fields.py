"""Reading one action item's fields out of its text: title, owner, due date, priority, tickets,
done state and explicit id.

Everything here works on one item's plain text (already rendered from Markdown by
``markdown.render_inline``), never on the raw document, so the regular expressions below
cannot mistake structure elsewhere in a file for a field.

Dates: ISO ``2026-12-01``; ``Dec 1, 2026``, ``1 December 2026``; and slashed or dashed
numeric dates ``12/01/2026`` / ``12-01-2026``, which are read the US way, month first. When
the first number is above 12 the date can only be day first and is read that way.
A date counts as a due date after ``due``, ``by``, ``deadline``, ``ETA`` or ``target``, or
when it stands alone in brackets or at the very end of the item; a date in the middle of a
sentence (``freeze production until 2015-11-20 due to ...``) is left in the title.
Dotted dates ``01.12.2026`` are day first. A date after ``done``/``completed``/``fixed``
says when the item was done: it marks the item done and is not a due date.

Several tags in one pair of brackets are read one by one: ``(owner: Aiko, P1)``,
``(@yuki, @mateo)`` (the first owner wins). A trailing ``Status: done`` / ``(status: in
progress)`` is read like a Status column when its value is a known status word. Tickets are
Jira keys, GitHub ``#5``/``o/r#5`` and issue or pull-request URLs, GitLab issue and merge
request URLs (``group/project#5``, ``group/project!98``), Google Issue Tracker, Bugzilla,
Linear and Azure Boards URLs, fix-commit URLs (``owner/repo@1fc9f7e``), and ``Bug #5554823`` /
``Bug 5554823``; a label in front of them (``Jira: OPS-9``, ``(see OPS-9)``, ``tracked in
OPS-9``) goes with them. A bracketed note on the process at the end of an item ("(issue
created)", "(Noor to call a meeting)") leaves the title for the description; a name doing the
next step in it is the owner.

``extract_fields`` runs ``_STEPS`` in order over one reading of the text: each step takes its
field out, so later steps never see it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from syncer.core.parse.markdown import InlineLine
from syncer.model import TicketRef

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DATE_PATTERN = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
    r"|\d{1,2}[/-]\d{1,2}[/-]\d{4}"
    r"|\d{1,2}\.\d{1,2}\.\d{4}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}})"
)
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
# "01.12.2026" is written day first wherever dots are used.
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_MONTH_FIRST = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$")


def _month(name: str) -> int | None:
    return _MONTHS.get(name) or _MONTHS.get(name[:3])


def parse_date(text: str) -> date | None:
    """A date written in one of the forms in the module docstring, or None."""
    value = " ".join(text.strip().lower().split())
    try:
        if match := _ISO.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _NUMERIC.match(value):
            first, second = int(match[1]), int(match[2])
            # US convention (month/day/year) unless that cannot be a date.
            if first > 12 >= second:
                return date(int(match[3]), second, first)
            return date(int(match[3]), first, second)
        if match := _DOTTED.match(value):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if (match := _MONTH_FIRST.match(value)) and (month := _month(match[1])):
            return date(int(match[3]), month, int(match[2]))
        if (match := _DAY_FIRST.match(value)) and (month := _month(match[2])):
            return date(int(match[3]), month, int(match[1]))
    except ValueError:
        return None
    return None


_DUE_MARKED = re.compile(
    r"[\(\[]?\s*\b(?:due\s+(?:by|on|date)|due|by|deadline|eta|target(?:\s+date)?)"
    rf"\s*(?:on\s+)?[:=]?\s*({DATE_PATTERN})\s*[\)\]]?",
    re.IGNORECASE,
)
_DUE_BRACKETED = re.compile(rf"[\(\[]\s*({DATE_PATTERN})\s*[\)\]]", re.IGNORECASE)
_DUE_TRAILING = re.compile(
    rf"(?:^|\s[-\u2013\u2014,:;|]?\s*)({DATE_PATTERN})\s*\.?\s*$", re.IGNORECASE
)

_PRIORITY_WORDS = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}
_PRIORITY_MARKED = re.compile(
    r"[\(\[]?\s*\b(?:priority|prio)\s*[:=]?\s*(p[0-4]|critical|high|medium|low)\b\s*[\)\]]?",
    re.IGNORECASE,
)
# "(high priority)" or a trailing "- High priority" tags the item; "a high priority alert" does not.
_PRIORITY_WORD_SUFFIX = re.compile(
    r"[\(\[]\s*(critical|high|medium|low)[- ]priority\s*[\)\]]"
    r"|(?:^|[-\u2013\u2014,;:]\s*)(critical|high|medium|low)[- ]priority\s*\.?\s*$",
    re.IGNORECASE,
)
_PRIORITY_BRACKETED = re.compile(
    r"[\(\[]\s*(p[0-4]|critical|high|medium|low)\s*[\)\]]", re.IGNORECASE
)
_PRIORITY_BARE = re.compile(r"(?:^|(?<=\s))(P[0-4])(?:\s*[:\-\u2013\u2014]\s*|\s*$|(?=[\s,.;]))")


def normalise_priority(text: str) -> str | None:
    """``p1`` -> ``P1``, ``HIGH`` -> ``High``; anything else is kept as written (or None)."""
    value = text.strip()
    if not value or value.lower() in _EMPTY_CELL:
        return None
    if re.fullmatch(r"[pP][0-4]", value):
        return value.upper()
    return _PRIORITY_WORDS.get(value.lower(), value)


_EMPTY_CELL = {"", "-", "--", "\u2014", "n/a", "na", "none", "tbd", "tbc", "?", "unknown", "nobody"}

_HANDLE = r"[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9]"
# Names are not only ASCII: "Owner: Lucía Pérez", "[Zoë] ...", "— Søren".
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff"
_NAME_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_NAME_HANDLE = r"(?:[^\W_][\w.-]*\w|[^\W_])(?:/[^\W_][\w.-]*\w)?"
_OWNER_MARKED = re.compile(
    rf"[\(\[]?\s*\b(?:(?:owners?|assignee|assigned\s+to|owned\s+by)\b"
    r"(?:\s*[:=]|\s+[-\u2013\u2014])?|assigned\s*[:=])\s*@?"
    # "owners to each service" is prose, not an owner called "to".
    r"(?!(?:to|for|of|and|or|the|a|an|in|on|is|are|was|were|will|should|must|can|per)\b)"
    rf"((?:{_NAME_HANDLE})(?:\s+(?-i:{_NAME_WORD}))?)\s*[\)\]]?",
    re.IGNORECASE,
)
# "@acme/sre-oncall" is a GitHub team.
_OWNER_AT = re.compile(rf"(?:^|(?<=[\s(\[,;]))@((?:{_HANDLE})(?:/[A-Za-z0-9][\w.-]*\w)?)")
_OWNER_PREFIX = re.compile(rf"^\[({_NAME_WORD}(?:\s{_NAME_WORD})?)\]\s+")
_OWNER_DASH = re.compile(rf"\s[\u2014\u2013]\s*@?({_NAME_WORD}(?:\s{_NAME_WORD})?)\s*[,;.]?\s*$")
# "(owner: Aiko, P1)", "(@yuki, @mateo)": several tags in one pair of brackets.
_TAG_LIST = re.compile(r"\(([^()]{1,80},[^()]{1,80})\)")
_TAG = re.compile(
    rf"^\s*(?:@{_HANDLE}|(?:owner|owners|assignee|due|by|eta|deadline|prio|priority)\b.*"
    rf"|(?:jira|tickets?|issues?|bugs?|prs?|links?)\s*:.*|[A-Z][A-Z0-9]{{1,9}}-\d+|#\d+"
    rf"|p[0-4]|critical|high|medium|low|(?:critical|high|medium|low)[- ]priority"
    rf"|{DATE_PATTERN})\s*$",
    re.IGNORECASE,
)

_CHECKBOX = re.compile(r"^\s*\[( |x|X|-)?\]\s*")
# Won't do, in the forms syncer's write-back documents: "- [-]", "(won't do: OPS-123)", a
# Status cell or tag saying won't do / not doing / wontfix.
_WONT_DO_WORDS = r"won['\u2019]?t\s+(?:do|fix)|not\s+doing|wontfix|wont\s*do"
_WONT_DO_STATUS = re.compile(rf"^\s*(?:{_WONT_DO_WORDS})\b", re.IGNORECASE)
_WONT_DO_MARK = re.compile(
    rf"([\(\[])\s*(?:{_WONT_DO_WORDS})\s*(?:[:\-\u2013\u2014]\s*|(?=[\)\]]))", re.IGNORECASE
)
_EXPLICIT_ID = re.compile(
    r"^\s*(?:\[((?:AI|A|ACT|ACTION|ITEM|FU|FUP|AP)-?\d+)\]|((?:AI|ACT|ACTION|ITEM|FU|FUP|AP)-\d+)\s*[:.)\-\u2013\u2014])\s*",
)
_EXPLICIT_ID_TAG = re.compile(r"[\(\[]\s*id\s*[:=]\s*([\w.-]+)\s*[\)\]]", re.IGNORECASE)

_DONE_WORDS = r"done|complete|completed|closed|fixed|resolved|finished|merged|shipped"
_DONE_MARKED = re.compile(
    rf"(?i:[\(\[]\s*(?:{_DONE_WORDS})\s*[\)\]]|^\s*(?:done|completed)\s*[:\-\u2013\u2014]\s*)"
    r"|\bDONE\b",
)
_NOT_DONE_MARKED = re.compile(
    r"[\(\[]\s*(?:todo|to do|open|in[ -]progress|wip|ongoing|pending|planned|blocked|failed"
    r"|not done)\s*[\)\]]"
    r"|\b(?:TODO|IN[ -]PROGRESS|WIP|FAILED)\b",
)
_DONE_EMOJI = ("✅", "✔️", "✔", "✓", "☑️", "☑", "🟢")
_SHORTCODE = re.compile(
    r":(white_check_mark|heavy_check_mark|ballot_box_with_check|x|construction|hourglass|"
    r"hourglass_flowing_sand|arrows_counterclockwise|warning|red_circle|yellow_circle):"
)
_SHORTCODE_DONE = {"white_check_mark", "heavy_check_mark", "ballot_box_with_check"}
_DONE_TRAILING = re.compile(
    r"\s[-\u2013\u2014:]\s*(?:done|completed?|fixed|closed|resolved)\s*\.?\s*$", re.IGNORECASE
)
_STATUS_WORDS = (
    rf"(?:{_DONE_WORDS}|deployed|implemented|open|to ?do|in[ -]progress|wip|ongoing|pending"
    r"|planned|blocked|not (?:started|done|yet|doing)|started|won['\u2019]?t (?:fix|do)|wontfix)\b"
)
_STATUS_TRAILING = re.compile(
    r"(?:^|(?<=[.;,])|\s[-\u2013\u2014|]|\s)\s*[\(\[]?\s*status\s*[:=]\s*"
    rf"({_STATUS_WORDS}[^.;:()\[\]]{{0,40}}?)"
    r"\s*[\)\]]?\s*\.?\s*$",
    re.IGNORECASE,
)
_STATUS_ONLY = re.compile(rf"^\s*{_STATUS_WORDS}\s*[.!]?\s*$", re.IGNORECASE)
_DONE_ON = re.compile(
    r"(?:\s-{1,2}|\s[\u2013\u2014:]|[,;(\[])?\s*\b(?:done|completed|fixed|closed|resolved|shipped"
    rf"|merged)\s+(?:on\s+)?{DATE_PATTERN}\s*[\)\]]?\s*\.?\s*$",
    re.IGNORECASE,
)
# "(done 2026-03-02)" anywhere: the owner or a note may follow it.
_DONE_ON_BRACKETED = re.compile(
    r"[\(\[]\s*(?:done|completed|fixed|closed|resolved|shipped|merged)\s+(?:on\s+)?"
    rf"{DATE_PATTERN}\s*[\)\]]",
    re.IGNORECASE,
)
_OPEN_EMOJI = ("🔄", "⏳", "🚧", "❌", "✗", "✘", "⬜", "🔲", "🟡", "🔴", "⚠️")

DONE_STATUS = {
    "done", "complete", "completed", "closed", "fixed", "resolved", "finished", "yes", "y",
    "true", "merged", "shipped", "deployed", "x", "implemented",
}  # fmt: skip


def is_done_status(text: str) -> bool | None:
    """Whether a Status/Done cell or marker says done; None when it says nothing."""
    value = text.strip()
    if not value:
        return None
    if any(mark in value for mark in _DONE_EMOJI):
        return True
    if any(mark in value for mark in _OPEN_EMOJI):
        return False
    words = re.sub(r"[^\w\s-]", " ", value.lower()).split()
    if not words or value.lower() in _EMPTY_CELL:
        return None
    if words[0] in {"not", "un", "in", "no"} or "progress" in words or "todo" in words:
        return False
    return words[0] in DONE_STATUS or " ".join(words) in DONE_STATUS


def is_wont_do_status(text: str) -> bool:
    """Whether a Status cell or tag says the item will not be done (won't do, wontfix)."""
    return bool(_WONT_DO_STATUS.match(text))


def status_word(text: str) -> bool | None:
    """Whether text that is nothing but a status word ("FIXED", "in progress") says done."""
    return is_done_status(text) if _STATUS_ONLY.match(text) else None


# Uppercase prefixes that look like Jira project keys but are standards, encodings, units or
# incident ids in post-mortems.
_NOT_JIRA = {
    "SHA", "SHA1", "SHA256", "UTF", "ISO", "HTTP", "HTTPS", "COVID", "CVE", "CWE", "RFC", "TLS",
    "SSL", "AES", "RSA", "MD", "IPV", "IEEE", "ANSI", "ASCII", "UTC", "GMT", "PST", "PDT", "CET",
    "CEST", "EST", "EDT", "BST", "SEV", "SEVERITY", "INC", "PM", "PIR", "AI", "ACT", "ACTION",
    "ITEM", "FU", "FUP", "AP", "GPT", "MP", "PHASE", "STEP", "US", "EU", "AZ", "WCAG", "PEP",
    "ECMA", "JSR", "FY", "Q", "H1", "H2", "CW", "WK", "MB", "GB", "TB", "V", "VERSION", "LEVEL",
    "TIER", "PR", "DDR", "IETF", "OWASP", "GDPR", "HIPAA", "PCI", "X",
}  # fmt: skip
_JIRA_KEY = re.compile(r"(?<![\w/#.-])([A-Z][A-Z0-9]{1,9})-(\d{1,7})(?![\w-])")
_GH_QUALIFIED = re.compile(r"(?<![\w/])([A-Za-z0-9][\w.-]*/[\w.-]+)#(\d{1,7})\b")
_GH_OTHER = re.compile(r"\b((?:[Bb]ug|BUG|[Bb]z|[Cc]ase|[Rr]adar|[Cc]rbug)\s*#\s*\d{3,})\b")
# "Bug 8812345" (the SRE book's Bug column) names a tracker bug without a "#"; a short number
# ("bug 12") is more often prose, so five digits or more.
# "b/1234567": Google's Issue Tracker, as the SRE workbook writes its bugs.
_GOOGLE_BUG = re.compile(r"(?<![\w/.])b/\d{4,}\b")
_BUG_NUMBER = re.compile(r"\b((?:[Bb]ug|BUG|[Bb]z|[Cc]rbug)\s+\d{5,})\b")
_GH_BARE = re.compile(r"(?<![\w&/#])#(\d{1,7})\b")
_URL = re.compile(r"<?https?://[^\s<>)\]]+>?")
_JIRA_URL = re.compile(r"^https?://[^/\s]+/(?:jira/)?browse/([A-Z][A-Z0-9_]{1,9}-\d+)(?:[/?#].*)?$")
_JIRA_SELECTED = re.compile(r"^https?://[^/\s]+/.*[?&]selectedIssue=([A-Z][A-Z0-9_]{1,9}-\d+)")
_GH_URL = re.compile(
    r"^https?://(?:www\.)?github\.com/([\w.-]+)/([\w.-]+)/(?:issues|pull)/(\d+)(?:[/?#].*)?$"
)
# GitLab (".../-/issues/5", and the older ".../issues/5"), Gitea and the like.
_GITLAB_URL = re.compile(
    r"^https?://[^/\s]+/([\w.-]+(?:/[\w.-]+)*?)(?:/-)?/(issues|merge_requests|pulls)/(\d+)"
)
# Other trackers' issue pages: Google's Issue Tracker, Bugzilla, Linear, Azure Boards.
_OTHER_TRACKER_URLS = (
    (
        re.compile(r"^https?://(?:issuetracker\.google\.com|b\.corp\.google\.com)/issues/(\d+)"),
        "b/{}",
    ),
    (re.compile(r"^https?://[^/\s]*bugzilla[^/\s]*/show_bug\.cgi\?id=(\d+)"), "Bug {}"),
    (re.compile(r"^https?://linear\.app/[\w-]+/issue/([A-Z][A-Z0-9]{1,9}-\d+)"), "{}"),
    (re.compile(r"^https?://dev\.azure\.com/[^\s]*/_workitems/edit/(\d+)"), "AB#{}"),
)
# Issue pages of other trackers and newer Jira views that end in an issue key: Jira Cloud's
# ".../projects/OPS/issues/OPS-12", YouTrack's "/issue/ABC-12", and the like.
_KEYED_URL = re.compile(
    r"^https?://([^/\s]+)/(?:[^\s?#]*/)?(?:issues?|browse|tickets?|tasks?)/([A-Z][A-Z0-9_]{1,9}-\d+)"
    r"(?:[/?#].*)?$"
)
# A fix commit attached to an item is its reference: GitHub, GitLab (".../-/commit/<sha>"),
# Gitea and the like. Keyed the way GitHub writes commit references: "owner/repo@1fc9f7e".
_COMMIT_URL = re.compile(
    r"^https?://[^/\s]+/([\w.-]+(?:/[\w.-]+)*?)(?:/-)?/commits?/([0-9a-f]{7,40})(?:[/?#].*)?$"
)
# Link text that is nothing but a name for the ticket it points at: dropped from titles.
_TICKET_LABEL = re.compile(
    r"^\s*(?:(?:github|gh|jira|gitlab)\s+)?(?:issue|bug|ticket|pr|pull\s+request|mr|link|jira|tracking|tracker)?s?\s*"
    r"(?:[#!]?\s*[\w/.-]*\d+)?\s*$",
    re.IGNORECASE,
)


def parse_ticket_url(url: str) -> TicketRef | None:
    """The ticket a URL points at (Jira browse, GitHub issue or pull request, a fix commit),
    if any."""
    url = url.strip().strip("<>")
    if match := _JIRA_URL.match(url):
        return TicketRef(system="jira", key=match[1], url=url)
    if match := _JIRA_SELECTED.match(url):
        return TicketRef(system="jira", key=match[1], url=url)
    if match := _GH_URL.match(url):
        return TicketRef(system="github", key=f"{match[1]}/{match[2]}#{match[3]}", url=url)
    if match := _GITLAB_URL.match(url):
        # GitLab writes merge requests as "group/project!98", issues as "group/project#98".
        mark = "!" if match[2] == "merge_requests" else "#"
        return TicketRef(system="other", key=f"{match[1]}{mark}{match[3]}", url=url)
    for pattern, key in _OTHER_TRACKER_URLS:
        if match := pattern.match(url):
            return TicketRef(system="other", key=key.format(match[1]), url=url)
    if match := _KEYED_URL.match(url):
        jira = "jira" in match[1] or "atlassian" in match[1]
        return TicketRef(system="jira" if jira else "other", key=match[2], url=url)
    if match := _COMMIT_URL.match(url):
        return TicketRef(system="other", key=f"{match[1]}@{match[2][:7]}", url=url)
    return None


def is_jira_key(project: str, number: str) -> bool:
    """A ``PROJ-123`` token that is a ticket, not ``SHA-256`` or ``COVID-19``."""
    if project in _NOT_JIRA or project.isdigit():
        return False
    # Version-like ("V2-3"), year-like ("FY-2026") and all-digit-after-letter keys are noise.
    return not (len(number) == 4 and number.startswith(("19", "20")) and len(project) <= 3)


def find_text_tickets(text: str) -> tuple[list[TicketRef], str]:
    """Ticket references written as text, and the text with enclosed/trailing ones removed."""
    found: list[TicketRef] = []

    def url(match: re.Match[str]) -> str:
        # Sentence punctuation after a URL is not part of it: "(Ticket: https://.../3, ...)".
        address = match[0].rstrip(".,;:!?")
        ref = parse_ticket_url(address)
        if ref is None:
            return match[0]
        found.append(ref)
        return "\x00" + match[0][len(address) :]

    if "://" in text:
        text = _URL.sub(url, text)

    def other(match: re.Match[str]) -> str:
        found.append(TicketRef(system="other", key=" ".join(match[1].split())))
        return "\x00"

    has_hash = "#" in text
    if has_hash:
        text = _GH_OTHER.sub(other, text)

    def google(match: re.Match[str]) -> str:
        found.append(TicketRef(system="other", key=match[0]))
        return f"\x01{match[0]}\x02"

    def bug(match: re.Match[str]) -> str:
        found.append(TicketRef(system="other", key=" ".join(match[1].split())))
        return f"\x01{match[0]}\x02"

    if "ug " in text or "UG " in text or "z " in text:
        text = _BUG_NUMBER.sub(bug, text)
    if "b/" in text:
        text = _GOOGLE_BUG.sub(google, text)

    def qualified(match: re.Match[str]) -> str:
        found.append(TicketRef(system="github", key=f"{match[1]}#{match[2]}"))
        return "\x00"

    if has_hash:
        text = _GH_QUALIFIED.sub(qualified, text)

    def jira(match: re.Match[str]) -> str:
        if not is_jira_key(match[1], match[2]):
            return match[0]
        found.append(TicketRef(system="jira", key=f"{match[1]}-{match[2]}"))
        return f"\x01{match[0]}\x02"

    if "-" in text:
        text = _JIRA_KEY.sub(jira, text)

    def bare(match: re.Match[str]) -> str:
        found.append(TicketRef(system="github", key=f"#{match[1]}"))
        return f"\x01{match[0]}\x02"

    if has_hash:
        text = _GH_BARE.sub(bare, text)
    return found, text


@dataclass
class Fields:
    """What one item's text says, besides its title."""

    title: str
    description: str | None = None
    owner: str | None = None
    due: date | None = None
    priority: str | None = None
    tickets: list[TicketRef] = field(default_factory=list)
    done: bool | None = None
    explicit_id: str | None = None
    checkbox: bool = False
    unread_due: str | None = None
    """A due date written but not readable as a date ("next Friday", "2026-13-01")."""
    done_on: date | None = None
    """When the item was done, as the text says ("done 2026-01-02")."""
    wont_do: bool = False
    link_only: bool = False


_TRAILING_URL = re.compile(
    r"(?:[\(\[]\s*<?(https?://[^\s<>]+?)>?\s*[\)\]]"
    r"|(?<=\S)\s*(?::|\s[-\u2013\u2014])\s*<?(https?://[^\s<>]+?)>?)\s*\.?\s*$"
)
# GitLab quick-action labels: ~"corrective action", ~"severity::2".
_GITLAB_LABEL = re.compile(r'(?:^|(?<=\s))~"[^"]{1,80}"')
_PLACEHOLDER_LINK = re.compile(
    r"[\(\[]\s*(?:link to (?:the )?(?:ticket|issue|jira|bug|pr)|(?:ticket|jira|issue) link|"
    r"link|ticket|jira|tbd|tbc)\s*[\)\]]",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_FILLER = re.compile(r"[\s\(\)\[\],;.:/&-]|and")
_P_LEVEL = re.compile(r"P[0-4]")
_DUE_WORDS = ("due", "by", "deadline", "eta", "target")
_TRAILING_AND = re.compile(r"\s+(?:and|,)\s*$|,\s*$")
_OPEN_MARKS = re.compile(
    r"[\(\[]\s*(?:todo|to do|wip|in[ -]progress)\s*[\)\]]"
    r"|^\s*TODO\s*[:\-\u2013\u2014]?|\bTODO\s*$",
    re.IGNORECASE,
)
_PUNCT_RUN = re.compile(r"([.,;])(?:\s*[.,;])+")
_EMPTY_BRACKETS = re.compile(r"[\(\[]\s*[,;:/|&-]*\s*[\)\]]")
_EDGE_PUNCT = " \t-\u2013\u2014:;,|/&"


def clean_owner(text: str) -> str | None:
    """An owner as a handle or name: ``@alice`` -> ``alice``; empty cells give None."""
    value = " ".join(text.replace("@", " ").split()).strip(" ,;")
    if not value or value.lower() in _EMPTY_CELL or value.startswith("["):
        return None
    return value


def _tidy(text: str) -> str:
    if "\x01" in text:
        text = text.replace("\x01", "").replace("\x02", "")
    text = " ".join(text.replace("\x00", " ").split()).strip(_EDGE_PUNCT)
    if "(" in text or "[" in text:
        previous = None
        while previous != text:
            previous = text
            text = " ".join(_EMPTY_BRACKETS.sub(" ", text).split()).strip(_EDGE_PUNCT)
    if ". ." in text or ". ," in text or ", ." in text:
        # "Add alert. Jira: OPS-9." loses its ticket and leaves a run of stops behind.
        text = _PUNCT_RUN.sub(r"\1", text)
    # A trailing "and"/"," left behind by removed ticket keys reads badly.
    if text.endswith((" and", ",")):
        text = _TRAILING_AND.sub("", text)
    return text


def _split_tags(match: re.Match[str]) -> str:
    """``(owner: Aiko, P1)`` -> ``(owner: Aiko) (P1)``, so each tag is read on its own."""
    parts = match[1].split(",")
    if all(_TAG.match(part) for part in parts):
        return " ".join(f"({part.strip()})" for part in parts)
    return match[0]


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    match = pattern.search(text)
    if match is None:
        return None, text
    return match, text[: match.start()] + " " + text[match.end() :]


# "(OPS-1)", "(JIRA: OPS-1)", "[tracked in OPS-1, OPS-2]"; at the end also ", tracked in OPS-1".
_REF_LABEL = r"(?:(?:jira|tickets?|issues?|bugs?|tracked (?:in|by)|tracking|see|refs?)\s*:?\s*)?"
_ENCLOSED_REFS = re.compile(
    rf"[\(\[]\s*(?i:{_REF_LABEL})(?:(?:\x00|\x01[^\x02]*\x02)[\s,;/&]*(?:and\s+)?)+[\)\]]"
)
_TRAILING_REFS = re.compile(
    r"\s*(?:[-\u2013\u2014:|,;]\s*)?(?i:(?:tracked (?:in|by)|see|jira|tickets?)\s*:?\s*)?"
    r"(?:\x01[^\x02]*\x02[\s,;/&]*(?:and\s+)?)+\s*\.?\s*$"
)


# "Jira: OPS-9", "Ticket: [#12](...)" anywhere in an item: the label goes with its tickets.
_LABELLED_REFS = re.compile(
    r"(?i:\b(?:jira|tickets?|issues?|bugs?|prs?|links?|tracked (?:in|by)|tracking)\s*:\s*)"
    r"(?:(?:\x00|\x01[^\x02]*\x02)[\s,;/&]*(?:and\s+)?)+"
)


def _strip_enclosed_refs(text: str) -> str:
    """Drop ticket keys that sit in brackets or at the end; keep those inside a sentence."""
    if "\x00" in text and ("(" in text or "[" in text):
        text = _ENCLOSED_REFS.sub(" ", text)
    if "\x01" not in text:
        return text
    text = _ENCLOSED_REFS.sub(" ", text)
    text = _TRAILING_REFS.sub("", text)
    return re.sub(r"^\s*(?:\x01[^\x02]*\x02[\s,;:/&-]*)+", "", text)


def _link_tickets(line: InlineLine) -> tuple[list[TicketRef], str]:
    """Tickets behind links, and the text with ticket-only link texts removed."""
    found: list[TicketRef] = []
    text = line.text
    cuts: list[tuple[int, int]] = []
    for link in line.links:
        ref = parse_ticket_url(link.href)
        if ref is None:
            continue
        found.append(ref)
        after = text[link.end :]
        trailing = not _FILLER.sub("", after)
        # "[#123](...)" or "[PR #105](...)" name the ticket and leave the title; "a [ticket](...)
        # to configure X" is part of the sentence and stays.
        label_only = bool(_TICKET_LABEL.match(link.text)) and any(ch.isdigit() for ch in link.text)
        if label_only or (trailing and text[: link.start].strip(_EDGE_PUNCT + "([ ")):
            cuts.append((link.start, link.end))
    for start, end in sorted(cuts, reverse=True):
        text = text[:start] + "\x00" + text[end:]
    return found, text


def remove_ticket_links(line: InlineLine) -> str:
    """The line's text without links to tickets: a group heading's name."""
    return _tidy(_link_tickets(line)[1])


@dataclass
class _Reading:
    """One item's text while its fields are taken out of it, step by step.

    ``low`` and ``bracket`` describe the text as it was after the checkbox: the steps use them
    as cheap tests of whether their pattern could match at all.
    """

    text: str
    tickets: list[TicketRef]
    fields: Fields = field(default_factory=lambda: Fields(title=""))
    low: str = ""
    bracket: bool = False
    emoji: bool = False

    def cut(self, match: re.Match[str]) -> None:
        """Remove what ``match`` matched from the text."""
        self.text = self.text[: match.start()] + " " + self.text[match.end() :]


def _checkbox(r: _Reading) -> None:
    if match := _CHECKBOX.match(r.text):
        r.fields.checkbox = True
        r.fields.done = (match[1] or " ").strip().lower() == "x"
        r.fields.wont_do = match[1] == "-"
        r.text = r.text[match.end() :]
    r.low = r.text.lower()
    r.bracket = "(" in r.text or "[" in r.text
    if r.bracket:
        r.text = _PLACEHOLDER_LINK.sub(" ", r.text)


def _wont_do(r: _Reading) -> None:
    # "(won't do: OPS-123)" -> "(OPS-123)": the marker goes, the ticket stays to be read.
    if r.bracket and (match := _WONT_DO_MARK.search(r.text)) is not None:
        r.fields.wont_do = True
        r.text = r.text[: match.start()] + match[1] + r.text[match.end() :]


def _explicit_id(r: _Reading) -> None:
    if match := _EXPLICIT_ID.match(r.text):
        r.fields.explicit_id = match[1] or match[2]
        r.text = r.text[match.end() :]
    if "id" in r.low:
        match, r.text = _take(_EXPLICIT_ID_TAG, r.text)
        if match and not r.fields.explicit_id:
            r.fields.explicit_id = match[1]


def _tag_lists(r: _Reading) -> None:
    # "(owner: Aiko, P1)" -> "(owner: Aiko) (P1)", so each tag is read by its own step.
    if r.bracket and "," in r.text:
        r.text = _TAG_LIST.sub(_split_tags, r.text)


def _shortcodes(r: _Reading) -> None:
    if ":" in r.text and (code := _SHORTCODE.search(r.text)):
        if r.fields.done is not True:
            r.fields.done = code[1] in _SHORTCODE_DONE
        r.text = _SHORTCODE.sub(" ", r.text)


def _done_suffix(r: _Reading) -> None:
    if (match := _DONE_TRAILING.search(r.text)) is not None:
        r.fields.done = True
        r.text = r.text[: match.start()]
    elif _DIGIT.search(r.text) and (match := _DONE_ON.search(r.text)) is not None:
        # "Fix it -- done 2026-01-02": the date says when it was done, not when it is due.
        r.fields.done = True
        r.fields.done_on = _date_within(match[0])
        r.text = r.text[: match.start()]
    elif r.bracket and _DIGIT.search(r.text) and (match := _DONE_ON_BRACKETED.search(r.text)):
        r.fields.done = True
        r.fields.done_on = _date_within(match[0])
        r.cut(match)


def _date_within(text: str) -> date | None:
    found = re.search(DATE_PATTERN, text, re.IGNORECASE)
    return parse_date(found[0]) if found else None


def _status_tag(r: _Reading) -> None:
    # "Bump TLS ciphers. Status: done" / "(status: in progress)": a status tag, read like a
    # Status column; a tag that says nothing known stays in the title.
    if "status" in r.low and (match := _STATUS_TRAILING.search(r.text)) is not None:
        said = is_done_status(match[1])
        if is_wont_do_status(match[1]):
            r.fields.wont_do = True
        if said is not None:
            if said or r.fields.done is None:
                r.fields.done = said
            r.cut(match)


def _done_marks(r: _Reading) -> None:
    text, low = r.text, r.low
    r.emoji = emoji = not text.isascii()
    done_words = r.bracket or "DONE" in text or low.lstrip().startswith(("done", "completed"))
    open_words = r.bracket or any(word in text for word in ("TODO", "PROGRESS", "WIP", "FAILED"))
    # Done markers first: "[DONE]" must not be read as an owner in brackets.
    if r.fields.done is not True:
        if (emoji and any(mark in text for mark in _DONE_EMOJI)) or (
            done_words and _DONE_MARKED.search(text)
        ):
            r.fields.done = True
        elif (open_words and _NOT_DONE_MARKED.search(text)) or (
            emoji and any(mark in text for mark in _OPEN_EMOJI)
        ):
            r.fields.done = False
    if emoji:
        for mark in (*_DONE_EMOJI, *_OPEN_EMOJI):
            text = text.replace(mark, " ")
    if done_words:
        text = _DONE_MARKED.sub(" ", text)
    if open_words or "todo" in low or "to do" in low:
        text = _OPEN_MARKS.sub(" ", text)
    r.text = text


# "..., see https://...", "- tracked in OPS-9": the words that only pointed at a ticket.
_POINTER_TO_REF = re.compile(
    # (In brackets they go with their ticket: see _ENCLOSED_REFS.)
    r"\s*[,;:\u2013\u2014-]?\s*(?<![(\[])\b(?:see(?:\s+also)?|tracked\s+(?:in|by|at)|tracking"
    r"|follow(?:ed)?\s+along(?:\s+(?:at|in|here))?|details\s+(?:in|at))\s*:?\s*"
    r"(?=(?:\x00|\x01[^\x02]*\x02)[\s.)]*$)",
    re.IGNORECASE,
)


def _text_tickets(r: _Reading) -> None:
    found, text = find_text_tickets(r.text)
    r.tickets.extend(found)
    if found or "\x00" in text:
        text = _POINTER_TO_REF.sub(" ", text)
    if ("\x00" in text or "\x01" in text) and ":" in text:
        text = _LABELLED_REFS.sub(" ", text)
    r.text = _strip_enclosed_refs(text).replace("\x00", " ")


def _due(r: _Reading) -> None:
    if not _DIGIT.search(r.text):
        return
    for pattern, could, start in (
        (_DUE_MARKED, any(word in r.low for word in _DUE_WORDS), 0),
        (_DUE_BRACKETED, r.bracket, 0),
        # A trailing date is short; looking only at the tail keeps this linear and cheap.
        (_DUE_TRAILING, True, max(0, len(r.text) - 40)),
    ):
        match = pattern.search(r.text, start) if could else None
        if match and (when := parse_date(match[1])) is not None:
            r.fields.due = when
            r.cut(match)
            return


# "due next Friday", "due: tomorrow", "(deadline end of sprint)" at the end of an item: a due
# date that is written but cannot be read. It leaves the title and becomes a finding; "due to
# load" is not one.
_DUE_UNREAD = re.compile(
    r"(?:^|[\(\[,;]\s*|\s[-\u2013\u2014]?\s*)(?:due(?:\s+(?:by|on|date))?|deadline|eta)\b"
    r"(?!\s+to\b)\s*[:=]?\s*(?P<value>[^\s()\[\],;][^()\[\],;]{0,39}?)\s*[\)\]]?\s*\.?\s*$",
    re.IGNORECASE,
)


def _unread_due(r: _Reading) -> None:
    if r.fields.due is None and any(w in r.low for w in ("due", "deadline", "eta")):
        match = _DUE_UNREAD.search(r.text, max(0, len(r.text) - 60))
        if match:
            r.fields.unread_due = match["value"].strip()
            r.cut(match)


def _priority(r: _Reading) -> None:
    for pattern, could in (
        (_PRIORITY_MARKED, "prio" in r.low),
        (_PRIORITY_WORD_SUFFIX, "priority" in r.low),
        (_PRIORITY_BRACKETED, r.bracket),
        (_PRIORITY_BARE, _P_LEVEL.search(r.text) is not None),
    ):
        if could and (match := pattern.search(r.text)):
            r.fields.priority = normalise_priority(next(group for group in match.groups() if group))
            r.cut(match)
            return


def _owner(r: _Reading) -> None:
    text = r.text
    if ("own" in r.low or "assign" in r.low) and (match := _OWNER_MARKED.search(text)):
        r.fields.owner = clean_owner(match[1])
        r.cut(match)
    elif text.startswith("[") and (match := _OWNER_PREFIX.match(text)):
        r.fields.owner = match[1]
        r.text = text[match.end() :]
    elif "@" in text and (handles := list(_OWNER_AT.finditer(text))):
        r.fields.owner = handles[0][1]
        # Only a handle that tags the item (in brackets, or at the edges) leaves the title.
        for handle in reversed(handles):
            before = text[: handle.start()].rstrip()
            after = text[handle.end() :].strip(" .,;:")
            if before.endswith(("(", "[")) or not after or not before:
                text = text[: handle.start()] + " " + text[handle.end() :]
        r.text = text
    elif r.emoji and (match := _OWNER_DASH.search(text)):
        r.fields.owner = match[1]
        r.text = text[: match.start()]


def _process_note(r: _Reading) -> None:
    # "(issue created)", "(Rasmus to call a meeting)": a note on the process, not the title.
    if r.text.rstrip(" .").endswith(")") and (match := _TRAILING_NOTE.search(r.text)):
        note, owner = _read_note(match[1])
        if note:
            r.fields.owner = r.fields.owner or owner
            r.fields.description = note
            r.text = r.text[: match.start()]


def _trailing_link(r: _Reading) -> None:
    # A bare link in brackets at the end ("(https://wiki/...)") is a reference, not part of
    # the title: it moves to the description.
    if "://" in r.text and (match := _TRAILING_URL.search(r.text)):
        r.fields.description = match[1] or match[2]
        r.text = r.text[: match.start()]
    if '~"' in r.text:
        r.text = _GITLAB_LABEL.sub(" ", r.text)


_STEPS: tuple[Callable[[_Reading], None], ...] = (
    _checkbox,
    _wont_do,
    _explicit_id,
    _tag_lists,
    _shortcodes,
    _done_suffix,
    _status_tag,
    _done_marks,
    _text_tickets,
    _due,
    _unread_due,
    _priority,
    _owner,
    _process_note,
    _trailing_link,
)
"""The steps of ``extract_fields``, in order: each takes its field out of the text, so a later
step never reads what an earlier one took ("[DONE]" is read as done before brackets are read as
an owner, ticket keys are gone before dates and priorities are looked for)."""


def extract_fields(line: InlineLine) -> Fields:
    """Split one item's rendered text into its title and the fields written inside it.

    Each step runs its patterns only when a cheap substring test says they could match: most
    items carry one or two fields, and this runs for every item and table cell.
    """
    tickets, text = _link_tickets(line)
    reading = _Reading(text=text, tickets=tickets)
    for step in _STEPS:
        step(reading)
    fields = reading.fields
    fields.title = _tidy(reading.text)
    if fields.title.endswith(".") and not fields.title.endswith(".."):
        fields.title = fields.title[:-1].rstrip()
    fields.tickets = dedupe_tickets(tickets) if len(tickets) > 1 else tickets
    return fields


_TRAILING_NOTE = re.compile(r"\s*\(([^()]{2,80})\)\s*\.?\s*$")
_NOTE_WORDS = re.compile(
    r"\b(?:issues?|tickets?|jira|bugs?|prs?|meetings?|created|filed|raised|opened|logged|tracked"
    r"|pending|blocked|waiting|tbd|discuss(?:ed|ion)?|follow[- ]?up|call(?:ed|ing)?|assigned"
    r"|scheduled|booked|planned|superseded|replaced|duplicates?|dup)\b",
    re.IGNORECASE,
)
_NOT_NOTE = re.compile(r"^\s*(?:e\.?g|i\.?e|see|such as|like|including|incl|via|using)\b", re.I)
# "Rasmus to call a meeting", "Willi call for meeting", "Aiko owns this": a name doing the
# next step. The word after the name must read as a verb: "to", a modal, or a word followed by
# a preposition or determiner ("call for", "owns this"), so "(Kafka only)" names no one.
_NOTE_OWNER = re.compile(
    rf"^\s*@?((?-i:{_NAME_WORD}))\s+(?:(?:to|will|shall|should|must|can|is|'ll)\b"
    r"|[a-z]+\s+(?:for|the|a|an|this|that|it|up|on|with|to|about)\b)"
)
_NOT_NAMES = frozenset(
    {"The", "This", "That", "These", "We", "It", "All", "Only", "Not", "Both", "Each", "Also",
     "Optional", "Maybe", "Note", "See", "Done", "Open", "Issue", "Ticket", "Meeting", "Call",
     "Team", "Tbd", "Pending", "Blocked", "Waiting", "Follow"}
)  # fmt: skip


def _read_note(text: str) -> tuple[str | None, str | None]:
    """A trailing bracketed note on the process, and the owner it names; (None, None) when the
    brackets are part of the title ("(e.g. Harbor)", "(multi-node)")."""
    if _NOT_NOTE.match(text):
        return None, None
    if (match := _NOTE_OWNER.match(text)) and match[1] not in _NOT_NAMES:
        return text.strip(), match[1]
    if _NOTE_WORDS.search(text):
        return text.strip(), None
    return None, None


def dedupe_tickets(tickets: list[TicketRef]) -> list[TicketRef]:
    """Tickets in first-seen order; a bare ``#5`` goes when ``o/r#5`` is also there."""
    seen: dict[tuple[str, str], TicketRef] = {}
    for ref in tickets:
        if (ref.system, ref.key) not in seen:
            seen[(ref.system, ref.key)] = ref
    numbers = {
        ref.key.rsplit("#", 1)[1] for ref in seen.values() if "/" in ref.key and "#" in ref.key
    }
    return [
        ref
        for ref in seen.values()
        if not (ref.system == "github" and ref.key.startswith("#") and ref.key[1:] in numbers)
    ]
