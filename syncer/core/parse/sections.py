"""Finding the parts of a post-mortem that list action items, and the groups inside them.

An action section starts at a heading that names follow-up work, at any level, ATX or setext,
with or without numbering or an emoji, and runs until the next heading of the same or a higher
level. Headings are scored on their word stems, part by part, not matched against a list of
titles (see ``is_action_heading``). Sub-headings inside a section are groups ("Completed",
"Short-term", a component name); a group heading that says complete or planned gives its items
that state, and a tracking-issue link in a group heading tracks the group's items.

Some documents put the section in a label instead of a heading: a list item
``- **Review actions**:`` with the items nested under it or following it in the same list (or
in the list right after, when the label ends its list), or a paragraph ``**Action items:**``
(or a plain ``Next steps:`` line) directly above a list, a table or (bold only) a paragraph of
one item per line. Words in brackets describe a heading without naming it: "Action items
(owner, due date)".

Only top-level headings open sections: a heading quoted in a block quote does not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from syncer.core.parse.fields import find_text_tickets, parse_ticket_url, remove_ticket_links
from syncer.core.parse.markdown import InlineLine, Parsed, iter_blocks, join_lines, render_inline
from syncer.model import TicketRef

# Headings are read as word stems, so that "Measure" and "Measures", "Preventive" and
# "Preventative", "Follow-up" and "Followups" are one word, and scored rather than matched
# against a list of titles: see ``is_action_heading``.
_STRONG = ("action", "followup", "remedi", "correcti", "prevent", "countermeasure", "todo",
           "recommend", "improv")  # fmt: skip
# Words that begin like a strong stem but say something else: "Was it preventable?",
# "Capacity", "Correctness".
_NOT_STRONG = ("preventab", "improvis")
_EXACT_STRONG = frozenset({"capa", "corrective", "remedial"})
# Words that name follow-up work only next to a kind of work: "Next steps", "Repair items".
_QUALIFIER = ("mitigat", "repair", "recover", "future", "plan", "review", "outstanding",
              "remain", "propos", "fix", "chang", "bug")  # fmt: skip
_EXACT_QUALIFIER = frozenset({"next", "work", "open"})
# Kinds of work, singular or plural: "item", "steps", "fixes".
_WORK_WORDS = ("item", "task", "step", "measure", "work", "point", "list", "plan", "fix", "ticket",
               "bug", "issue", "change")  # fmt: skip
_WORK = frozenset(word + ending for word in _WORK_WORDS for ending in ("", "s", "es"))
# A heading naming one of these is another section, whatever else it says: "Actions taken",
# "Follow-up meeting notes", "Advice to customers", "What could have gone better".
_DECOY = ("timeline", "lesson", "learn", "went", "lucky", "resolution", "summar", "impact",
          "detect", "trigger", "cause", "background", "contribut", "glossar", "referenc",
          "appendi", "advice", "advis", "customer", "operator", "taken", "during", "perform",
          "execut", "checklist", "meeting", "note", "template", "status", "could", "did",
          "history", "overview", "context", "respon", "whys")  # fmt: skip
# "What we are doing about it", "Changes we'll make", "How do we avoid this?".
_WE_AUX = frozenset({"will", "are", "is", "going", "shall", "do", "can", "should", "plan", "must"})
_WE_WORK = ("do", "doing", "chang", "mak", "tak", "improv", "fix", "prevent", "avoid", "stop",
            "differ")  # fmt: skip
_FILED = frozenset({"filed", "opened", "created", "raised", "logged"})
_PART_SPLIT = re.compile(r"\s+(?:and|plus)\s+|\s*&\s*")
_SEPARATOR = re.compile(r"[/,+;|]")
_CANONICAL = (
    (re.compile(r"\bfollow[\s-]*ups?\b"), "followup"),
    (re.compile(r"\bto[\s-]*dos?\b"), "todo"),
    (re.compile(r"\bpost[\s-]*(?:mortem|incident)\b"), "postmortem"),
    (re.compile(r"\bwhat'?s\b"), "what is"),
    (re.compile(r"\b(we|they)'re\b"), r"\1 are"),
    (re.compile(r"\b(we|they|i)'ll\b"), r"\1 will"),
    (re.compile(r"\b(we|they|i)'ve\b"), r"\1 have"),
    (re.compile(r"'s?\b|-"), " "),
)


def _starts(word: str, stems: tuple[str, ...]) -> bool:
    return word.startswith(stems)


def _part_names_work(words: list[str]) -> bool:
    """Whether one part of a heading ("next steps" in "Lessons learned and next steps") names
    follow-up work."""
    if not words:
        return False
    if any(_starts(word, _DECOY) for word in words) and not _head_is_strong(words):
        return False
    if any(
        word in _EXACT_STRONG or (_starts(word, _STRONG) and not _starts(word, _NOT_STRONG))
        for word in words
    ):
        return True
    qualifiers = {
        n for n, word in enumerate(words) if word in _EXACT_QUALIFIER or _starts(word, _QUALIFIER)
    }
    nouns = {n for n, word in enumerate(words) if word in _WORK}
    if qualifiers and nouns and (len(qualifiers | nouns) > 1):
        return True
    if len(words) == 1 and words[0] in {"task", "tasks", "measure", "measures"}:
        return True
    if "we" in words and _WE_AUX.intersection(words) and any(_starts(w, _WE_WORK) for w in words):
        return True
    if _FILED.intersection(words) and nouns:
        return True
    # "What's next", "What comes next"; not "What happened next".
    return words[0] == "what" and words[-1] == "next" and words[1:-1] in ([], ["is"], ["comes"])


_PREPOSITIONS = frozenset({"of", "for", "in", "on", "to", "from", "after", "during", "since"})


def _is_strong(word: str) -> bool:
    return word in _EXACT_STRONG or (_starts(word, _STRONG) and not _starts(word, _NOT_STRONG))


def _head_is_strong(words: list[str]) -> bool:
    """Whether the head noun of a part (its last word before any preposition) is a strong
    word: "Root cause remediations" names follow-up work, "Timeline of improvements" does not.
    A timestamp or a time zone in the part is a timeline entry's heading whatever its words."""
    if any(_TIME_WORD.match(word) for word in words):
        return False
    head = words
    for n, word in enumerate(words):
        if word in _PREPOSITIONS:
            head = words[:n]
            break
    return (
        bool(head) and _is_strong(head[-1]) and not any(_starts(word, _ELSEWHERE) for word in words)
    )


