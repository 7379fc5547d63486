"""The subset of JQL the sandbox understands: parse a query, match issues, sort them.

Supported: ``project``, ``key``/``issuekey``/``id``, ``labels``, ``status``, ``statusCategory``,
``assignee``/``reporter`` (with ``currentUser()``), ``priority``, ``issuetype``/``type``,
``component``, ``summary ~``, custom fields by name or ``cf[NNNNN]``, and the dates
``created``, ``updated``, ``duedate``/``due`` (absolute ``yyyy-MM-dd[ HH:mm]`` or
``yyyy/MM/dd[ HH:mm]``, relative ``-5d``/``4w 2d``, ``now()``, ``startOfDay()``); operators
``= != > >= < <= ~ !~ IN NOT IN IS IS NOT``; ``AND``/``OR``/``NOT`` with parentheses;
``ORDER BY`` a list of fields with ``ASC``/``DESC``.
Anything else raises ``JqlError`` whose message is worded as Jira words it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from syncer.sandbox.store import (
    CUSTOM_FIELDS,
    ISSUE_TYPES,
    JIRA_STATUSES,
    PRIORITIES,
    STATUS_CATEGORIES,
    JiraIssue,
    State,
)


class JqlError(ValueError):
    """A query Jira would answer with 400; ``str()`` is Jira's error message."""


