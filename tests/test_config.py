"""Configuration: the example file is valid, every bad field is listed, secrets stay secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from syncer.config import JiraConfig, load_config, load_env_file, parse_config
from syncer.errors import ConfigError

EXAMPLE = Path(__file__).parents[1] / "config" / "syncer.example.toml"
SECRETS = {"SYNCER_OPS_JIRA_TOKEN": "t-jira", "SYNCER_WEB_GITHUB_TOKEN": "t-gh"}


def test_the_example_configuration_is_valid() -> None:
    config = load_config(EXAMPLE, environ=SECRETS)
    settings = config.settings
    assert set(settings.trackers) == {"ops-jira", "web-github"}
    jira = settings.trackers["ops-jira"]
    assert isinstance(jira, JiraConfig)
    assert jira.flavor == "cloud"
    assert jira.priorities["SEV1"] == "Highest"
    assert config.secrets["ops-jira"].email == "syncer-bot@acme.example"
    assert config.secrets["web-github"].token.get_secret_value() == "t-gh"
    assert config.state_path == EXAMPLE.parent / "state.db"


def test_every_bad_field_is_listed_with_its_path() -> None:
    data = {
        "default_tracker": "ops-jira",
        "sources": {"paths": "not-a-list", "colour": "blue"},
        "trackers": {
            "ops-jira": {"type": "jira", "url": "https://j", "project": "ops", "flavour": "x"},
            "Bad_Name": {"type": "github", "repository": "acme/web"},
            "gh": {"type": "gitlab"},
        },
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ={})
    assert sorted(caught.value.problems) == sorted(
        [
            'sources.paths: must be a list, e.g. ["not-a-list"]',
            "sources.colour: unknown key (known keys: paths, exclude, root, base_url, "
            "template, allow_empty, write_back, write_back_status, close_from_document, "
            "write_back_ticket_column, pull_request, push, confidence)",
            'trackers.ops-jira.project: "ops": a Jira project key is 2-10 capital letters, '
            "digits or _, starting with a letter (e.g. OPS)",
            "trackers.ops-jira.flavour: unknown key; did you mean 'flavor'?",
            "trackers.gh.type: 'gitlab' is not a tracker type (use 'jira' or 'github')",
            "trackers.Bad_Name: a tracker name is lower-case letters, digits and -, starting "
            "with a letter (at most 40), e.g. ops-jira",
            "trackers.ops-jira: set the environment variable SYNCER_OPS_JIRA_TOKEN",
            "trackers.ops-jira.email: Jira Cloud needs the token's account email (in the file "
            "or SYNCER_OPS_JIRA_EMAIL)",
            "trackers.Bad_Name: set the environment variable SYNCER_BAD_NAME_TOKEN",
            "trackers.gh: set the environment variable SYNCER_GH_TOKEN",
        ]
    )


def test_references_between_sections_and_missing_secrets_are_checked() -> None:
    data = {
        "default_tracker": "nowhere",
        "routes": [{"tracker": "also-nowhere", "team": "web"}],
        "trackers": {"ops-jira": {"type": "jira", "url": "https://j", "project": "OPS"}},
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ={"SYNCER_OPS_JIRA_TOKEN": "t"})
    assert caught.value.problems == (
        "default_tracker: no tracker named 'nowhere'",
        "routes.0.tracker: no tracker named 'also-nowhere'",
        "trackers.ops-jira.email: Jira Cloud needs the token's account email "
        "(in the file or SYNCER_OPS_JIRA_EMAIL)",
    )


def test_environment_overrides_the_file() -> None:
    environ = {**SECRETS, "SYNCER_STATE__PATH": "/var/lib/syncer/state.db"}
    config = load_config(EXAMPLE, environ=environ)
    assert config.state_path == Path("/var/lib/syncer/state.db")


@pytest.mark.parametrize("spelling", ["OPS_JIRA", "OPS-JIRA", "ops_jira"])
def test_an_override_addresses_a_tracker_whose_name_has_a_dash(spelling: str) -> None:
    # Issue 17, defect 8: SYNCER_TRACKERS__OPS_JIRA__URL did not reach tracker ops-jira.
    variable = f"SYNCER_TRACKERS__{spelling}__URL"
    environ = {**SECRETS, variable: "https://jira.internal.example.com"}
    config = load_config(EXAMPLE, environ=environ)
    assert str(config.settings.trackers["ops-jira"].url).startswith(
        "https://jira.internal.example.com"
    )
    assert set(config.settings.trackers) == {"ops-jira", "web-github"}


def test_a_bad_override_of_a_dashed_tracker_names_the_variable(tmp_path: Path) -> None:
    environ = {**SECRETS, "SYNCER_TRACKERS__OPS_JIRA__URL": "not a url"}
    with pytest.raises(ConfigError) as caught:
        load_config(EXAMPLE, environ=environ)
    assert any(
        p.startswith("SYNCER_TRACKERS__OPS_JIRA__URL (environment): trackers.ops-jira.url")
        for p in caught.value.problems
    ), caught.value.problems


def test_secrets_never_show_in_the_configuration_repr() -> None:
    config = load_config(EXAMPLE, environ=SECRETS)
    assert "t-jira" not in repr(config)
    assert "t-jira" not in str(config.model_dump())


def test_bad_toml_is_one_line_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "syncer.toml"
    broken.write_text("[sources\npaths = 1\n")
    with pytest.raises(ConfigError, match=r"syncer\.toml: not valid TOML: .*line 1"):
        load_config(broken, environ={})


def test_an_env_file_fills_only_what_is_not_set(tmp_path: Path) -> None:
    env_file = tmp_path / "syncer.env"
    env_file.write_text("# sandbox\nSYNCER_A_TOKEN=from-file\nexport SYNCER_B_TOKEN='quoted'\n")
    environ = {"SYNCER_A_TOKEN": "already-set"}
    load_env_file(env_file, environ)
    assert environ == {"SYNCER_A_TOKEN": "already-set", "SYNCER_B_TOKEN": "quoted"}
    with pytest.raises(ConfigError, match="no such env file"):
        load_env_file(tmp_path / "missing.env", environ)


def test_custom_field_templates_and_urls_are_checked_before_any_run() -> None:
    data = {
        "trackers": {
            "ops-jira": {
                "type": "jira",
                "url": "not a url",
                "project": "OPS",
                "email": "bot@example.com",
                "custom_fields": {"Incident": "{incident_id}"},
                "timeout_seconds": float("inf"),
            }
        }
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ={"SYNCER_OPS_JIRA_TOKEN": "t"})
    problems = "\n".join(caught.value.problems)
    assert ("trackers.ops-jira.url: must be an http:// or https:// URL with a host") in problems
    assert "trackers.ops-jira.timeout_seconds: must be a finite number" in problems
    assert (
        "trackers.ops-jira.custom_fields: template of 'Incident' uses "
        "['incident_id']; known are {incident_slug}, {item_key}"
    ) in problems


def test_a_malformed_environment_override_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="invalid SYNCER_\\* environment override"):
        load_config(EXAMPLE, environ={**SECRETS, "SYNCER_ROUTES": "nope"})


def test_pacing_defaults_follow_the_tracker_type() -> None:
    config = load_config(EXAMPLE, environ=SECRETS)
    jira, github = config.settings.trackers["ops-jira"], config.settings.trackers["web-github"]
    assert (jira.write_gap, jira.create_cap, jira.search_lag) == (0.5, 200, 300)
    assert (github.write_gap, github.create_cap, github.search_lag) == (3.0, 100, 0)


def test_an_unparseable_custom_field_template_is_refused() -> None:
    tracker = {"type": "jira", "url": "https://j", "project": "OPS", "email": "b@example.com"}
    data = {"trackers": {"ops-jira": tracker | {"custom_fields": {"Key": "see {item_key"}}}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ={"SYNCER_OPS_JIRA_TOKEN": "t"})
    assert caught.value.problems == (
        "trackers.ops-jira.custom_fields: template of 'Key': expected '}' before end of string",
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://[::1", "trackers.gh.url: not a valid URL: Invalid IPv6 URL"),
        (
            "ftp://example.com",
            "trackers.gh.url: must be an http:// or https:// URL with a host",
        ),
        (
            "https://example.com:port",
            "trackers.gh.url: not a valid URL: Port could not be cast to integer value as 'port'",
        ),
    ],
)
def test_a_malformed_tracker_url_is_a_configuration_error(url: str, problem: str) -> None:
    data = {"trackers": {"gh": {"type": "github", "url": url, "repository": "acme/web"}}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ={"SYNCER_GH_TOKEN": "t"})
    assert caught.value.problems == (problem,)


@pytest.mark.parametrize(
    ("instance", "problem"),
    [
        (
            "Team B",
            'instance: "Team B": an instance name is up to 32 lower-case letters, digits and -, '
            "starting with a letter (e.g. syncer-web)",
        ),
        (
            "postmortem",
            "instance 'postmortem' is also a label of trackers.ops-jira: the "
            "instance name is the label syncer finds its own tickets by",
        ),
    ],
)
def test_the_instance_name_is_a_label_of_its_own(instance: str, problem: str) -> None:
    tracker = {"type": "github", "repository": "acme/web", "labels": ["postmortem"]}
    data = {"instance": instance, "trackers": {"ops-jira": tracker}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ={"SYNCER_OPS_JIRA_TOKEN": "t"})
    assert [p.removeprefix("(file): ") for p in caught.value.problems] == [problem]
    settings = parse_config(
        {"trackers": {"ops-jira": tracker}}, base_dir=Path(), environ={"SYNCER_OPS_JIRA_TOKEN": "t"}
    )
    assert settings.settings.instance == "syncer"


def test_a_route_issue_type_needs_a_jira_tracker_and_reaches_the_policy() -> None:
    trackers = {
        "ops-jira": {"type": "jira", "url": "https://j", "project": "OPS", "email": "a@b.c"},
        "gh": {"type": "github", "repository": "acme/web"},
    }
    environ = {"SYNCER_OPS_JIRA_TOKEN": "t", "SYNCER_GH_TOKEN": "t"}
    data: dict[str, Any] = {
        "default_tracker": "ops-jira",
        "routes": [
            {"tracker": "gh", "team": "web", "issue_type": "Bug"},
            {"tracker": "ops-jira", "team": "db", "issue_type": "Bug"},
        ],
        "trackers": trackers,
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ=environ)
    assert caught.value.problems == (
        "routes.0.issue_type: tracker 'gh' is not a Jira tracker; only Jira tickets have an "
        "issue type",
    )

    data["routes"] = data["routes"][1:]
    policy = parse_config(data, base_dir=Path(), environ=environ).policy
    assert [r.issue_type for r in policy.routing.routes] == ["Bug"]


def test_jira_transition_and_resolution_names_must_say_something() -> None:
    data = {
        "trackers": {
            "ops-jira": {
                "type": "jira",
                "url": "https://j",
                "project": "OPS",
                "email": "a@b.c",
                "close_transition": " ",
                "close_resolution": "Fixed",
            }
        }
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ={"SYNCER_OPS_JIRA_TOKEN": "t"})
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "trackers.ops-jira.close_transition"
    ]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (
            {"due_as_milestone": True, "milestone": 7},
            "trackers.gh: milestone and due_as_milestone exclude each other: an issue has one "
            "milestone",
        ),
        (
            {"milestone_title": "Due"},
            "trackers.gh.milestone_title: must name {due} exactly once, and nothing else",
        ),
        (
            {"milestone_title": "{due} {item_key}"},
            "trackers.gh.milestone_title: must name {due} exactly once, and nothing else",
        ),
        (
            {"close_reason": "wontfix"},
            "trackers.gh.close_reason: 'wontfix' is not one of the choices (use 'completed' or "
            "'not_planned')",
        ),
    ],
)
def test_github_milestone_and_close_options_are_checked(
    options: dict[str, Any], problem: str
) -> None:
    data = {"trackers": {"gh": {"type": "github", "repository": "acme/web", **options}}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ={"SYNCER_GH_TOKEN": "t"})
    assert caught.value.problems == (problem,)


def test_write_back_settings_become_the_planner_policy() -> None:
    data = {
        "sources": {"write_back": True, "write_back_status": False, "close_from_document": False},
        "trackers": {"gh": {"type": "github", "repository": "acme/web"}},
    }
    config = parse_config(data, base_dir=Path(), environ={"SYNCER_GH_TOKEN": "t"})
    policy = config.policy.write_back
    assert (policy.enabled, policy.status_to_document, policy.status_to_tracker) == (
        True,
        False,
        False,
    )
    assert not policy.ticket_column
    assert not parse_config(
        {"trackers": data["trackers"]}, base_dir=Path(), environ={"SYNCER_GH_TOKEN": "t"}
    ).policy.write_back.enabled


def test_a_bad_write_back_setting_is_listed() -> None:
    data = {
        "sources": {"write_back": "sometimes"},
        "trackers": {"gh": {"type": "github", "repository": "acme/web"}},
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ={"SYNCER_GH_TOKEN": "t"})
    assert [p for p in caught.value.problems if p.startswith("sources.write_back")]


def test_a_pull_request_needs_a_github_tracker() -> None:
    data = {
        "sources": {"write_back": True, "pull_request": {"tracker": "j", "repository": "a/pm"}},
        "trackers": {"j": {"type": "jira", "url": "https://j.example", "project": "OPS"}},
    }
    environ = {"SYNCER_J_TOKEN": "t", "SYNCER_J_EMAIL": "a@example.com"}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path(), environ=environ)
    assert list(caught.value.problems) == [
        "sources.pull_request.tracker: no GitHub tracker named 'j' (its URL and token open the "
        "pull request)"
    ]