_TIME_WORD = re.compile(r"^(?:\d{1,2}:\d{2}|utc|gmt|[01]?\d(?:am|pm)|cont'?d)$")
# The stems whose parts name follow-up work beyond doubt: "Action items", "Remediation",
# "Corrective actions", "Follow-ups", "TODO". Other stems ("improvement", "prevention",
# "recommendations") name it less surely: see ``heading_strength``.
_CORE = ("action", "followup", "remedi", "correcti", "countermeasure", "todo")


def heading_strength(text: str) -> int:
    """How surely an action heading names follow-up work: 2 for a core word ("Action items",
    "Remediation", "Next steps") with nothing else beside it, 1 for the rest ("Improvements",
    "Prevention", "Current status and next steps"). 0 for a heading that is no action heading."""
    if not is_action_heading(text):
        return 0
    words = normalise_heading(_PARENTHETICAL.sub(" ", _SEPARATOR.sub(" & ", text)))
    for pattern, replacement in _CANONICAL:
        words = pattern.sub(replacement, words)
    parts = [part.split() for part in _PART_SPLIT.split(words.replace("?", " ")) if part.split()]
    core = any(_starts(word, _CORE) or word in _EXACT_STRONG for part in parts for word in part)
    if any(not _part_names_work(part) for part in parts):
        # "Lessons learned and action items" names its list; "Current status and next
        # steps" may mean the status's instructions as much as follow-up work.
        return 2 if core else 1
    qualified = any(
        word in _WORK and any(w in _EXACT_QUALIFIER or _starts(w, _QUALIFIER) for w in part)
        for part in parts
        for word in part
    )
    we_do = any("we" in part for part in parts)
    # "Preventive actions", "Preventative measures": a strong word next to a kind of work.
    paired = any(
        any(_is_strong(w) for w in part) and any(w in _WORK for w in part) for part in parts
    )
    return 2 if core or qualified or we_do or paired else 1


