"""Writing planned document edits to the post-mortem files: the file-system edge of write-back.

The planner decides the edits (``DocumentEdit``, from ``syncer.core.plan``) and the pure
rewriter makes the new bytes (``syncer.core.writeback``); this module only reads, checks and
writes files, and optionally commits them:

- a file whose bytes changed since they were parsed is not written (it is parsed and planned
  again next run), nor is one that would be reached through a symbolic link leading out of
  the source roots, nor one the rewriter and the parser would read differently;
- a write is atomic: a temporary file in the same folder, flushed and fsynced, given the old
  file's permissions, then renamed over it, so a crash leaves the old file or the new one;
- with ``commit``, files in a git working tree are committed with a message saying what was
  written back (``git`` on the PATH; a file outside a working tree is written, not committed);
- instead of writing the files, ``[sources.push]`` commits the edits on syncer's own branch of
  the working tree's remote (``push_branch``: the checkout's index, files and branches stay as
  they are), and ``[sources.pull_request]`` proposes them as one pull request through GitHub's
  API (``trackers.github_pulls``). Neither ever writes the default branch.

A crash between creating tickets and writing their links loses nothing: the next run finds
each ticket by its marker and plans the link again, creating nothing twice.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import logging
import os
import posixpath
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from syncer.config import Config, PullRequestConfig, PushConfig
from syncer.core.writeback import document_diff, rewrite_document, verify_rewrite
from syncer.errors import TrackerError
from syncer.model import DocumentEdit, Finding, Frozen, ItemEdit, ItemKey, Plan, TicketRef
from syncer.outcome import ApplyResult
from syncer.shell.trackers.base import TicketTracker
from syncer.shell.trackers.github import GitHubTracker

log = logging.getLogger(__name__)

Replace = Callable[[str, str], None]


class WriteBackResult(Frozen):
    """What a write-back did: the documents written (with their diffs), what it refused, and
    the commits it made."""

    written: tuple[DocumentEdit, ...] = ()
    findings: tuple[Finding, ...] = ()
    commits: tuple[str, ...] = ()
    pull_request: str | None = None
    """The URL of the pull request proposing the edits (``[sources.pull_request]``)."""


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _finding(edit: DocumentEdit, message: str, item: ItemEdit | None = None) -> Finding:
    return Finding(
        kind="write_back",
        message=message,
        source=edit.source,
        item_key=item.item_key if item else None,
        tracker=item.tracker if item else None,
        ref=item.link if item else None,
    )


def _with_created(
    edits: Sequence[ItemEdit], created: Mapping[ItemKey, TicketRef] | None
) -> list[ItemEdit]:
    """The edits whose link is known: a link to a ticket this sync creates needs its create's
    answer (``created``); in a dry run (``created`` None) it is shown with its key unknown."""
    ready = []
    for planned in edits:
        edit = planned
        if planned.link_created:
            if created is None:
                edit = planned.model_copy(
                    update={"link": TicketRef(system="other", key="new ticket", url=None)}
                )
            elif (ref := created.get(planned.item_key)) is not None:
                reason = planned.reason.replace("the ticket this sync creates", ref.key)
                edit = planned.model_copy(
                    update={"link": ref, "link_created": False, "reason": reason}
                )
            else:
                continue  # not created (deferred, failed): linked on a later run
        ready.append(edit)
    return ready


class _Writer:
    def __init__(
        self,
        *,
        root: Path,
        roots: Sequence[Path],
        ticket_column: bool,
        replace: Replace,
    ) -> None:
        self.root = root
        self.roots = [r.resolve() for r in roots]
        self.ticket_column = ticket_column
        self.replace = replace
        self.findings: list[Finding] = []

    def target(self, edit: DocumentEdit) -> Path | None:
        """The real file to write, or None (with a finding) when it must not be written."""
        path = self.root / edit.source
        resolved = path.resolve()
        if not _inside(resolved, self.roots):
            how = "a symbolic link leading" if path.is_symlink() else "a file"
            self.findings.append(
                _finding(edit, f"not written back: {how} outside the source roots")
            )
            return None
        return resolved

    def prepare(
        self, edit: DocumentEdit, created: Mapping[ItemKey, TicketRef] | None
    ) -> tuple[Path, bytes, bytes, DocumentEdit] | None:
        """(file, old bytes, new bytes, the edit with its diff), or None with findings."""
        path = self.target(edit)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.findings.append(_finding(edit, f"not written back: cannot read: {exc.strerror}"))
            return None
        if edit.content_hash and hashlib.sha256(data).hexdigest() != edit.content_hash:
            self.findings.append(
                _finding(
                    edit,
                    "not written back: the file changed since it was read; it is read and "
                    "planned again next run",
                )
            )
            return None
        items = _with_created(edit.edits, created)
        if not items:
            return None
        rewrite = rewrite_document(data, items, ticket_column=self.ticket_column)
        by_key = {e.item_key: e for e in items}
        for key, why in rewrite.skipped:
            self.findings.append(
                _finding(edit, f"not written back to {key}: {why}", by_key.get(key))
            )
        if not rewrite.changed(data):
            return None
        applied = [e for e in items if e.item_key in rewrite.applied]
        if created is not None or not any(e.link_created for e in applied):
            problem = verify_rewrite(data, rewrite.data, applied, source=edit.source)
            if problem is not None:
                self.findings.append(_finding(edit, f"not written back: {problem}"))
                return None
        diff = document_diff(data, rewrite.data, source=edit.source)
        done = edit.model_copy(update={"edits": tuple(applied), "diff": diff})
        return path, data, rewrite.data, done

    def write(self, path: Path, old: bytes, new: bytes, edit: DocumentEdit) -> bool:
        """Replace the file atomically, unless it changed since it was read."""
        try:
            return self._write(path, old, new, edit)
        except OSError as exc:
            self.findings.append(
                _finding(edit, f"not written back: {exc.strerror or exc}; tried again next run")
            )
            return False

    def _write(self, path: Path, old: bytes, new: bytes, edit: DocumentEdit) -> bool:
        mode = path.stat().st_mode & 0o7777
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".syncer-tmp"
        )
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(new)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, mode)
            if path.read_bytes() != old:
                self.findings.append(
                    _finding(edit, "not written back: the file changed while it was edited")
                )
                return False
            self.replace(temporary, str(path))
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        _fsync_folder(path.parent)
        return True


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not every platform opens folders; the rename is done either way
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def preview_write_back(
    plan: Plan, *, root: Path, roots: Sequence[Path], ticket_column: bool
) -> Plan:
    """``plan`` with each document edit's diff filled in from its file (a dry run writes
    nothing); edits that could not be made become findings."""
    writer = _Writer(root=root, roots=roots, ticket_column=ticket_column, replace=os.replace)
    shown = []
    for edit in plan.edits:
        prepared = writer.prepare(edit, None)
        if prepared is not None:
            shown.append(prepared[3])
    return plan.model_copy(
        update={"edits": tuple(shown), "findings": plan.findings + tuple(writer.findings)}
    )


def write_back(
    edits: Sequence[DocumentEdit],
    *,
    root: Path,
    roots: Sequence[Path],
    created: Mapping[ItemKey, TicketRef],
    ticket_column: bool,
    commit: bool = False,
    replace: Replace = os.replace,
) -> WriteBackResult:
    """Write the planned document edits; ``created`` maps items to the tickets this sync made.

    ``replace`` is ``os.replace``; tests pass one that fails, to show a crash at the last
    step leaves the old file.
    """
    writer = _Writer(root=root, roots=roots, ticket_column=ticket_column, replace=replace)
    written = []
    paths = []
    for edit in edits:
        prepared = writer.prepare(edit, created)
        if prepared is None:
            continue
        path, old, new, done = prepared
        if writer.write(path, old, new, done):
            log.info("%s: wrote back %d action items", edit.source, len(done.edits))
            written.append(done)
            paths.append(path)
    commits: list[str] = []
    if commit and paths:
        commits, problems = commit_files(paths, written)
        writer.findings.extend(
            Finding(kind="write_back", message=f"written back, not committed: {problem}")
            for problem in problems
        )
    return WriteBackResult(
        written=tuple(written), findings=tuple(writer.findings), commits=tuple(commits)
    )


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # fixed arguments, no shell
        ["git", "-C", str(folder), *args],  # noqa: S607  # git from the PATH, as a person runs it
        capture_output=True,
        text=True,
        check=False,
    )


def commit_message(edits: Sequence[DocumentEdit]) -> str:
    """What a write-back commit says: how many items, and which tickets, per post-mortem."""
    items = sum(len(e.edits) for e in edits)
    noun = "item" if items == 1 else "items"
    lines = [f"syncer: write back tickets to {items} action {noun}", ""]
    for edit in edits:
        lines.append(f"{edit.source}:")
        lines.extend(f"- {item.reason}" for item in edit.edits)
    return "\n".join(lines) + "\n"


def commit_files(
    paths: Sequence[Path], edits: Sequence[DocumentEdit]
) -> tuple[list[str], list[str]]:
    """Commit the written files, one commit per git working tree: (commit ids, problems)."""
    by_tree: dict[Path, list[tuple[Path, DocumentEdit]]] = defaultdict(list)
    for path, edit in zip(paths, edits, strict=True):
        top = _git(path.parent, "rev-parse", "--show-toplevel")
        if top.returncode != 0:
            log.info("%s: not in a git working tree; written, not committed", edit.source)
            continue
        by_tree[Path(top.stdout.strip())].append((path, edit))
    commits, problems = [], []
    for tree, written in sorted(by_tree.items()):
        files = [str(path) for path, _ in written]
        message = commit_message([edit for _, edit in written])
        for step in (("add", "--", *files), ("commit", "--quiet", "-m", message, "--", *files)):
            done = _git(tree, *step)
            if done.returncode != 0:
                lines = (done.stderr or done.stdout).strip().splitlines()
                problems.append(f"git {step[0]} in {tree}: {lines[-1] if lines else 'failed'}")
                break
        else:
            commits.append(_git(tree, "rev-parse", "HEAD").stdout.strip())
    return commits, problems


def source_roots(paths: Iterable[str], *, base: Path) -> list[Path]:
    """The folders (or files) ``[sources] paths`` name, resolved: nothing outside them is
    written. A glob counts from its folder before the first wildcard."""
    roots = []
    for spec in paths:
        parts = Path(spec).parts
        fixed = list(itertools.takewhile(lambda p: not glob.has_magic(p), parts))
        roots.append((base / Path(*fixed)).resolve() if fixed else base.resolve())
    return roots


def pull_request_body(edits: Sequence[DocumentEdit]) -> str:
    """What the write-back pull request says: each edit, then the diffs."""
    lines = [
        "syncer keeps these post-mortems in step with their tickets: links to the tickets, and "
        "the status the tickets were closed with. Merge to keep them; syncer updates this pull "
        "request while it is open.",
        "",
    ]
    for edit in edits:
        lines.append(f"**{edit.source}**")
        lines += [f"- {item.reason}" for item in edit.edits]
        lines += ["", "```diff", edit.diff.rstrip("\n"), "```", ""]
    return "\n".join(lines)


def propose_write_back(
    edits: Sequence[DocumentEdit],
    *,
    root: Path,
    roots: Sequence[Path],
    created: Mapping[ItemKey, TicketRef],
    ticket_column: bool,
    pull: PullRequestConfig,
    tracker: TicketTracker | None,
) -> WriteBackResult:
    """The edits proposed as one pull request on the post-mortems' repository; local files are
    left as they are (the next run plans the same edits, and the pull request stays as it is)."""
    writer = _Writer(root=root, roots=roots, ticket_column=ticket_column, replace=os.replace)
    prepared = [p for p in (writer.prepare(edit, created) for edit in edits) if p is not None]
    if not prepared:
        return WriteBackResult(findings=tuple(writer.findings))
    if not isinstance(tracker, GitHubTracker):
        writer.findings.append(
            Finding(kind="write_back", message=f"not proposed: {pull.tracker} is not available")
        )
        return WriteBackResult(findings=tuple(writer.findings))
    done = [p[3] for p in prepared]
    files = {posixpath.join(pull.folder, p[3].source).lstrip("/"): p[2] for p in prepared}
    items = sum(len(d.edits) for d in done)
    try:
        proposal = tracker.propose_files(
            pull.repository,
            files,
            branch=pull.branch,
            title=f"syncer: ticket links and status for {items} action "
            f"{'item' if items == 1 else 'items'}",
            body=pull_request_body(done),
            message=commit_message(done),
        )
    except TrackerError as exc:
        writer.findings.append(Finding(kind="write_back", message=f"not proposed: {exc}"))
        return WriteBackResult(findings=tuple(writer.findings))
    verb = "opened" if proposal.opened else "updated" if proposal.changed else "unchanged"
    writer.findings.append(
        Finding(
            kind="write_back",
            message=f"proposed in pull request #{proposal.number} ({verb}): {proposal.url}",
        )
    )
    return WriteBackResult(
        written=tuple(done), findings=tuple(writer.findings), pull_request=proposal.url
    )


class _GitError(Exception):
    """A git command that failed, with its last line of complaint."""


def _git_ok(
    folder: Path, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Run git in ``folder``; its output, or ``_GitError`` with its last line of complaint."""
    done = subprocess.run(  # noqa: S603  # fixed arguments, no shell
        ["git", "-C", str(folder), *args],  # noqa: S607  # git from the PATH
        input=stdin,
        capture_output=True,
        check=False,
        env={**os.environ, **env} if env else None,
    )
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise _GitError(f"git {args[0]}: {lines[-1] if lines else 'failed'}")
    return done.stdout.decode(errors="replace").strip()


