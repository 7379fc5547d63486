"""What an item's wording says about it: whether it is an instruction to the author of a
template rather than an item, and whether it is written as work already done.

Both read general signals of the language, not lists of known items:

- An instruction is addressed to whoever fills in the document: it tells them to list,
  describe, include or link something *here*, *below*, *in this section*, *for each* item,
  *for this incident*; it asks them a question ("What will we change?"); or it is template
  syntax left unfilled (``{{ owner }}``, ``<action item>``).
- Done is the verb form of the item's first clause. An accomplished fact is in the past tense
  or the present perfect ("Switched the build to ...", "We've tightened ...", "Script updated
  to handle ...", "Changes have been made to ..."); a plan is imperative or future ("Switch
  ...", "We will ...", "Investigate ..."). Creating a ticket for the work ("Created a ticket
  to configure ...") is not doing the work.
"""

from __future__ import annotations

import re


def wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Template syntax: Jinja/Handlebars/Go/shell placeholders, and ``<words>`` that are no HTML tag.
_TEMPLATE_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}\n]*\}")
_ANGLE = re.compile(r"<([A-Za-z][A-Za-z0-9 _.'-]{0,60})>")
_HTML_TAGS = wordset(
    "a abbr b br code del details div em hr i img ins kbd mark p pre s script small span strike "
    "strong sub summary sup table tbody td th thead tr u ul ol li"
)

_DIRECTIVE = re.compile(
    r"^(?:please\s+)?(list|describe|include|enter|insert|fill(?:\s+(?:in|out))?|add|link(?:\s+to)?"
    r"|summari[sz]e|explain|note|provide|mention|specify|detail|outline|put|paste|attach|record"
    r"|write|replace|delete|remove|state|identify|capture|give|use|consider|document)\b",
    re.IGNORECASE,
)
# Words that point at the document being filled in, or at its reader.
_META = re.compile(
    r"\b(?:this|the)\s+(?:section|template|document|page|table|list|report|field|form|"
    r"post[- ]?mortem|postmortem)\b|\bhere\b|\b(?:below|above)\s*[.:!]?\s*$"
    r"|\b(?:listed|shown|described|table|section|list|form|template)\s+(?:below|above)\b"
    r"|\bthe\s+following\b"
    r"|\bfor\s+each\b|\bif\s+(?:any|applicable|relevant|needed|necessary)\b"
    r"|\bas\s+(?:needed|appropriate|applicable)\b",
    re.IGNORECASE,
)
_THIS_INCIDENT = re.compile(
    r"\b(?:this|the)\s+(?:(?:class|kind|type)\s+of\s+)?(?:incident|outage|event|failure)s?\b"
    r"|\byou(?:r)?\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
# Verbs that ask for content rather than work: with "this incident" or "you" they are
# instructions.
_ASKING = wordset(
    "list describe include enter insert fill summarize summarise explain note provide mention "
    "specify detail outline link"
)
_QUESTION = re.compile(r"\b(?:what|how|why|which|who|when|where|any)\b", re.IGNORECASE)
_LINK_TO_RECORD = re.compile(
    r"^link\s+to\s+(?:the\s+|a\s+|an\s+|any\s+)?(?:[\w-]+\s+)?"
    r"(?:tickets?|issues?|jira|bugs?|prs?|pull\s+requests?|docs?|documents?|pages?|slack|chats?"
    r"|logs?|recordings?|dashboards?)\b",
    re.IGNORECASE,
)
_ADDRESSED = re.compile(
    r"^(?:for\s+each\b|each\s+(?:action|item|issue|ticket|follow)|action\s+items?\s+should\b"
    r"|use\s+this\b|this\s+section\b|(?:delete|remove|replace)\s+this\b|example\s*:|optional\s*:)",
    re.IGNORECASE,
)


# A question for the author: "What will we change so that this cannot happen again?"
_PROMPT = re.compile(r"^(?:what|how|why|who|when|where|which)\b.*\?\s*$", re.IGNORECASE)


def has_template_syntax(raw: str) -> bool:
    """Whether raw Markdown holds an unfilled template placeholder: ``{{ owner }}``,
    ``${TICKET}``, ``<action item>`` (angle brackets around words that are no HTML tag)."""
    if "{" in raw and _TEMPLATE_SYNTAX.search(raw):
        return True
    if "<" in raw:
        for match in _ANGLE.finditer(raw):
            if match[1].split()[0].lower() not in _HTML_TAGS:
                return True
    return False


# The first words any instruction above can start with: most items fail this one test.
_OPENING = re.compile(
    r"\s*(?:please|list|describe|include|enter|insert|fill|add|link|summari[sz]e|explain|note"
    r"|provide|mention|specify|detail|outline|put|paste|attach|record|write|replace|delete"
    r"|remove|state|identify|capture|give|use|consider|document|for|each|action|this|example"
    r"|optional|what|how|why|who|when|where|which)\b",
    re.IGNORECASE,
)


def is_instruction(text: str) -> bool:
    """Whether an item's text is an instruction to the author of the document."""
    if not _OPENING.match(text):
        return False
    # The first sentence says what the line is: "Write down ... . Include what bit you."
    value = _SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0]
    if not value:
        return False
    if _ADDRESSED.match(value) or _PROMPT.match(value):
        return True
    directive = _DIRECTIVE.match(value)
    if directive is None:
        return False
    verb = directive[1].split()[0].lower()
    if _META.search(value):
        return True
    if verb in _ASKING and _THIS_INCIDENT.search(value):
        return True
    if verb in {"describe", "summarize", "summarise", "explain", "outline"} and _QUESTION.search(
        value
    ):
        return True
    return bool(_LINK_TO_RECORD.match(value))