_OTHER_SECTION = re.compile(
    r"^(?:timeline|lessons? learned|root causes?|summary|impact|what went (?:well|wrong)|"
    r"where we got lucky|supporting information|appendix|stats|detection|resolution|"
    r"background|trigger|contributing factors|glossary|references)$"
)
_DONE_GROUP = re.compile(
    r"\b(?:completed?|done|finished|closed|resolved|fixed|implemented|shipped"
    r"|already (?:done|fixed))\b"
)
_OPEN_GROUP = re.compile(
    r"\b(?:in[ -]progress|planned|open|todo|to do|not done|incomplete|outstanding|pending"
    r"|remaining|ongoing)\b"
)


_LISTS = frozenset({"bullet_list_open", "ordered_list_open", "table_open"})
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*|[ivx]+|[a-z])[.)]?\s+")
_STEP = re.compile(r"^\s*(?:step|section|part)\s+\d+\s*[-:]?\s*")


@lru_cache(maxsize=4096)
def normalise_heading(text: str) -> str:
    """Heading words only: no emoji, numbering, punctuation or case."""
    text = text.replace("\u2019", "'")
    text = "".join(
        ch if unicodedata.category(ch)[0] in "LNZ" or ch in "-&'?" else " " for ch in text
    )
    text = text.lower()
    text = _NUMBERING.sub("", text)
    text = _STEP.sub("", text)
    text = text.replace("?", " ")
    return " ".join(text.split()).strip(" -&")


_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")


# Documents share their headings ("Summary", "Timeline"): each is scored once.
@lru_cache(maxsize=4096)
def is_action_heading(text: str) -> bool:
    """Whether a heading (or a bold label) names a list of follow-up work.

    The heading's words are split into parts at "and", "&", "/" and commas; it holds action
    items when one part names follow-up work (a word of ``_STRONG``, a qualifier next to a kind
    of work, "what we will do ...") and says nothing of another section (``_DECOY``). Words in
    brackets describe the heading and are left out: "Action items (owner, due date)".
    """
    # "/" and "," separate parts as "and" does ("Lessons learned / Action items").
    text = _SEPARATOR.sub(" & ", text)
    full = normalise_heading(text)
    if not full or len(full) > 80:
        return False
    words = normalise_heading(_PARENTHETICAL.sub(" ", text)) if "(" in text else full
    for pattern, replacement in _CANONICAL:
        words = pattern.sub(replacement, words)
    return any(
        _part_names_work(part.split()) for part in _PART_SPLIT.split(words.replace("?", " "))
    )


def group_state(text: str) -> bool | None:
    """What a group heading says of its items: done ("Completed"), not done ("Planned",
    "In progress", "Planned actions (planned or in-progress)"), or nothing ("Database")."""
    words = normalise_heading(text)
    if _OPEN_GROUP.search(words):
        return False
    return True if _DONE_GROUP.search(words) else None


def inherit_state(own: bool | None, outer: bool | None) -> bool | None:
    """A group's state: its own heading's word, else that of the group around it."""
    return outer if own is None else own


@dataclass
class Group:
    """A run of blocks inside an action section that share a group heading (or none)."""

    name: str | None
    done: bool | None
    tickets: list[TicketRef]
    blocks: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Section:
    """One action-item section: its heading line and its groups in document order."""

    title: str
    line: int
    groups: list[Group]
    strength: int = 2
    """``heading_strength`` of its heading; 3 when the author confirmed it with a marker."""
    form: str = "items"
    """How its blocks hold items: "items" (lists, tables, one item per line), "headings" (a
    sub-heading with a paragraph per item), "prose" (a paragraph per item, titled by its first
    sentence) or "label" (``Action point: ...`` paragraphs)."""


