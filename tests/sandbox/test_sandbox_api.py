"""The ``Sandbox`` object itself: binding, persistence, reset, the HTML page, concurrency."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from github import Auth, Github
from jira import JIRA

from syncer.sandbox import Credentials, Sandbox, SandboxError
from tests.support.sandbox_clients import close_jira


def cloud_client(box: Sandbox) -> JIRA:
    return JIRA(server=box.url, basic_auth=(box.jira_email, box.jira_token), max_retries=0)


def create(jira: JIRA, summary: str) -> str:
    issue = jira.create_issue(
        fields={"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": summary},
        prefetch=False,
    )
    return str(issue.key)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.invalid"])  # noqa: S104
def test_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(SandboxError, match="only binds to loopback"):
        Sandbox().start(host=host)


def test_url_before_start_is_an_error() -> None:
    with pytest.raises(SandboxError, match="not running"):
        _ = Sandbox().url


def test_listens_on_ipv6_loopback_too() -> None:
    box = Sandbox()
    try:
        box.start(host="::1")
    except OSError:  # no IPv6 on this host: nothing to check
        box.stop()
        raise
    try:
        assert box.url.startswith("http://[::1]:")
        response = requests.get(f"{box.url}/rest/api/2/serverInfo", timeout=5)
        assert response.json()["deploymentType"] == "Cloud"
    finally:
        box.stop()


def test_state_persists_across_restarts(tmp_path: Path) -> None:
    data = tmp_path / "sandbox.json"
    with Sandbox(data_path=data) as box:
        jira = cloud_client(box)
        assert [create(jira, "one"), create(jira, "two")] == ["OPS-1", "OPS-2"]
        close_jira(jira)
        github = Github(
            auth=Auth.Token(box.github_token),
            base_url=box.url,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        github.get_repo("acme/platform").create_issue(title="gh one")
        github.close()
    saved = json.loads(data.read_text(encoding="utf-8"))
    assert saved["version"] == 1
    assert [i["key"] for i in saved["jira_issues"]] == ["OPS-1", "OPS-2"]
    assert list(tmp_path.iterdir()) == [data]  # no temporary files left behind
    with Sandbox(data_path=data) as again:
        jira = cloud_client(again)
        assert create(jira, "three") == "OPS-3"
        close_jira(jira)
        assert [i.summary for i in again.jira_issues("OPS")] == ["one", "two", "three"]
        assert [i.title for i in again.github_issues("acme/platform")] == ["gh one"]


def test_data_file_of_the_other_flavor_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "sandbox.json"
    Sandbox("server", data_path=data)
    with pytest.raises(SandboxError, match="holds a server sandbox"):
        Sandbox("cloud", data_path=data)


def test_reset_returns_to_the_seed(tmp_path: Path) -> None:
    data = tmp_path / "sandbox.json"
    with Sandbox(data_path=data) as box:
        jira = cloud_client(box)
        create(jira, "one")
        box.inject_error(500)
        box.reset()
        assert box.jira_issues("OPS") == []
        assert box.requests == []
        assert create(jira, "fresh") == "OPS-1"  # the error fault was forgotten too
        close_jira(jira)
    assert json.loads(data.read_text(encoding="utf-8"))["jira_issues"][0]["key"] == "OPS-1"


def test_custom_credentials() -> None:
    creds = Credentials(jira_email="me@x.test", jira_token="t1", github_token="t2")
    with Sandbox(credentials=creds) as box:
        assert (box.jira_email, box.jira_token, box.github_token) == ("me@x.test", "t1", "t2")
        jira = JIRA(server=box.url, basic_auth=("me@x.test", "t1"), max_retries=0)
        assert jira.myself()["emailAddress"] == "me@x.test"
        close_jira(jira)


def test_reads_return_copies() -> None:
    with Sandbox() as box:
        jira = cloud_client(box)
        create(jira, "original")
        close_jira(jira)
        copy = box.jira_issues("OPS")[0]
        copy.summary = "changed"
        assert box.jira_issue("OPS-1").summary == "original"


def test_html_page_lists_issues_escaped() -> None:
    with Sandbox() as box:
        jira = cloud_client(box)
        create(jira, "<script>alert(1)</script> & more")
        close_jira(jira)
        github = Github(
            auth=Auth.Token(box.github_token),
            base_url=box.url,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        github.get_repo("acme/platform").create_issue(title='"quoted" <b>', labels=["bug"])
        github.close()
        page = requests.get(box.url + "/", timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    text = page.text
    assert "Jira OPS: Operations" in text
    assert "GitHub acme/platform" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in text
    assert "<script>" not in text
    assert "&quot;quoted&quot; &lt;b&gt;" in text
    assert ">OPS-1</a>" in text
    assert ">#1</a>" in text
    with Sandbox() as box:
        jira = cloud_client(box)
        key = create(jira, "Fix <the> pool")
        permalink = jira.issue(key).permalink()  # type: ignore[no-untyped-call]  # unannotated
        close_jira(jira)
        github = Github(
            auth=Auth.Token(box.github_token),
            base_url=box.url,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        html_url = github.get_repo("acme/platform").create_issue(title="t", body="<b>x").html_url
        github.close()
        jira_page = requests.get(permalink, timeout=5)
        github_page = requests.get(html_url, timeout=5)
        missing = requests.get(f"{box.url}/browse/OPS-99", timeout=5)
    assert jira_page.status_code == 200
    assert "OPS-1: Fix &lt;the&gt; pool" in jira_page.text
    assert github_page.status_code == 200
    assert "&lt;b&gt;x" in github_page.text
    assert missing.status_code == 404


def test_concurrent_creates_get_distinct_keys() -> None:
    with Sandbox() as box:
        keys: list[str] = []
        numbers: list[int] = []
        errors: list[BaseException] = []
        lock = threading.Lock()

        def jira_worker() -> None:
            jira = cloud_client(box)
            try:
                mine = [create(jira, "parallel") for _ in range(10)]
                with lock:
                    keys.extend(mine)
            except BaseException as error:
                errors.append(error)
            finally:
                close_jira(jira)

        def github_worker() -> None:
            github = Github(
                auth=Auth.Token(box.github_token),
                base_url=box.url,
                retry=None,
                seconds_between_requests=None,
                seconds_between_writes=None,
            )
            try:
                repo = github.get_repo("acme/platform")
                mine = [repo.create_issue(title="parallel").number for _ in range(10)]
                with lock:
                    numbers.extend(mine)
            except BaseException as error:
                errors.append(error)
            finally:
                github.close()

        box.inject_latency(5)  # widen the race window
        threads = [threading.Thread(target=jira_worker) for _ in range(6)]
        threads += [threading.Thread(target=github_worker) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sorted(keys, key=lambda k: int(k.split("-")[1])) == [
            f"OPS-{n}" for n in range(1, 61)
        ]
        assert sorted(numbers) == list(range(1, 61))
        assert len(box.jira_issues("OPS")) == 60


def test_serve_forever_stops_cleanly_on_ctrl_c() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Ctrl-C as a terminal delivers it: a child of a background job inherits SIGINT ignored,
    # and Python then installs no KeyboardInterrupt handler (CI runs in the background too).
    script = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        f"from syncer.sandbox import Sandbox; Sandbox().serve_forever(port={port})"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60  # a hang guard, generous for a loaded machine
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/rest/api/2/serverInfo", timeout=5)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "the sandbox did not come up"
                time.sleep(0.05)
        assert answer.status_code == 200
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert b"Traceback" not in err
