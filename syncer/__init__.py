"""syncer: keeps post-mortem action items and their Jira or GitHub issues in step."""

__version__ = "0.3.0"
