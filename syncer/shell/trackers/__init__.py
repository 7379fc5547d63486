"""Tracker adapters, and opening them from configuration.

This package owns every conversation with Jira and GitHub. ``base`` holds the ``Tracker``
Protocol the core programs against; ``jira`` and ``github`` fill it on the ``jira`` and
``PyGithub`` client libraries, each through one request wrapper built on ``transport`` (the
retry, classification and scrubbing policy they share); ``markup`` turns Markdown bodies into
Jira wiki markup.
"""

from __future__ import annotations

from collections.abc import Mapping

from syncer.config import Config, GitHubConfig, JiraConfig, Secrets
from syncer.errors import ConfigError
from syncer.shell.trackers.base import Tracker
from syncer.shell.trackers.github import GitHubTracker
from syncer.shell.trackers.jira import JiraTracker

__all__ = ["open_tracker", "open_trackers"]


def open_tracker(
    name: str,
    config: JiraConfig | GitHubConfig,
    secrets: Secrets,
    *,
    instance: str = "syncer",
) -> Tracker:
    """The adapter for one configured tracker of installation ``instance``; sends no request."""
    if isinstance(config, JiraConfig):
        return JiraTracker(name, config, secrets, instance=instance)
    return GitHubTracker(name, config, secrets, instance=instance)


def open_trackers(
    config: Config, *, require_secrets: bool = True, instance: str | None = None
) -> dict[str, Tracker]:
    """Every configured tracker by name. One without credentials in the environment is a
    ``ConfigError``, or, with ``require_secrets=False``, left out (the cycle reports it).

    ``instance`` opens them as another installation sees them (default: the configured one).
    """
    trackers: dict[str, Tracker] = {}
    secrets: Mapping[str, Secrets] = config.secrets
    for name, tracker_config in config.settings.trackers.items():
        if name not in secrets:
            if not require_secrets:
                continue
            raise ConfigError(f"trackers.{name}: no credentials in the environment")
        trackers[name] = open_tracker(
            name, tracker_config, secrets[name], instance=instance or config.settings.instance
        )
    return trackers
