"""The report's output formats: the names ``--format`` takes, one renderer each."""

from __future__ import annotations

from typing import Literal

ReportFormat = Literal["md", "html", "json"]
FORMATS: tuple[ReportFormat, ...] = ("md", "html", "json")