def render_heading(parsed: Parsed, index: int) -> str:
    """The plain text of the heading opened at ``tokens[index]``."""
    inline = parsed.tokens[index + 1]
    return " ".join(join_lines(render_inline(inline.content, parsed.env)).text.split())


# ", tracked in https://...", "(follow along: <https://...>)" at the end of a group heading.
_TRAILING_TRACKER = re.compile(
    r"[\s,;:(\[\u2013\u2014-]*(?:(?:tracked|tracking|follow(?:ed)? along)(?:\s+(?:in|at|here|by))?"
    r"\s*:?\s*)?<?https?://\S+?>?[\s)\]]*$",
    re.IGNORECASE,
)


def split_group_label(line: InlineLine) -> tuple[str, list[TicketRef]]:
    """A group label's name and the tracking issues it links to: ``Short-term ([follow
    along](https://github.com/o/r/issues/1))`` -> ``("Short-term", [o/r#1])``."""
    refs = [ref for link in line.links if (ref := parse_ticket_url(link.href)) is not None]
    refs.extend(find_text_tickets(line.text)[0])
    if not refs:
        return " ".join(line.text.split()), refs
    name = remove_ticket_links(line) or " ".join(line.text.split())
    if "://" in name:
        name = _TRAILING_TRACKER.sub("", name) or name
    return name, refs


def _heading_line(parsed: Parsed, index: int) -> InlineLine:
    return join_lines(render_inline(parsed.tokens[index + 1].content, parsed.env))


def _bold_label(parsed: Parsed, paragraph_index: int) -> str | None:
    """The label of a paragraph that is only ``**Label**`` or ``**Label:**``, else None."""
    inline = parsed.tokens[paragraph_index + 1]
    content = inline.content.strip()
    if not content.startswith(("**", "__")) or "\n" in content or len(content) > 120:
        return None
    lines = render_inline(content, parsed.env)
    line = lines[0]
    if line.lead_strong is None:
        return None
    rest = line.text.strip().removeprefix(line.lead_strong).strip(" :")
    return None if rest else line.lead_strong.strip(" :")


def _colon_label(parsed: Parsed, paragraph_index: int) -> str | None:
    """The label of a paragraph that is one short line ending in a colon: ``Follow-ups:``."""
    content = parsed.tokens[paragraph_index + 1].content.strip()
    if "\n" in content or not content.endswith(":") or len(content.split()) > 6:
        return None
    return " ".join(render_inline(content, parsed.env)[0].text.split()).rstrip(" :") or None


# Sections whose lists are never follow-up work, whatever label a line in them carries:
# "Actions:" in a timeline is what was done then.
# ("Lessons learned" is not one: "**Action items:**" often closes it.)
_ELSEWHERE = ("timeline", "taken", "during", "perform", "execut", "advice", "advis", "customer",
              "operator", "appendi", "glossar", "chat")  # fmt: skip


@lru_cache(maxsize=4096)
def _names_other_section(text: str) -> bool:
    words = normalise_heading(text).replace("-", " ").split()
    return any(word.startswith(_ELSEWHERE) for word in words) and not is_action_heading(text)


_TIMELINE = re.compile(r"\b(?:timeline|chronolog\w*|sequence of events)\b")
MARKER = re.compile(r"<!--\s*syncer:\s*items\s*-->", re.IGNORECASE)
# "Action point: improve the fork monitor" as a paragraph of its own, anywhere but a timeline.
_LABELLED = re.compile(
    r"^\s*(?:\*\*|__)?(action[ -]?(?:points?|items?)|follow[ -]?ups?|to[ -]?dos?)\s*:?(?:\*\*|__)?"
    r"\s*:\s*(?=\S)",
    re.IGNORECASE,
)
# Headings over prose that looks ahead without naming a kind of work: "Looking forward",
# "What is being done about this?", "Going forward".
_AHEAD = re.compile(
    r"^(?:looking|going|moving) forward\b|\bwhat (?:is|are) (?:being done|we doing|changing)\b"
)
# Headings whose lists may carry commitments ("we will ...") among lessons and observations.
_REFLECTIVE = ("lesson", "learn", "forward", "future", "recover", "takeaway", "reflect")


