"""Finding and reading post-mortem files: the file-system edge of parsing.

``discover`` expands files, folders (searched recursively for ``*.md``) and globs into a sorted
list, minus the ``exclude`` globs matched against each file's name relative to the sources'
root; ``read_documents`` reads and parses them one at a time (a generator, so a large tree is
never held in memory), reusing a cached parse when a file's bytes have not changed and the same
version of syncer parsed them. A file that cannot be read becomes a ``Document`` with an error;
it never stops the others.
"""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from fnmatch import translate
from pathlib import Path

from pydantic import ValidationError

from syncer import __version__
from syncer.config import Config
from syncer.config_problems import plural
from syncer.core.parse import parse_bytes
from syncer.errors import ConfigError
from syncer.model import Document, Incident, Problem, slugify


def source_name(path: Path, root: Path) -> str:
    """The name a document goes by: its path relative to ``root``, with ``/`` separators."""
    return _name(path.resolve(), root.resolve())


def source_names(paths: Iterable[Path], root: Path) -> list[str]:
    """``source_name`` of each path (the root and each folder resolved once)."""
    base = root.resolve()
    real = _Resolver()
    return [_name(real(path), base) for path in paths]


class _Resolver:
    """``Path.resolve`` for many paths, each folder resolved once: a file that is not a symbolic
    link is its folder's real path plus its name (10,000 documents: one ``lstat`` each instead
    of one per component of the path, twice a cycle)."""

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        try:
            linked = path.name in ("", ".", "..") or path.is_symlink()
        except OSError:
            linked = True  # let resolve say what it makes of it
        if linked:
            return path.resolve()
        folder = path.parent
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = folder.resolve()
        return real / path.name


def _name(resolved: Path, root: Path) -> str:
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return resolved.as_posix()


def exclusion(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex for ``exclude`` globs: fnmatch's, except that ``**/`` also matches no folder.

    Without that, ``**/template.md`` would skip ``sub/template.md`` but not a ``template.md``
    directly in the root, which nobody writing the glob means.
    """
    alternatives = [
        "(?:.*/)?".join(translate(part).removesuffix(r"\Z") for part in pattern.split("**/"))
        for pattern in patterns
    ]
    if not alternatives:
        return re.compile("(?!)")
    return re.compile("(?s:" + "|".join(f"(?:{a})" for a in alternatives) + r")\Z")


def discover(
    paths: Iterable[str], *, base: Path, root: Path | None = None, exclude: Iterable[str] = ()
) -> list[Path]:
    """Every Markdown file named by ``paths`` (relative to ``base``), minus ``exclude`` globs.

    ``exclude`` is matched against each file's source name, its path relative to ``root``
    (``base`` when not given), the same name the document goes by everywhere else.
    """
    found: set[Path] = set()
    for spec in paths:
        target = base / spec
        if glob.has_magic(spec):
            matches = [Path(p) for p in glob.glob(str(target), recursive=True)]
        else:
            matches = [target]
        for match in matches:
            if match.is_dir():
                found.update(p for p in match.rglob("*.md") if p.is_file())
            elif match.exists():
                found.add(match)
            else:
                found.add(match)  # reported as unreadable by read_documents, not lost silently
    skip = exclusion(exclude)
    names_from = (base if root is None else root).resolve()
    # A symbolic link and its target are one document, read once.
    real = _Resolver()
    unique = {real(p): p for p in sorted(found, reverse=True)}
    return sorted(p for real, p in unique.items() if not skip.match(_name(real, names_from)))


def _unreadable(source: str, message: str) -> Document:
    return Document(
        source=source,
        content_hash="",
        incident=Incident(id=slugify(source.rsplit(".", 1)[0])),
        errors=(Problem(source=source, message=message),),
    )


def cache_tag(content_hash: str) -> str:
    """What a cached parse is filed under: the bytes' hash and the parser that read them."""
    return f"{__version__}:{content_hash}"


def read_documents(
    files: Iterable[Path],
    *,
    root: Path,
    cache: Mapping[str, tuple[str, str]] | None = None,
    texts: MutableMapping[str, str] | None = None,
) -> Iterator[tuple[Document, bool]]:
    """(document, parsed now) for each file; ``cache`` maps source -> (hash, parsed JSON).

    ``texts``, when given, is filled with each readable file's text (source -> text, invalid
    UTF-8 replaced) from the same bytes: the report looks for template placeholders and
    "related incidents" lines the parsed document does not keep.
    """
    cache = cache or {}
    root = root.resolve()
    real = _Resolver()
    for path in files:
        source = _name(real(path), root)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            yield _unreadable(source, "no such file"), True
            continue
        except OSError as exc:
            yield _unreadable(source, f"cannot read: {exc.strerror}"), True
            continue
        if texts is not None:
            texts[source] = data.decode("utf-8", errors="replace")
        digest = hashlib.sha256(data).hexdigest()
        cached = cache.get(source)
        if cached is not None and cached[0] == cache_tag(digest):
            try:
                yield Document.model_validate_json(cached[1]), False
                continue
            except ValidationError:
                pass  # written by another version of syncer: parse again
        yield parse_bytes(data, source=source), True


def source_problems(config: Config) -> tuple[int, list[str]]:
    """How many documents the configured sources hold, and what is wrong with them.

    A path that does not exist is a problem; so are sources holding no document at all, unless
    ``[sources] allow_empty`` says that is expected: in a cron job an unmounted volume must not
    look like nothing to do. With shards, so are documents no shard takes: no worker reads them.
    """
    sources = config.settings.sources
    problems = [
        f"sources.paths: {spec!r} does not exist (looked for {config.base_dir / spec})"
        for spec in sources.paths
        if not glob.has_magic(spec) and not (config.base_dir / spec).exists()
    ]
    found = discover(
        sources.paths, base=config.base_dir, root=config.source_root, exclude=sources.exclude
    )
    state = config.settings.state
    names = source_names((f for f in found if f.exists()), config.source_root)
    count = sum(1 for name in names if state.owns(name))
    if state.shards and (stray := [name for name in names if state.shard_of(name) is None]):
        shown = ", ".join(stray[:3]) + (f" and {len(stray) - 3} more" if len(stray) > 3 else "")
        problems.append(
            f"state.shards: {plural(len(stray), 'post-mortem')} "
            f"{'belongs' if len(stray) == 1 else 'belong'} to no shard, so no worker reads "
            f"{'it' if len(stray) == 1 else 'them'} ({shown}); add a last shard that takes the "
            'rest, such as rest = ["**"]'
        )
    if count == 0 and not sources.allow_empty:
        where = ", ".join(sources.paths) or "(no paths)"
        problems.append(
            f"sources: no post-mortem found in {where} (an unmounted volume?); set "
            "[sources] allow_empty = true if an empty source is expected"
        )
    return count, problems


def require_documents(config: Config) -> None:
    """Refuse to plan or sync sources that hold nothing, unless that is expected."""
    count, problems = source_problems(config)
    if count == 0 and not config.settings.sources.allow_empty:
        raise ConfigError("nothing to read: refusing to run on empty sources", tuple(problems))
