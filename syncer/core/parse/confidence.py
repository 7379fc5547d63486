"""How sure the parser is that each candidate is an action item, from the evidence around it.

Every candidate found in an action section (or as a labelled or committed line elsewhere) is
scored in points, one line of evidence each (see ``_own_evidence`` and ``_unit_evidence``):

- for: a task-list box (+3), an owner or due date (+2) or a ticket it names (+1), a table with
  an owner, due, ticket or status column (+1), the section's heading (+2 for "Action items",
  "Remediation", "Next steps"; +1 for less sure words such as "Improvements", "Prevention";
  +3 under an ``<!-- syncer: items -->`` marker), an ``Action point:`` label (+3), a commitment
  ("we will ...", +2) or an imperative verb ("Add", "Migrate", +1);
- against: a timestamp (-4, a timeline entry), words to operators, users or customers ("your",
  "Operators should now:" above the list, -2 to -3), a bare link or a version string (-3), a
  question (-2), prose with no commitment (-1).

A list or a table is decided as a unit where its items share a form: when most siblings pass,
a sibling one point short passes too; when most fail, a sibling that passed on the section's
word alone fails with them. Then a section whose candidates are mostly rejected loses the rest
of its unconfirmed ones. The points become a confidence between 0 and 1 (``PASS`` points give
0.62, one point fewer 0.38); candidates at or above the threshold (``DEFAULT_CONFIDENCE`` unless
the source says otherwise) are items, the others possible follow-ups.

Pure, and no word lists of headings: the evidence is the form of the text around the item.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from syncer.core.parse.items import Draft
from syncer.core.parse.sections import COMMITMENT
from syncer.core.parse.wording import wordset
from syncer.model import Assessment

DEFAULT_CONFIDENCE = 0.5
"""The threshold a candidate's confidence must reach to be ticketed; chosen for precision."""

PASS = 2
"""Points at which a candidate is confident at the default threshold."""

_TIMESTAMP = re.compile(
    r"^\s*(?:\*\*|__)?\(?(?:\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}|"
    r"\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|(?:mon|tue|wed|thu|fri|sat|sun)\w*\s+\d{1,2}:\d{2})",
    re.IGNORECASE,
)
_SECOND_PERSON = re.compile(r"\b(?:your|you|yourself)\b", re.IGNORECASE)
# The sentence that introduces a list ("Relay operators should now:", "If you self-host, do
# the following:") says whom the list is for. Only a sentence ending in a colon counts: "Users
# need not do anything." above a list of the team's tasks says nothing of the list.
_AUDIENCE = re.compile(
    r"(?:\b(?:operators?|users?|customers?|clients?|validators?|node runners|you|your|"
    r"everyone|developers|admins?|administrators?)\b[^.:!?]{0,80}|\binstructions?\b[^.:!?]{0,80})"
    r":\s*$",
    re.IGNORECASE,
)
# "Operators should restart ...", "Customers must rotate ...": advice, not the team's work.
_ADDRESSED = re.compile(
    r"^(?:all |our |self-hosting |affected )?(?:node )?(?:operators?|users?|customers?|clients?|"
    r"validators?|admins?|administrators?|developers?)\b[^.]{0,40}?\b(?:should|must|need to|"
    r"are advised|are encouraged|can)\b",
    re.IGNORECASE,
)
_VERSION = re.compile(
    r"^[\w .()/-]{1,40}:\s*(?:v?\d+\.\d+(?:\.\d+)?\S*|[\w.-]+ branch|branch\b.*)$"
    r"|^[\w .()-]{1,40}\bbranch:\s*\S+$|^v?\d+\.\d+\.\d+\S*$",
    re.IGNORECASE,
)
_PAST_NARRATIVE = re.compile(
    r"^(?:the|this|it|there|we|our|they|a|an)\s+(?:\w+\s+){0,3}(?:was|were|had|did|went|"
    r"happened|caused|took|became|is|are)\b",
    re.IGNORECASE,
)
# Verbs that open a task ("Add alerting", "Migrate the table"): the common ones, and the forms
# that are verbs whatever the word ("-ize", "-ify").
_VERBS = wordset(
    """add adopt alert allow analyse analyze apply archive assess audit automate back backfill
    block build bump capture change check clarify clean close collect communicate complete
    configure confirm consider consolidate contact continue coordinate create decommission
    define delete deploy deprecate design detect determine disable document draft drop enable
    enforce engage ensure escalate establish evaluate expand explore expose extend file finish
    fix follow formalise formalize gather get handle harden hire identify implement improve
    include increase install integrate introduce investigate isolate keep limit lock log look
    lower maintain make measure merge migrate monitor move notify open patch pin plan port
    prepare prevent prioritise prioritize protect provide publish purge put raise reach rebuild
    reconfigure record reduce refactor release remove rename reorganise replace require
    research restore restrict retire revert review revisit rework rewrite roll rotate run
    schedule scope separate set share ship simplify split standardise standardize start stop
    streamline support switch tag tighten track train tune turn update upgrade use validate
    verify write"""
)
_VERB_FORM = re.compile(r"^[a-z]{3,}(?:ize|ise|ify)$")
_ARTICLES = wordset("the a an our all every each its their this these those")
_NOT_VERBS = wordset(
    "of in on at for from to by with about after before during since and or but as is was "
    "are were be been all both each"
)
_LEAD = re.compile(r"^[^A-Za-z]*")