def labelled_item(text: str) -> int:
    """Where the item text starts in ``Action point: ...``, or 0 for another paragraph."""
    match = _LABELLED.match(text)
    if match is None or len(text[match.end() :].split("\n", 1)[0].strip("*_ ").split()) < 2:
        return 0  # "**Action items:**" alone heads a list: a label, not a labelled item
    return match.end()


def find_sections(parsed: Parsed) -> list[Section]:
    """Every action section in the document, in order."""
    tokens = parsed.tokens
    top = iter_blocks(parsed, 0, len(tokens))
    sections: list[Section] = []
    position = 0
    # Under a heading such as "Timeline", labels do not open sections, and neither do its
    # sub-headings ("### 14:30 UTC: network health improvement").
    elsewhere = False
    reflective = False
    trail: list[tuple[int, bool, bool]] = []  # (level, a timeline, lessons) of the headings
    while position < len(top):
        start, stop = top[position]
        token = tokens[start]
        if elsewhere and token.type != "heading_open":
            position += 1
            continue
        if (
            token.type == "html_block"
            and MARKER.search(token.content)
            and position + 1 < len(top)
            and tokens[top[position + 1][0]].type in _LISTS
        ):
            # The author's own word: the list or table below holds action items.
            section = _flat_section("syncer: items", _line(token), [top[position + 1]])
            section.strength = 3
            sections.append(section)
            position += 2
            continue
        if token.type == "heading_open":
            text = render_heading(parsed, start)
            level = int(token.tag[1:])
            while trail and trail[-1][0] >= level:
                trail.pop()
            inside_other = any(other for _, other, _ in trail)
            elsewhere = _names_other_section(text) or inside_other
            # Only a timeline's sub-headings are its entries ("### 14:30 UTC: improvement");
            # a document title that says "during" does not hide the whole document.
            words = normalise_heading(text)
            # "## Lessons learned" > "### Communication": the sub-heading's lists are lessons too.
            own = any(word.startswith(_REFLECTIVE) for word in words.split())
            reflective = own or any(flag for _, _, flag in trail)
            trail.append((level, inside_other or bool(_TIMELINE.search(words)), own))
            ahead = bool(_AHEAD.search(words))
            if (is_action_heading(text) or ahead) and not inside_other:
                level = int(token.tag[1:])
                end = position + 1
                while end < len(top):
                    other = tokens[top[end][0]]
                    if other.type == "heading_open" and (
                        int(other.tag[1:]) <= level
                        # A mis-levelled "## Timeline" under "# Action items" is not a group.
                        or _OTHER_SECTION.match(
                            normalise_heading(render_heading(parsed, top[end][0]))
                        )
                    ):
                        break
                    end += 1
                section = _section(parsed, text, start, top[position + 1 : end])
                section.strength = (
                    1 if ahead and not is_action_heading(text) else (heading_strength(text))
                )
                section.form = _section_form(parsed, top[position + 1 : end])
                sections.append(section)
                position = end
                continue
        elif token.type == "paragraph_open" and labelled_item(tokens[start + 1].content):
            blocks = [top[position]]
            # "- This has been done." right below: the point's details.
            if position + 1 < len(top) and tokens[top[position + 1][0]].type in _LISTS:
                blocks.append(top[position + 1])
                position += 1
            section = _flat_section("action point", _line(token), blocks)
            section.form = "label"
            sections.append(section)
        elif (
            reflective
            and token.type in {"paragraph_open", "bullet_list_open", "ordered_list_open"}
            and _commits(parsed, start, stop)
        ):
            # "Going forward, we will ..." among the lessons: commitments, not observations.
            section = _flat_section("commitments", _line(token), [top[position]])
            section.strength = 0
            section.form = "prose" if token.type == "paragraph_open" else "items"
            sections.append(section)
        elif token.type == "paragraph_open":
            label = _bold_label(parsed, start)
            # "**Action items:**" above a list, a table, or items one per line; a plain
            # "Follow-ups:" line only above a list or a table.
            takes = _LISTS | {"paragraph_open"} if label else _LISTS
            label = label or _colon_label(parsed, start)
            if label and is_action_heading(label) and position + 1 < len(top):
                below = top[position + 1]
                if tokens[below[0]].type in takes:
                    sections.append(_flat_section(label, _line(token), [below]))
                    position += 2
                    continue
        elif token.type == "bullet_list_open":
            after = top[position + 1] if position + 1 < len(top) else None
            found, took_next = _labelled_list_sections(parsed, start, stop, after)
            sections.extend(found)
            position += 2 if took_next else 1
            continue
        position += 1
    return sections


