"""Atlassian Document Format, just enough for descriptions and comments.

Jira's v3 API takes and returns rich text as ADF documents; v2 uses plain strings. The sandbox
stores the text and, when given, the document, and converts between the two here.
"""

from __future__ import annotations

from typing import Any


def text_to_adf(text: str) -> dict[str, Any]:
    """One paragraph per blank-line-separated block; lines inside a block become hard breaks."""
    content: list[dict[str, Any]] = []
    for block in text.split("\n\n"):
        inline: list[dict[str, Any]] = []
        for index, line in enumerate(block.split("\n")):
            if index:
                inline.append({"type": "hardBreak"})
            if line:
                inline.append({"type": "text", "text": line})
        content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}


def adf_to_text(document: dict[str, Any]) -> str:
    """The plain text of a document: text nodes joined, block nodes separated by blank lines."""
    blocks = [_inline_text(node) for node in document.get("content", [])]
    return "\n\n".join(blocks)


def _inline_text(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    children = node.get("content", [])
    separator = "\n" if kind in ("bulletList", "orderedList", "listItem") else ""
    return separator.join(_inline_text(child) for child in children)


def is_adf(value: object) -> bool:
    """True for a dict that looks like an ADF document root."""
    return isinstance(value, dict) and value.get("type") == "doc" and "content" in value