def push_branch(
    tree: Path, files: Mapping[str, bytes], *, remote: str, branch: str, message: str
) -> str | None:
    """Commit ``files`` (paths relative to ``tree``, the working tree's top) on top of its
    ``HEAD`` without touching its index, files or branches, and push that commit to ``branch``
    of ``remote``; returns the commit pushed, or None when the branch already holds exactly
    these files. The checked-out branch and the remote's default branch are refused."""
    current = _git_ok(tree, "rev-parse", "--abbrev-ref", "HEAD")
    try:
        default = _git_ok(tree, "symbolic-ref", "--short", f"refs/remotes/{remote}/HEAD")
    except _GitError:
        default = ""
    wanted = branch.removeprefix("refs/heads/")
    if wanted in (current, default.removeprefix(f"{remote}/"), "HEAD"):
        raise _GitError(f"{branch!r} is the checked-out or the default branch; not pushed")
    with tempfile.TemporaryDirectory() as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        _git_ok(tree, "read-tree", "HEAD", env=index)
        for path, data in sorted(files.items()):
            blob = _git_ok(tree, "hash-object", "-w", "--stdin", stdin=data)
            mode = "100644"
            found = _git_ok(tree, "ls-files", "-s", "--", path, env=index)
            if found:
                mode = found.split()[0]
            _git_ok(
                tree, "update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}", env=index
            )
        new_tree = _git_ok(tree, "write-tree", env=index)
    remote_head = _git_ok(tree, "ls-remote", remote, f"refs/heads/{wanted}").split()
    if remote_head:
        _git_ok(tree, "fetch", "--quiet", remote, f"refs/heads/{wanted}")
        if _git_ok(tree, "rev-parse", f"{remote_head[0]}^{{tree}}") == new_tree:
            return None
    commit = _git_ok(tree, "commit-tree", new_tree, "-p", "HEAD", stdin=message.encode())
    # syncer's own branch, rebuilt on the checkout's HEAD each time its content changes.
    _git_ok(tree, "push", "--quiet", "--force", remote, f"{commit}:refs/heads/{wanted}")
    return commit