def _line(token: object) -> int:
    mapping = getattr(token, "map", None)
    return mapping[0] + 1 if mapping else 1


def _section(
    parsed: Parsed, title: str, heading_index: int, blocks: list[tuple[int, int]]
) -> Section:
    tokens = parsed.tokens
    # The section's own heading can say what a group heading says: "Completed action items",
    # "Follow-ups ([tracking epic](...))".
    _, section_tickets = split_group_label(_heading_line(parsed, heading_index))
    section_state = group_state(title)
    groups = [Group(name=None, done=section_state, tickets=section_tickets)]
    # (level, name, done, tickets) of the sub-headings that enclose the current block.
    trail: list[tuple[int, str, bool | None, list[TicketRef]]] = [
        (0, title, section_state, section_tickets)
    ]
    for block in blocks:
        token = tokens[block[0]]
        if token.type == "heading_open":
            level = int(token.tag[1:])
            while len(trail) > 1 and trail[-1][0] >= level:
                trail.pop()
            name, tickets = split_group_label(_heading_line(parsed, block[0]))
            # The done test reads the heading as written: "Immediate actions (completed)".
            done = inherit_state(group_state(render_heading(parsed, block[0])), trail[-1][2])
            # Items are tracked in the issue of the innermost group that names one.
            tracked = tickets or trail[-1][3]
            trail.append((level, name, done, tracked))
            groups.append(Group(name=name, done=done, tickets=tracked))
            continue
        groups[-1].blocks.append(block)
    return Section(
        title=title,
        line=_line(tokens[heading_index]),
        groups=[group for group in groups if group.blocks or group.name],
    )


def _labelled_list_sections(
    parsed: Parsed, start: int, stop: int, following: tuple[int, int] | None
) -> tuple[list[Section], bool]:
    """Sections opened by ``- **Review actions**:`` items of a list, and whether the last one
    takes ``following`` (the block after the list) as its items.

    The items of such a label are its nested list; a label with none takes the items after it
    in the same list, up to the next label (``- **Impact**: ...``), or, when it ends the list,
    the list or table right after it.
    """
    tokens = parsed.tokens
    sections: list[Section] = []
    entries = iter_blocks(parsed, start + 1, stop - 1)
    position = 0
    while position < len(entries):
        item_start, item_stop = entries[position]
        position += 1
        if not _starts_with_label(parsed, (item_start, item_stop)):
            continue
        children = iter_blocks(parsed, item_start + 1, item_stop - 1)
        if not children or tokens[children[0][0]].type != "paragraph_open":
            continue
        label = _bold_label(parsed, children[0][0])
        if not label or not is_action_heading(label):
            continue
        line = _line(tokens[item_start])
        lists = [child for child in children[1:] if tokens[child[0]].type in _LISTS]
        if lists:
            sections.append(_flat_section(label, line, lists))
            continue
        siblings: list[tuple[int, int]] = []
        while position < len(entries) and not _starts_with_label(parsed, entries[position]):
            siblings.append(entries[position])
            position += 1
        if siblings:
            sections.append(_flat_section(label, line, siblings))
        elif position == len(entries) and following and tokens[following[0]].type in _LISTS:
            sections.append(_flat_section(label, line, [following]))
            return sections, True
    return sections, False