def assess(drafts: list[Draft]) -> list[Assessment]:
    """The confidence and evidence of each candidate, in the order given."""
    # The evidence of a list or table as a whole is the same for each of its items.
    shared: dict[tuple[str | None, int, str | None, bool, str], list[tuple[int, str]]] = {}
    scored = []
    for draft in drafts:
        unit_key = (draft.section, draft.strength, draft.group, draft.columns, draft.intro)
        if unit_key not in shared:
            shared[unit_key] = _unit_evidence(draft)
        scored.append(_own_evidence(draft) + shared[unit_key])
    points = [sum(weight for weight, _ in evidence) for evidence in scored]
    hard = [_confirmed(draft) for draft in drafts]
    vetoed = [any(weight <= -3 for weight, _ in evidence) for evidence in scored]

    units: dict[tuple[str | None, int], list[int]] = defaultdict(list)
    for index, draft in enumerate(drafts):
        units[(draft.section, draft.unit)].append(index)
    for members in units.values():
        if len(members) < 2:
            continue
        passing = sum(points[i] >= PASS for i in members)
        if passing * 2 > len(members):
            # Two points short when two thirds pass: a question among the tasks of a list.
            reach = 2 if passing * 3 >= 2 * len(members) else 1
            for i in members:
                if PASS - reach <= points[i] < PASS and not vetoed[i]:
                    lift = PASS - points[i]
                    scored[i].append((lift, "siblings in the same list are clearly action items"))
                    points[i] = PASS
        elif passing * 3 <= len(members):
            for i in members:
                if points[i] >= PASS and not hard[i] and points[i] < PASS + 2:
                    scored[i].append((-(points[i] - PASS + 1), "most siblings are rejected"))
                    points[i] = PASS - 1

    sections: dict[str | None, list[int]] = defaultdict(list)
    for index, draft in enumerate(drafts):
        sections[draft.section].append(index)
    for members in sections.values():
        rejected = sum(points[i] < PASS for i in members)
        if len(members) >= 4 and rejected * 3 >= 2 * len(members):
            for i in members:
                if PASS <= points[i] < PASS + 2 and not hard[i]:
                    scored[i].append((-(points[i] - PASS + 1), "most of its section is rejected"))
                    points[i] = PASS - 1

    # Built from checked parts, so not validated again: there is one per candidate.
    return [
        Assessment.model_construct(
            confidence=_confidence(total),
            evidence=tuple(
                f"{'+' if weight > 0 else '-'}{abs(weight)} {reason}"
                for weight, reason in sorted(evidence, key=lambda e: -abs(e[0]))
            ),
            section=draft.section,
        )
        for total, evidence, draft in zip(points, scored, drafts, strict=True)
    ]