def push_write_back(
    edits: Sequence[DocumentEdit],
    *,
    root: Path,
    roots: Sequence[Path],
    created: Mapping[ItemKey, TicketRef],
    ticket_column: bool,
    push: PushConfig,
) -> WriteBackResult:
    """The edits committed on syncer's branch of the sources' remote; local files untouched."""
    writer = _Writer(root=root, roots=roots, ticket_column=ticket_column, replace=os.replace)
    prepared = [p for p in (writer.prepare(edit, created) for edit in edits) if p is not None]
    if not prepared:
        return WriteBackResult(findings=tuple(writer.findings))
    done = [p[3] for p in prepared]
    try:
        top = Path(_git_ok(root, "rev-parse", "--show-toplevel")).resolve()
        files = {p[0].relative_to(top).as_posix(): p[2] for p in prepared}
        commit = push_branch(
            top, files, remote=push.remote, branch=push.branch, message=commit_message(done)
        )
    except (_GitError, ValueError) as exc:
        writer.findings.append(Finding(kind="write_back", message=f"not pushed: {exc}"))
        return WriteBackResult(findings=tuple(writer.findings))
    if commit is not None:
        writer.findings.append(
            Finding(
                kind="write_back",
                message=f"pushed to {push.remote} {push.branch} ({commit[:12]}): open a pull "
                "request from it to keep the edits",
            )
        )
    return WriteBackResult(
        written=tuple(done), findings=tuple(writer.findings), commits=(commit,) if commit else ()
    )