def _flat_section(title: str, line: int, blocks: list[tuple[int, int]]) -> Section:
    return Section(
        title=title, line=line, groups=[Group(name=None, done=None, tickets=[], blocks=blocks)]
    )


def _starts_with_label(parsed: Parsed, entry: tuple[int, int]) -> bool:
    """Whether a list item opens with a bold label (``- **Impact**: none``)."""
    inline = parsed.tokens[entry[0] + 2] if entry[0] + 2 < entry[1] else None
    if inline is None or inline.type != "inline" or not inline.content.startswith(("**", "__")):
        return False
    lines = render_inline(inline.content.split("\n", 1)[0], parsed.env)
    lead = lines[0].lead_strong
    return bool(lead) and lines[0].text.startswith(lead or "")


COMMITMENT = re.compile(
    r"^(?:[^.!?:]{0,90},\s*)?(?:we|i)(?:'ll|\u2019ll| will| are going to| plan to| intend to|"
    r" shall| are committed to)\b",
    re.IGNORECASE,
)


def _commits(parsed: Parsed, start: int, stop: int) -> bool:
    """Whether a paragraph, or most items of a list, open with a commitment: "We will add
    monitoring", "Lastly, we will upgrade ..."."""
    tokens = parsed.tokens
    if tokens[start].type == "paragraph_open":
        return bool(COMMITMENT.match(tokens[start + 1].content))
    entries = iter_blocks(parsed, start + 1, stop - 1)
    said = 0
    for entry_start, _ in entries:
        inline = tokens[entry_start + 2] if entry_start + 2 < stop else None
        if inline is not None and inline.type == "inline" and COMMITMENT.match(inline.content):
            said += 1
    return bool(entries) and said * 2 >= len(entries)


def _section_form(parsed: Parsed, blocks: list[tuple[int, int]]) -> str:
    """How a section's blocks hold its items (see ``Section.form``)."""
    tokens = parsed.tokens
    kinds = [tokens[start].type for start, _ in blocks]
    if any(kind in _LISTS or kind == "html_block" for kind in kinds):
        return "items"
    if "heading_open" in kinds:
        # Every sub-heading followed by a paragraph: each heading is an item, unless the
        # sub-headings name groups ("Short term", "Completed"): then each paragraph is one.
        groups: list[int] = []
        grouped = False
        for (start, _), kind in zip(blocks, kinds, strict=True):
            if kind == "heading_open":
                groups.append(0)
                name = normalise_heading(render_heading(parsed, start))
                grouped = grouped or bool(_GROUP_NAME.match(name) or group_state(name) is not None)
            elif kind == "paragraph_open" and groups:
                groups[-1] += 1
        if groups and all(groups):
            return "prose" if grouped else "headings"
        return "items"
    paragraphs = [start for start, _ in blocks if tokens[start].type == "paragraph_open"]
    if paragraphs and any(_is_prose(tokens[start + 1].content) for start in paragraphs):
        return "prose"
    return "items"


# Sub-headings that name a group of items, not an item: a horizon, a phase, a state.
_GROUP_NAME = re.compile(
    r"^(?:short|medium|mid|long|near)[ -]?term\b|^(?:immediate|now|next|later|soon|phase \d+|"
    r"quick wins?|this (?:week|month|quarter)|q[1-4]\b)"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\d\[*_`])")


def _is_prose(content: str) -> bool:
    """Whether a paragraph is running text (sentences wrapped over lines), not one item a line."""
    lines = [line.strip() for line in content.split("\n") if line.strip()]
    if len(lines) == 1:
        return len(_SENTENCE.split(lines[0])) > 1
    return any(line[:1].islower() for line in lines[1:])


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph: a prose item's title."""
    return _SENTENCE.split(" ".join(text.split()), maxsplit=1)[0]