def _confidence(points: int) -> float:
    return round(1 / (1 + math.exp(-(points - PASS + 0.5))), 2)


def _confirmed(draft: Draft) -> bool:
    """Whether the author's own marks make a candidate an item: a box, owner or due date."""
    fields = draft.fields
    return fields.checkbox or bool(fields.owner or fields.due) or draft.strength >= 3


def _own_evidence(draft: Draft) -> list[tuple[int, str]]:
    fields = draft.fields
    title = " ".join(fields.title.split())
    evidence: list[tuple[int, str]] = []
    if fields.checkbox:
        evidence.append((3, "task-list box"))
    if fields.owner:
        evidence.append((2, "owner"))
    if fields.due:
        evidence.append((2, "due date"))
    if fields.tickets and not draft.group_tracked:
        evidence.append((1, "ticket"))
    if draft.form == "label":
        evidence.append((3, "'Action point:' label"))
    if _TIMESTAMP.match(title):
        evidence.append((-4, "starts with a time (a timeline entry)"))
    if _VERSION.match(title):
        evidence.append((-3, "a version or branch to install, not a task"))
    elif _bare_link(draft):
        evidence.append((-3, "a bare link to a resource"))
    if _ADDRESSED.match(title):
        evidence.append((-3, "advice to operators, users or customers"))
    elif _SECOND_PERSON.search(title):
        evidence.append((-2, "speaks to the reader ('you', 'your')"))
    if title.endswith("?") and not fields.checkbox:
        evidence.append((-2, "a question"))
    commits = bool(COMMITMENT.match(title))
    if commits:
        evidence.append((2, "a commitment ('we will ...')"))
    elif _imperative(title):
        evidence.append((1, "starts with a verb ('add', 'migrate')"))
    elif draft.form == "prose":
        evidence.append((-1, "prose with no commitment"))
    elif _PAST_NARRATIVE.match(title) and not fields.done:
        evidence.append((-1, "an observation, not a task"))
    return evidence


def _unit_evidence(draft: Draft) -> list[tuple[int, str]]:
    evidence: list[tuple[int, str]] = []
    if draft.strength >= 3:
        evidence.append((3, "under an <!-- syncer: items --> marker"))
    elif draft.strength == 2:
        evidence.append((2, f"under action-item heading {draft.section!r}"))
    elif draft.strength == 1:
        evidence.append((1, f"under heading {draft.section!r}, which may hold action items"))
    if draft.columns:
        evidence.append((1, "table with owner, due, ticket or status columns"))
    intro = " ".join(draft.intro.split())[-200:]
    if intro and _AUDIENCE.search(intro):
        evidence.append((-3, "the text above addresses operators, users or customers"))
    group = draft.group or ""
    if group and _TIMESTAMP.match(group):
        evidence.append((-3, "under a timeline heading"))
    return evidence


def _imperative(title: str) -> bool:
    words = _LEAD.sub("", title).split(maxsplit=1)
    if not words:
        return False
    word = words[0].lower().strip(".,:;")
    if word in _VERBS or _VERB_FORM.match(word):
        return True
    # "Cap the cache", "Page an engineer": a word then an article is a verb and its object.
    rest = words[1].split(maxsplit=1) if len(words) > 1 else []
    return bool(rest) and rest[0].lower() in _ARTICLES and word.isalpha() and word not in _NOT_VERBS


def _bare_link(draft: Draft) -> bool:
    """An item that is a short name linking to a page: "Block explorer", "Snapshots"."""
    title = draft.fields.title
    return (
        draft.fields.link_only
        and not draft.fields.tickets
        and len(title.split()) <= 6
        and not draft.fields.checkbox
        and not _imperative(title)
    )