_OPERATORS = "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'"
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\() | (?P<rparen>\)) | (?P<comma>,)
      | (?P<op>!=|>=|<=|!~|=|>|<|~)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<badstring>["'])
      | (?P<word>[A-Za-z0-9_\-.:@+/\[\]*]+)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "ORDER", "BY", "ASC", "DESC", "EMPTY", "NULL"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            start = len(text) - len(text[position:].lstrip())
            msg = _located(
                f"Error in the JQL Query: The character '{text[start]}' is a reserved "
                "JQL character. You must enclose it in a string or use the escape "
                "'\\u0000' instead.",
                text,
                start,
            )
            raise JqlError(msg)
        kind = match.lastgroup
        start = match.start(kind)
        if kind == "badstring":
            msg = _located(
                f"Error in the JQL Query: The quoted string '{text[start + 1 :]}' has not "
                "been completed.",
                text,
                start,
            )
            raise JqlError(msg)
        raw = match.group(kind)
        if kind == "string":
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        tokens.append(_Token(kind, raw, start))
        position = match.end()
    return tokens


def _located(message: str, text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"{message} (line {line}, character {column})"


# ---------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Value:
    """One operand: a literal text, ``EMPTY``, or a function call such as ``currentUser()``."""

    text: str
    quoted: bool = False
    empty: bool = False
    function: bool = False


Predicate = Callable[[JiraIssue], bool]


@dataclass(frozen=True)
class Query:
    """A parsed query: ``matches`` is the WHERE part, ``order`` the ORDER BY list."""

    matches: Predicate
    order: tuple[tuple[str, bool], ...]
    bounded: bool
    """False for an empty WHERE part (Cloud's /search/jql refuses such "unbounded" queries)."""

    def sort(self, issues: Iterable[JiraIssue]) -> list[JiraIssue]:
        """Sort as ORDER BY says; without one, newest key first, as Jira does."""
        result = list(issues)
        order = self.order or (("key", True),)
        for field, descending in reversed(order):
            result.sort(key=_SORT_KEYS[field], reverse=descending)
        return result


def _key_sort(issue: JiraIssue) -> tuple[str, int]:
    return (issue.project, issue.number)


def _priority_rank(issue: JiraIssue) -> int:
    # Jira sorts priority by its scheme order: Highest first when ascending.
    return -int(next(k for k, v in PRIORITIES.items() if v == issue.priority))


_SORT_KEYS: dict[str, Callable[[JiraIssue], Any]] = {
    "key": _key_sort,
    "id": lambda issue: issue.id,
    "created": lambda issue: issue.created,
    "updated": lambda issue: issue.updated,
    "summary": lambda issue: issue.summary.casefold(),
    "priority": _priority_rank,
    "status": lambda issue: issue.status,
    "project": lambda issue: issue.project,
    "duedate": lambda issue: issue.duedate or date.max,
}
_SORT_ALIASES = {"issuekey": "key", "due": "duedate"}


# ---------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str, state: State, *, now: datetime, current_user: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.state = state
        self.now = now
        self.current_user = current_user

    # token helpers

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.error_at_end("Expecting a field name")
        self.index += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.upper in words

    def error(self, message: str, token: _Token) -> JqlError:
        return JqlError(_located(f"Error in the JQL Query: {message}", self.text, token.position))

    def error_at_end(self, message: str) -> JqlError:
        return JqlError(
            _located(
                f"Error in the JQL Query: {message} but reached the end of the query.",
                self.text,
                len(self.text),
            )
        )

    # grammar

    def parse(self) -> Query:
        predicate: Predicate | None = None
        if self.peek() is not None and not self.at_keyword("ORDER"):
            predicate = self.parse_or()
        order: list[tuple[str, bool]] = []
        if self.at_keyword("ORDER"):
            self.take()
            if not self.at_keyword("BY"):
                token = self.peek()
                if token is None:
                    raise self.error_at_end("Expecting 'by'")
                raise self.error(f"Expecting 'by' but got '{token.text}'.", token)
            self.take()
            order = self.parse_order()
        token = self.peek()
        if token is not None:
            raise self.error(f"Expecting either 'OR' or 'AND' but got '{token.text}'.", token)
        return Query(
            matches=predicate or (lambda _issue: True),
            order=tuple(order),
            bounded=predicate is not None,
        )

    def parse_order(self) -> list[tuple[str, bool]]:
        order: list[tuple[str, bool]] = []
        while True:
            token = self.take()
            name = token.text.casefold()
            name = _SORT_ALIASES.get(name, name)
            if name not in _SORT_KEYS:
                msg = (
                    f"Not able to sort using field '{token.text}'."
                    if name in _FIELD_NAMES
                    else f"Field '{token.text}' does not exist or you do not have permission "
                    "to view it."
                )
                raise JqlError(msg)
            descending = False
            if self.at_keyword("ASC", "DESC"):
                descending = self.take().upper == "DESC"
            order.append((name, descending))
            if self.peek() is None:
                return order
            if self.peek_kind() != "comma":
                token = self.take()
                raise self.error(f"Expecting ',' but got '{token.text}'.", token)
            self.take()

    def peek_kind(self) -> str | None:
        token = self.peek()
        return token.kind if token else None

    def parse_or(self) -> Predicate:
        parts = [self.parse_and()]
        while self.at_keyword("OR"):
            self.take()
            parts.append(self.parse_and())
        if len(parts) == 1:
            return parts[0]
        return lambda issue: any(part(issue) for part in parts)

    def parse_and(self) -> Predicate:
        parts = [self.parse_not()]
        while self.at_keyword("AND"):
            self.take()
            parts.append(self.parse_not())
        if len(parts) == 1:
            return parts[0]
        return lambda issue: all(part(issue) for part in parts)

    def parse_not(self) -> Predicate:
        if self.at_keyword("NOT"):
            self.take()
            inner = self.parse_not()
            return lambda issue: not inner(issue)
        if self.peek_kind() == "lparen":
            self.take()
            inner = self.parse_or()
            token = self.peek()
            if token is None:
                raise self.error_at_end("Expecting ')'")
            if token.kind != "rparen":
                raise self.error(f"Expecting ')' but got '{token.text}'.", token)
            self.take()
            return inner
        return self.parse_clause()

    def parse_clause(self) -> Predicate:
        field_token = self.take()
        if field_token.kind not in ("word", "string") or field_token.upper in _KEYWORDS:
            raise self.error(f"Expecting a field name but got '{field_token.text}'.", field_token)
        operator = self.parse_operator()
        values = self.parse_operand(operator)
        return self.build_clause(field_token.text, operator, values)

    def parse_operator(self) -> str:
        token = self.peek()
        if token is None:
            raise self.error_at_end(f"Expecting operator. The valid operators are {_OPERATORS}")
        if token.kind == "op":
            self.take()
            return token.text
        if token.upper == "IN":
            self.take()
            return "in"
        if token.upper == "NOT":
            self.take()
            if not self.at_keyword("IN"):
                raise self.error("Expecting 'IN' after 'NOT'.", token)
            self.take()
            return "not in"
        if token.upper == "IS":
            self.take()
            if self.at_keyword("NOT"):
                self.take()
                return "is not"
            return "is"
        msg = f"Expecting operator but got '{token.text}'. The valid operators are {_OPERATORS}."
        raise self.error(msg, token)

    def parse_operand(self, operator: str) -> list[Value]:
        if operator in ("in", "not in"):
            token = self.take()
            if token.kind != "lparen":
                raise self.error(f"Expecting '(' but got '{token.text}'.", token)
            values = [self.parse_value()]
            while self.peek_kind() == "comma":
                self.take()
                values.append(self.parse_value())
            if self.peek() is None:
                raise self.error_at_end("Expecting ')'")
            token = self.take()
            if token.kind != "rparen":
                raise self.error(f"Expecting ')' but got '{token.text}'.", token)
            return values
        value = self.parse_value()
        if operator in ("is", "is not") and not value.empty:
            raise self.error(
                f"Expecting 'EMPTY' or 'NULL' after 'IS' but got '{value.text}'.",
                self.tokens[self.index - 1],
            )
        return [value]

    def parse_value(self) -> Value:
        token = self.peek()
        if token is None:
            raise self.error_at_end("Expecting either a value, list or function")
        if token.kind == "string":
            self.take()
            return Value(token.text, quoted=True)
        if token.kind != "word" or token.upper in _KEYWORDS - {"EMPTY", "NULL"}:
            msg = f"Expecting either a value, list or function but got '{token.text}'."
            raise self.error(msg, token)
        self.take()
        if token.upper in ("EMPTY", "NULL"):
            return Value(token.text, empty=True)
        if self.peek_kind() == "lparen":
            self.take()
            closing = self.take()
            if closing.kind != "rparen":
                raise self.error("Function arguments are not supported here.", closing)
            return Value(token.text, function=True)
        return Value(token.text)

    # clause semantics

    def build_clause(self, field: str, operator: str, values: list[Value]) -> Predicate:
        name = field.casefold()
        name = _FIELD_ALIASES.get(name, name)
        custom = _custom_field(field)
        if custom is not None:
            return self.text_clause(field, operator, values, lambda i: i.custom.get(custom))
        if name not in _FIELD_NAMES:
            raise JqlError(
                f"Field '{field}' does not exist or you do not have permission to view it."
            )
        if name in ("created", "updated", "duedate"):
            return self.date_clause(field, name, operator, values)
        if name == "summary":
            return self.text_clause(field, operator, values, lambda i: i.summary)
        allowed = {"=", "!=", "in", "not in"}
        if name in ("labels", "assignee", "reporter", "component"):
            allowed |= {"is", "is not"}
        if operator not in allowed:
            raise JqlError(
                f"The operator '{operator.upper()}' is not supported by the '{field}' field."
            )
        resolver = getattr(self, f"resolve_{name.replace('category', '_category')}")
        wanted: set[str | None] = set()
        for value in values:
            wanted |= resolver(field, value)
        getter = _GETTERS[name]

        def contains(issue: JiraIssue) -> bool:
            return bool(getter(issue) & wanted)

        if operator in ("=", "in", "is"):
            return contains
        return lambda issue: not contains(issue)

    def text_clause(
        self,
        field: str,
        operator: str,
        values: list[Value],
        getter: Callable[[JiraIssue], Any],
    ) -> Predicate:
        value = values[0]
        if operator in ("is", "is not"):
            wants_empty = operator == "is"
            return lambda issue: (getter(issue) in (None, "")) == wants_empty
        if operator not in ("~", "!~", "=", "!="):
            raise JqlError(
                f"The operator '{operator.upper()}' is not supported by the '{field}' field."
            )
        needle = value.text.casefold()
        if operator in ("=", "!="):
            positive = operator == "="
            return lambda issue: (str(getter(issue) or "").casefold() == needle) == positive
        positive = operator == "~"
        return lambda issue: (needle in str(getter(issue) or "").casefold()) == positive

    def date_clause(self, field: str, name: str, operator: str, values: list[Value]) -> Predicate:
        if operator in ("is", "is not"):
            wants_empty = operator == "is"
            return lambda issue: (_date_value(issue, name) is None) == wants_empty
        if operator not in ("=", "!=", ">", ">=", "<", "<="):
            raise JqlError(
                f"The operator '{operator.upper()}' is not supported by the '{field}' field."
            )
        bound = self.parse_date(field, values[0])
        compare = _COMPARE[operator]

        def check(issue: JiraIssue) -> bool:
            actual = _date_value(issue, name)
            if actual is None:
                return False
            if operator in ("=", "!="):
                actual = actual.replace(second=0, microsecond=0)
            return compare(actual, bound)

        return check

    def parse_date(self, field: str, value: Value) -> datetime:
        if value.function:
            function = value.text.casefold()
            if function == "now":
                return self.now
            if function == "startofday":
                return self.now.replace(hour=0, minute=0, second=0, microsecond=0)
            msg = f"Unable to find JQL function '{value.text}()'."
            raise JqlError(msg)
        text = value.text.strip()
        for pattern in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=UTC)
            except ValueError:
                continue
        relative = re.fullmatch(r"([+-]?)\s*((?:\d+\s*[wdhm]\s*)+)", text)
        if relative:
            delta = timedelta()
            units = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
            for amount, unit in re.findall(r"(\d+)\s*([wdhm])", relative.group(2)):
                delta += timedelta(**{units[unit]: int(amount)})
            return self.now - delta if relative.group(1) == "-" else self.now + delta
        msg = (
            f"Date value '{value.text}' for field '{field}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )
        raise JqlError(msg)

    # value resolvers: JQL operand -> the set of stored values it stands for

    def _no_value(self, field: str, value: Value) -> JqlError:
        return JqlError(f"The value '{value.text}' does not exist for the field '{field}'.")

    def resolve_project(self, field: str, value: Value) -> set[str | None]:
        project = self.state.jira_project(value.text) or next(
            (p for p in self.state.jira_projects if p.name.casefold() == value.text.casefold()),
            None,
        )
        if project is None:
            raise self._no_value(field, value)
        return {project.key}

    def resolve_key(self, field: str, value: Value) -> set[str | None]:
        if value.text.isdigit():
            issue = next((i for i in self.state.jira_issues if str(i.id) == value.text), None)
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*-\d+", value.text):
            issue = self.state.jira_issue(value.text)
        else:
            raise JqlError(f"The issue key '{value.text}' for field '{field}' is invalid.")
        if issue is None:
            raise JqlError(f"An issue with key '{value.text}' does not exist for field '{field}'.")
        return {issue.key}

    def resolve_labels(self, field: str, value: Value) -> set[str | None]:
        return {None} if value.empty else {value.text}

    def resolve_status_category(self, field: str, value: Value) -> set[str | None]:
        wanted = value.text.casefold()
        for key, (category_id, name, _color) in STATUS_CATEGORIES.items():
            if wanted in (key, name.casefold(), str(category_id)):
                return {key}
        raise self._no_value(field, value)

    def resolve_status(self, field: str, value: Value) -> set[str | None]:
        wanted = value.text.casefold()
        for name, (status_id, _category) in JIRA_STATUSES.items():
            if wanted in (name.casefold(), status_id):
                return {name}
        raise self._no_value(field, value)

    def resolve_assignee(self, field: str, value: Value) -> set[str | None]:
        if value.empty:
            return {None}
        if value.function:
            if value.text.casefold() == "currentuser":
                return {self.current_user}
            raise JqlError(f"Unable to find JQL function '{value.text}()'.")
        user = self.state.jira_user(value.text)
        if user is None:
            raise self._no_value(field, value)
        return {user.name}

    resolve_reporter = resolve_assignee

    def resolve_priority(self, field: str, value: Value) -> set[str | None]:
        for priority_id, name in PRIORITIES.items():
            if value.text.casefold() in (name.casefold(), priority_id):
                return {name}
        raise self._no_value(field, value)

    def resolve_issuetype(self, field: str, value: Value) -> set[str | None]:
        for type_id, name in ISSUE_TYPES.items():
            if value.text.casefold() in (name.casefold(), type_id):
                return {name}
        raise self._no_value(field, value)

    def resolve_component(self, field: str, value: Value) -> set[str | None]:
        if value.empty:
            return {None}
        for project in self.state.jira_projects:
            for name in project.components:
                if name.casefold() == value.text.casefold():
                    return {name}
        raise self._no_value(field, value)


def _custom_field(field: str) -> str | None:
    match = re.fullmatch(r"cf\[(\d+)\]", field, re.IGNORECASE)
    if match:
        field_id = f"customfield_{match.group(1)}"
        return field_id if field_id in CUSTOM_FIELDS else None
    return next(
        (fid for fid, (name, _t) in CUSTOM_FIELDS.items() if name.casefold() == field.casefold()),
        None,
    )


def _date_value(issue: JiraIssue, name: str) -> datetime | None:
    if name == "duedate":
        if issue.duedate is None:
            return None
        return datetime(issue.duedate.year, issue.duedate.month, issue.duedate.day, tzinfo=UTC)
    value: datetime = getattr(issue, name)
    return value


_COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}
_FIELD_ALIASES = {
    "issuekey": "key",
    "id": "key",
    "type": "issuetype",
    "due": "duedate",
    "components": "component",
}
_GETTERS: dict[str, Callable[[JiraIssue], set[str | None]]] = {
    "project": lambda i: {i.project},
    "key": lambda i: {i.key},
    "labels": lambda i: set(i.labels) if i.labels else {None},
    "statuscategory": lambda i: {i.status_category},
    "status": lambda i: {i.status},
    "assignee": lambda i: {i.assignee},
    "reporter": lambda i: {i.reporter},
    "priority": lambda i: {i.priority},
    "issuetype": lambda i: {i.issue_type},
    "component": lambda i: set(i.components) if i.components else {None},
}
_FIELD_NAMES = {*_GETTERS, "created", "updated", "duedate", "summary"}


def parse_jql(text: str, state: State, *, now: datetime, current_user: str) -> Query:
    """Parse ``text`` against the sandbox's projects and users; raise ``JqlError`` like Jira."""
    return _Parser(text, state, now=now, current_user=current_user).parse()