def carry_out_write_back(
    config: Config,
    plan: Plan,
    result: ApplyResult | None,
    *,
    commit: bool = False,
    trackers: Mapping[str, TicketTracker] | None = None,
) -> Plan:
    """The write-back step of a sync: ``plan`` with its document edits as written (their diffs)
    and what could not be written among its findings. Without ``result`` (a dry run) nothing is
    written: the diffs show what a sync would write."""
    if not plan.edits:
        return plan
    sources = config.settings.sources
    roots = source_roots(sources.paths, base=config.base_dir)
    ticket_column = sources.write_back_ticket_column
    if result is None:
        return preview_write_back(
            plan, root=config.source_root, roots=roots, ticket_column=ticket_column
        )
    created = {
        o.change.item_key: o.ref
        for o in result.outcomes
        if o.change.kind == "create" and o.ref is not None and o.status in ("done", "recovered")
    }
    if sources.push is not None:
        done = push_write_back(
            plan.edits,
            root=config.source_root,
            roots=roots,
            created=created,
            ticket_column=ticket_column,
            push=sources.push,
        )
    elif sources.pull_request is not None:
        done = propose_write_back(
            plan.edits,
            root=config.source_root,
            roots=roots,
            created=created,
            ticket_column=ticket_column,
            pull=sources.pull_request,
            tracker=(trackers or {}).get(sources.pull_request.tracker),
        )
    else:
        done = write_back(
            plan.edits,
            root=config.source_root,
            roots=roots,
            created=created,
            ticket_column=ticket_column,
            commit=commit,
        )
    return plan.model_copy(
        update={"edits": done.written, "findings": plan.findings + done.findings}
    )
