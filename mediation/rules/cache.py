"""A cache of loaded rule sets, so that a desk command does not parse and check YAML each time.

Loading the shipped rule set (read, validate, compile) costs tens of
milliseconds: a large part of a desk command's start-up. :func:`load_cached`
keeps the loaded :class:`~mediation.rules.engine.RuleSet` in the user's cache
directory (``$MEDIATION_CACHE``, else ``$XDG_CACHE_HOME/mediation``, else
``~/.cache/mediation``), one file per rule directory, and uses it only when

- every rule file it was loaded from (the directory's ``*.yaml``, and those of
  the directories it ``extends``) still has the same content (SHA-256) and no
  file was added or removed there;
- it was written by this Python and by this code (the size and time of every module of
  ``mediation.rules`` and of the package's root);
- the pickled rule set still has the SHA-256 recorded beside it (a file cut
  short or changed is never unpickled);
- the file and its directory belong to the user and are writable by no one
  else (a pickle runs code when loaded: only the user's own file is trusted).

On any mismatch or error the rule set is loaded from its files as without a
cache, and the cache rewritten (atomically); a cache that cannot be written is
simply not used. ``MEDIATION_CACHE=off`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import sys
import tempfile
from pathlib import Path

from mediation.errors import RuleError
from mediation.rules.engine import RuleSet
from mediation.rules.load import load_rules
from mediation.rules.yamlfile import read_rule_file

CACHE_ENV = "MEDIATION_CACHE"
#: Written into every cache file: a file of another version is ignored.
FORMAT = 1
#: A top-level ``extends: <dir>`` line (how a rule set names the one it builds on).
_EXTENDS = re.compile(r"""^extends\s*:\s*["']?([^"'#\n]+?)["']?\s*(?:#.*)?$""", re.M)


def cache_dir() -> Path | None:
    """Where rule sets are cached, or None when caching is off."""
    setting = os.environ.get(CACHE_ENV, "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mediation"


def source_files(directory: Path) -> dict[str, str]:
    """{path: SHA-256} of every rule file ``directory`` is loaded from, ``extends`` followed."""
    found: dict[str, str] = {}
    todo, seen = [Path(directory).resolve()], set()
    while todo:
        root = todo.pop()
        if root in seen:
            continue
        seen.add(root)
        found[str(root) + os.sep] = "dir"  # a file added later is noticed through the listing
        for path in sorted([*root.glob("*.yaml"), *root.glob("*.yml")]):
            try:  # as the loader reads it: a device, pipe or link out is never read here
                data = read_rule_file(path, path.name)
            except RuleError:
                found[str(path)] = "unreadable"  # no cache entry matches: the loader says what is wrong
                continue
            found[str(path)] = hashlib.sha256(data).hexdigest()
            for match in _EXTENDS.finditer(data.decode("utf-8", "replace")):
                todo.append((root / match.group(1).strip()).resolve())
    return found


#: The modules whose classes a pickled rule set holds (its own package and the package's root).
_CODE = (Path(__file__).parent, Path(__file__).parents[1])


def _stamp() -> str:
    """This program as far as a pickled rule set depends on it: a change of any of its modules
    (a new release, an edit in a checkout) makes every cache file stale."""
    code = hashlib.sha256()
    for folder in _CODE:
        for path in sorted(folder.glob("*.py")):
            st = path.stat()
            code.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return f"{FORMAT}:{sys.version_info[0]}.{sys.version_info[1]}:{code.hexdigest()[:16]}"


def _entry(directory: Path, folder: Path) -> Path:
    # by the directory and the working directory (the file names a rule set's errors show are relative)
    where = f"{Path(directory).resolve()}\n{Path(directory)}\n{os.getcwd()}"
    key = hashlib.sha256(where.encode("utf-8")).hexdigest()[:32]
    return folder / f"rules-{key}.pickle"


def _own(path: Path) -> bool:
    """Whether ``path`` belongs to this user and no one else may write it."""
    st = path.stat()
    owner = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return owner and not st.st_mode & 0o022


def read_cached(directory: Path, folder: Path, sources: dict[str, str]) -> RuleSet | None:
    """The cached rule set of ``directory`` if every check of the module's doc passes, else None."""
    entry = _entry(directory, folder)
    try:
        if not (_own(folder) and _own(entry)):
            return None
        with open(entry, "rb") as f:
            header = json.loads(f.readline())
            payload = f.read()
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("stamp") != _stamp() or header.get("sources") != sources:
        return None
    if header.get("sha256") != hashlib.sha256(payload).hexdigest():
        return None
    try:
        rules = pickle.loads(payload)
    except Exception:  # a cache is never worth a failure
        return None
    return rules if isinstance(rules, RuleSet) else None


def write_cached(directory: Path, folder: Path, sources: dict[str, str], rules: RuleSet) -> None:
    """Write the cache of ``directory`` atomically (mode 0600); silently not, if it cannot be."""
    try:
        payload = pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        header = {"stamp": _stamp(), "sources": sources, "sha256": hashlib.sha256(payload).hexdigest()}
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".rules-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(header, sort_keys=True).encode("utf-8") + b"\n" + payload)
            os.replace(tmp, _entry(directory, folder))
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return


def load_cached(directory: str | Path) -> RuleSet:
    """:func:`~mediation.rules.load.load_rules` of ``directory``, through the cache (see the module's doc).

    The rule set is the same as loaded from its files, ``path`` included; errors in
    the files are raised as :func:`load_rules` raises them (a broken rule set is never cached).
    """
    directory = Path(directory)
    folder = cache_dir()
    try:
        sources = source_files(directory) if folder is not None else None
    except OSError:
        sources = None
    if folder is None or sources is None:
        return load_rules(directory)
    kept = _KEPT.get(_entry(directory, folder))
    if kept is not None and kept[0] == (_stamp(), sources):
        rules = kept[1]
    else:
        rules = read_cached(directory, folder, sources)
        if rules is None:
            rules = load_rules(directory)
            write_cached(directory, folder, sources, rules)
    rules.path = directory
    return rules


#: Rule sets kept in memory by :func:`keep`: {cache entry: ((stamp, sources), rule set)}.
_KEPT: dict[Path, tuple[tuple[str, dict[str, str]], RuleSet]] = {}


def keep(directory: str | Path) -> None:
    """Load ``directory``'s rule set (through the cache) and keep it in this process's memory.

    For a command server (mediation.launch), which forks a process per command: each
    command's :func:`load_cached` still checks every rule file's content (and the code)
    as with the cache on disk, and gets the kept rule set, unpickled once, when they
    match. A rule set that cannot be loaded is not kept (the command will say why)."""
    directory = Path(directory)
    folder = cache_dir()
    if folder is None:
        return
    try:
        sources = source_files(directory)
        rules = load_cached(directory)
    except (OSError, RuleError):
        return
    _KEPT[_entry(directory, folder)] = ((_stamp(), sources), rules)