_CLAUSE_END = re.compile(r"[.;:!?(\[]|\s[-\u2013\u2014]+\s|,\s*(?:which|so|but|and then)\b")
_WORD = re.compile(r"[a-z][a-z'-]*")
# Base forms that happen to end in -ed.
_NOT_PAST = wordset(
    "need feed seed embed shed speed proceed exceed succeed bleed breed heed weed bed red shred "
    "wed bred based"
)
# The irregular past forms and participles of English (a closed class of the grammar).
_IRREGULAR = wordset(
    "made built wrote written ran taken took sent began begun found gave held kept left lost "
    "met paid rewrote rewritten spun brought caught chose chosen did done drew drawn fought "
    "got gotten grew grown knew known laid meant rose risen said saw seen sold stood struck "
    "taught thought threw thrown told understood went gone won undid undone redid redone rebuilt "
    "froze frozen spent bound hid hidden swept upheld withdrew withdrawn overrode overridden "
    "broke broken spoke spoken woke woken tore torn wore worn dug stuck sped lit shook shaken "
    "drove driven rode ridden been become became fed led"
)
# Participles that usually describe a noun ("Improved runbooks for ...", "Automated tests"):
# read as a verb only when what follows cannot be the noun they describe.
_ATTRIBUTIVE = wordset(
    "improved automated updated enhanced advanced dedicated expanded extended increased reduced "
    "detailed simplified centralized centralised standardized standardised unified revised "
    "refined required related scheduled distributed managed shared structured limited expected "
    "preferred integrated consolidated customized customised optimized optimised streamlined "
    "isolated versioned tiered staged phased targeted guided tailored mandated supported trusted "
    "signed encrypted authenticated hosted scripted templated generated combined documented "
    "better more known broken hidden frozen lost failed"
)
# Participles that name a plan, not its doing: "Proposed changes to ...", "Suggested that ...".
_PLANNED = wordset("planned proposed suggested recommended requested desired intended expected")
# Words after a past form that show it is a verb: determiners, pronouns, particles,
# prepositions ("Switched the build", "Rolled back", "Moved to ...").
_VERB_FOLLOWER = wordset(
    "the a an our their its this that these those all some any each every his her my your it "
    "them us to for in on at with from into onto across by via over under between about around "
    "up out off back down away through"
)
_SUBJECTS = frozenset({"we", "i", "they", "team", "it", "you"})
_DETERMINERS = frozenset({"the", "a", "an", "our", "this", "their", "its"})
# "has been added", "have moved", "were revoked".
_AUXILIARIES = frozenset({"have", "has", "had", "was", "were"})
_ADVERBS = frozenset({"already", "now", "also", "since", "just", "recently", "successfully", "all"})
# Modals and words of intent: "will", "plan to", "need to", "going to".
_NOT_YET = wordset("will shall should must would could can may might going plan plans need")
_TRACKING = frozenset({"created", "opened", "filed", "raised", "logged", "submitted"})
_TRACKED_THING = frozenset({"ticket", "issue", "bug", "jira", "card", "story", "task", "epic"})


def _past(word: str) -> bool:
    if word in _IRREGULAR:
        return True
    return len(word) > 3 and word.endswith("ed") and word not in _NOT_PAST


def _creates_a_ticket(words: list[str], at: int) -> bool:
    """ "Created a ticket to ...", "Opened an issue for ...": the work is tracked, not done."""
    if words[at] not in _TRACKING:
        return False
    rest = [word for word in words[at + 1 : at + 4] if word not in _DETERMINERS]
    return bool(rest) and rest[0].rstrip("s") in _TRACKED_THING


def is_written_done(text: str) -> bool:
    """Whether an item is written as an accomplished fact (see the module docstring)."""
    clause = _CLAUSE_END.split(text[:160].lower().replace("\u2019", "'"), maxsplit=1)[0]
    words = _WORD.findall(clause)[:12]
    if not words:
        return False
    for index, word in enumerate(words):
        if word in _NOT_YET or word.endswith("'ll"):
            return False
        if word.endswith("'ve") and word[:-3] in _SUBJECTS:
            return index + 1 < len(words) and words[index + 1] not in {"got", "to"}
        if index and word in _AUXILIARIES:
            after = [w for w in words[index + 1 : index + 4] if w not in _ADVERBS]
            if (
                after
                and (after[0] == "been" or _past(after[0]))
                and not (after[0] == "been" and len(after) > 1 and after[1].endswith("ing"))
            ):
                return not _creates_a_ticket(words, words.index(after[0]))
            return False
    first = 1 if words[0] in _SUBJECTS and len(words) > 1 else 0
    if _past(words[first]):
        if _creates_a_ticket(words, first) or words[first] in _PLANNED:
            return False
        following = words[first + 1] if first + 1 < len(words) else ""
        # "Unused keys ...", "Improved runbooks for ...": describing a noun, not doing.
        attributive = words[0] in _ATTRIBUTIVE or words[0][:2] == "un"
        if first > 0 or not attributive or following in _VERB_FOLLOWER:
            return True
    # "Script updated to handle ...", "The dashboard created for ...", "Unused keys removed":
    # a subject, then the participle, then what it was done to or for.
    at = 2 if words[0] in _DETERMINERS or words[0] in _ATTRIBUTIVE or words[0][:2] == "un" else 1
    if at < len(words) and _past(words[at]) and not _past(words[at - 1]):
        following = words[at + 1] if at + 1 < len(words) else ""
        return following in _VERB_FOLLOWER - _DETERMINERS or not following
    return False
