"""Loading DAG files: import user files, collect their DAGs, turn every failure into data.

``load_dag_file`` and ``load_dags`` import user code in *this* process (``dags test`` and
the task runner need live DAG objects). ``parse_dag_files`` does the same work in a child
process (:mod:`tradewind.runtime.parse_worker`) and returns serialized ``DagSpec``\\ s, so a
file that hangs, calls ``os._exit`` or crashes the interpreter cannot take the caller down.

A file that fails is never an exception for the caller: it becomes a :class:`DagImportError`
(file, line, message, traceback) and the other files load as usual, as in Airflow's DagBag.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType, ModuleType, TracebackType
from typing import TYPE_CHECKING, Any

from tradewind.compat import install_if_needed
from tradewind.errors import DagFileError, DagNotFoundError, TaskOutsideDagError
from tradewind.sdk._stack import DagCollection, close_collection, open_collection
from tradewind.sdk.dag import DAG

if TYPE_CHECKING:
    from tradewind.contracts.dagspec import DagSpec

__all__ = [
    "DagImportError",
    "LoadResult",
    "ParseResult",
    "dag_folder",
    "duplicate_dag_id_error",
    "find_dag_files",
    "get_dag",
    "get_dag_spec",
    "load_dag_file",
    "load_dags",
    "parse_dag_files",
]

DEFAULT_IGNORE_FILE = ".tradewindignore"
AIRFLOW_IGNORE_FILE = ".airflowignore"

StrPath = str | os.PathLike[str]


@dataclass(frozen=True)
class DagImportError:
    """A DAG file that could not be loaded, or a DAG in it that had to be dropped."""

    filename: str
    #: The line of ``filename`` where the problem arose, when there is one.
    lineno: int | None
    message: str
    traceback: str

    @property
    def location(self) -> str:
        return self.filename if self.lineno is None else f"{self.filename}:{self.lineno}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DagImportError:
        return cls(data["filename"], data["lineno"], data["message"], data["traceback"])


@dataclass
class LoadResult:
    """The DAGs (by dag_id) and the import errors of the files in ``files``."""

    dags: dict[str, DAG] = field(default_factory=dict)
    errors: list[DagImportError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class ParseResult:
    """What a parse worker reported: serialized DAGs and import errors of ``files``."""

    specs: list[DagSpec] = field(default_factory=list)
    errors: list[DagImportError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def duplicate_dag_id_error(dag_id: str, first_file: str, second_file: str) -> DagImportError:
    """The error for a dag_id seen a second time; the first definition is kept."""
    where = (
        "defined twice in this file"
        if first_file == second_file
        else (f"already defined in {first_file}")
    )
    return DagImportError(
        second_file,
        None,
        f"DAG id {dag_id!r} is {where}; the second definition, in {second_file}, is ignored. "
        "Give each DAG a unique dag_id.",
        "",
    )


# -- finding files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _IgnoreRule:
    """One gitignore-style pattern, relative to the folder of the ignore file it came from."""

    base: Path
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool

    def matches(self, path: Path, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        return self.regex.fullmatch(path.relative_to(self.base).as_posix()) is not None


def _glob_to_regex(pattern: str) -> str:
    """gitignore globbing: ``*`` and ``?`` stay in one folder, a ``**`` segment spans many."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i) and (i == 0 or pattern[i - 1] == "/"):
            if pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
                continue
            if i + 2 == len(pattern):
                out.append(".*")
                break
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body[0] in "!^" else body) + "]")
            i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _parse_ignore_line(line: str, base: Path) -> _IgnoreRule | None:
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    line = line.removeprefix("!")
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    # As in gitignore: a pattern with a slash is anchored to its folder, one without matches
    # a name at any depth below it.
    body = _glob_to_regex(line.lstrip("/"))
    regex = body if "/" in line else f"(?:.*/)?{body}"
    return _IgnoreRule(base, re.compile(regex), negate, dir_only)


def _read_ignore_rules(folder: Path, names: list[str]) -> list[_IgnoreRule]:
    rules: list[_IgnoreRule] = []
    for name in names:
        ignore_file = folder / name
        if ignore_file.is_file():
            for line in ignore_file.read_text(encoding="utf-8", errors="replace").splitlines():
                rule = _parse_ignore_line(line, folder)
                if rule is not None:
                    rules.append(rule)
    return rules


def _is_ignored(path: Path, is_dir: bool, rules: list[_IgnoreRule]) -> bool:
    ignored = False
    for rule in rules:  # the last matching rule decides, so "!keep.py" can re-include
        if rule.matches(path, is_dir):
            ignored = not rule.negate
    return ignored


def _might_define_dag(path: Path) -> bool:
    """Airflow's safe-mode heuristic: a file that never says "dag" defines no DAG."""
    try:
        return b"dag" in path.read_bytes().lower()
    except OSError:
        return True  # let the import report why the file cannot be read


def _absolute(path: StrPath) -> Path:
    # normpath, not resolve(): keep the user's symlinked folders as they named them.
    return Path(os.path.normpath(Path(path).absolute()))


def find_dag_files(
    path: StrPath,
    *,
    ignore_file_name: str = DEFAULT_IGNORE_FILE,
    also_ignore_airflowignore: bool = True,
) -> list[str]:
    """The files ``load_dags`` would import, sorted; raises ``DagFileError`` if none exists."""
    root = _absolute(path)
    if root.is_file():
        return [str(root)]
    if not root.is_dir():
        raise DagFileError(f"No DAG file or folder at {path}; check the path.")
    names = [ignore_file_name] + ([AIRFLOW_IGNORE_FILE] if also_ignore_airflowignore else [])
    found: list[str] = []
    seen: set[Path] = set()

    def walk(folder: Path, rules: list[_IgnoreRule]) -> None:
        real = folder.resolve()
        if real in seen:  # a symlink loop
            return
        seen.add(real)
        rules = rules + _read_ignore_rules(folder, names)
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            is_dir = entry.is_dir()
            if _is_ignored(entry, is_dir, rules):
                continue
            if is_dir:
                walk(entry, rules)
            elif entry.suffix == ".py" and entry.is_file() and _might_define_dag(entry):
                found.append(str(entry))

    walk(root, [])
    return sorted(found)


# -- importing one file ----------------------------------------------------------------------


class _ImportTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so that a file's ``except Exception`` cannot hide it."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread only: signals need it)."""
    if (
        seconds <= 0
        or not hasattr(signal, "SIGALRM")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    started = time.monotonic()
    ours = started + seconds
    # None means a handler installed outside Python; the default is the closest we can restore.
    outer_handler = signal.getsignal(signal.SIGALRM) or signal.SIG_DFL
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    outer_fired = False

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        nonlocal outer_fired
        if time.monotonic() >= ours - 1e-3:
            raise _ImportTimeout
        # An outer timer (pytest-timeout, a supervisor) was due first: honour it, then ours.
        outer_fired = True
        if callable(outer_handler):
            outer_handler(signum, frame)
        signal.setitimer(signal.ITIMER_REAL, max(ours - time.monotonic(), 1e-3))

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer_delay) if outer_delay else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer_handler)
        if outer_delay and not outer_fired:
            remaining = outer_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3), outer_interval)


@contextmanager
def _on_sys_path(folders: list[Path]) -> Iterator[None]:
    added = [str(f) for f in dict.fromkeys(folders) if str(f) not in sys.path]
    sys.path[:0] = added
    try:
        yield
    finally:
        for folder in added:
            with suppress(ValueError):
                sys.path.remove(folder)


def _module_name(filename: Path) -> str:
    # Unique per path, so two files called dag.py in different folders do not collide.
    digest = hashlib.sha1(str(filename).encode(), usedforsecurity=False).hexdigest()[:12]
    stem = re.sub(r"\W", "_", filename.stem)
    return f"tradewind_dagfile_{digest}_{stem}"


def _execute(filename: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, filename)
    if spec is None:
        raise ImportError(f"Python cannot import {filename}.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    # Compiled from source each time, not through the bytecode cache: a file edited twice in
    # one second must not load stale, and DAG folders stay free of __pycache__.
    code = compile(filename.read_bytes(), str(filename), "exec", dont_inherit=True)
    exec(code, module.__dict__)
    return module


def _innermost_user_line(filename: str, tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _user_traceback(filename: str, error: BaseException) -> str:
    """The traceback from the user's file inward, without the loader's own frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    if tb is None and isinstance(error, SyntaxError):
        return "".join(traceback.format_exception_only(error))
    if isinstance(error, _ImportTimeout):  # end at the user's line, not in the alarm handler
        frames = [f for f in traceback.extract_tb(tb) if f.filename != __file__]
        stack = "".join(traceback.StackSummary.from_list(frames).format())
        return f"Traceback (most recent call last):\n{stack}TimeoutError: import timed out\n"
    return "".join(traceback.format_exception(type(error), error, tb or error.__traceback__))


def _error_from_exception(filename: str, error: BaseException, timeout: float) -> DagImportError:
    if isinstance(error, SyntaxError) and error.filename == filename:
        lineno = error.lineno
    else:
        lineno = _innermost_user_line(filename, error.__traceback__)
    if isinstance(error, _ImportTimeout):
        message = (
            f"TimeoutError: importing the file took longer than {timeout:g}s and was stopped"
            f"{f' at line {lineno}' if lineno else ''}. Move slow work (network calls, big "
            "reads) from module level into tasks, or raise the DAG file import timeout."
        )
    elif isinstance(error, SyntaxError):
        message = f"{type(error).__name__}: {error.msg}"
    elif isinstance(error, SystemExit):
        message = f"SystemExit: the file called sys.exit({error.code!r}) while being imported."
    else:
        message = f"{type(error).__name__}: {error}"
    return DagImportError(filename, lineno, message, _user_traceback(filename, error))


def _collect(module: ModuleType, collection: DagCollection) -> list[DAG]:
    """DAGs entered or built by ``@dag`` during the import, then module-level DAG globals."""
    found = [dag for dag in collection.dags if dag.auto_register]
    for value in list(vars(module).values()):
        if isinstance(value, DAG) and all(value is not dag for dag in found):
            found.append(value)
    return found


def _orphan_error(filename: str, collection: DagCollection) -> DagImportError | None:
    orphans = [(task, site) for task, site in collection.orphan_tasks if task.dag is None]
    if not orphans:
        return None
    listed = ", ".join(f"{task.task_id!r} at {site}" for task, site in orphans)
    error = TaskOutsideDagError(
        f"{len(orphans)} task(s) created outside any DAG: {listed}. Create tasks inside "
        "`with DAG(...)` or a @dag function, or pass dag=... ."
    )
    first_site = orphans[0][1]
    site_file, _, site_line = first_site.rpartition(":")
    lineno = int(site_line) if site_file == filename and site_line.isdigit() else None
    return DagImportError(filename, lineno, f"TaskOutsideDagError: {error}", "")


def load_dag_file(
    path: StrPath, *, timeout: float = 30.0, root: StrPath | None = None
) -> LoadResult:
    """Import one DAG file here and return its valid DAGs and its import errors.

    The file's folder and ``root`` (the DAG folder) are on ``sys.path`` during the import,
    so sibling helper modules import. ``timeout`` (seconds, 0 for none) applies on the main
    thread only. Never raises, except ``KeyboardInterrupt``.
    """
    filename = _absolute(path)
    name = str(filename)
    result = LoadResult(files=[name])
    module_name = _module_name(filename)
    folders = [filename.parent] + ([_absolute(root)] if root is not None else [])
    collection = open_collection()
    try:
        with _on_sys_path(folders), _deadline(timeout):
            install_if_needed()  # `import airflow` / `import pendulum` for Airflow DAG files
            module = _execute(filename, module_name)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # any failure of user code is data, even SystemExit
        sys.modules.pop(module_name, None)
        result.errors.append(_error_from_exception(name, error, timeout))
        return result
    finally:
        close_collection(collection)
    for dag in _collect(module, collection):
        # Airflow's rule: a DAG belongs to the file that exposes it, even when a helper module
        # built it, so that a worker re-imports this file to find it.
        dag.fileloc = name
        try:
            dag.validate()
        except Exception as error:
            result.errors.append(DagImportError(name, None, f"{type(error).__name__}: {error}", ""))
            continue
        if dag.dag_id in result.dags:
            result.errors.append(duplicate_dag_id_error(dag.dag_id, name, name))
            continue
        result.dags[dag.dag_id] = dag
    orphan_error = _orphan_error(name, collection)
    if orphan_error is not None:
        result.errors.append(orphan_error)
    return result


# -- folders ---------------------------------------------------------------------------------


def dag_folder(path: StrPath) -> Path:
    """The folder put on ``sys.path`` for ``path``: itself if a folder, else its parent."""
    absolute = _absolute(path)
    return absolute if absolute.is_dir() else absolute.parent


def load_dags(
    path: StrPath,
    *,
    timeout: float = 30.0,
    ignore_file_name: str = DEFAULT_IGNORE_FILE,
    also_ignore_airflowignore: bool = True,
) -> LoadResult:
    """Import a DAG file, or every DAG file under a folder, in this process.

    Raises ``DagFileError`` only when ``path`` does not exist; every problem inside a file is
    an import error in the result. A dag_id seen twice keeps the first file's DAG.
    """
    files = find_dag_files(
        path, ignore_file_name=ignore_file_name, also_ignore_airflowignore=also_ignore_airflowignore
    )
    root = dag_folder(path)
    result = LoadResult(files=files)
    for filename in files:
        loaded = load_dag_file(filename, timeout=timeout, root=root)
        result.errors.extend(loaded.errors)
        for dag_id, dag in loaded.dags.items():
            first = result.dags.get(dag_id)
            if first is not None:
                result.errors.append(duplicate_dag_id_error(dag_id, first.fileloc, filename))
            else:
                result.dags[dag_id] = dag
    return result


def parse_dag_files(
    path: StrPath,
    *,
    timeout: float = 30.0,
    total_timeout: float | None = None,
    ignore_file_name: str = DEFAULT_IGNORE_FILE,
    also_ignore_airflowignore: bool = True,
) -> ParseResult:
    """Parse DAG files in a child process and return their ``DagSpec``\\ s and import errors.

    Same files and rules as :func:`load_dags`, but user code never runs in the caller; a
    file that crashes or hangs the child is an import error. ``total_timeout`` bounds the
    whole parse. See :mod:`tradewind.runtime.parse_worker`.
    """
    from tradewind.runtime.parse_worker import parse

    return parse(
        path,
        timeout=timeout,
        total_timeout=total_timeout,
        ignore_file_name=ignore_file_name,
        also_ignore_airflowignore=also_ignore_airflowignore,
    )


# -- finding one DAG -------------------------------------------------------------------------


def _not_found(
    path: StrPath, dag_id: str, defined: list[str], errors: list[DagImportError]
) -> DagNotFoundError:
    listed = f"it defines: {', '.join(sorted(defined))}" if defined else "it defines no DAGs"
    message = f"DAG {dag_id!r} not found in {path}; {listed}"
    if errors:
        first = errors[0]
        first_line = first.message.splitlines()[0] if first.message else ""
        message += f" ({len(errors)} import error(s), the first at {first.location}: {first_line})"
    return DagNotFoundError(message)


def get_dag(path: StrPath, dag_id: str, *, timeout: float = 30.0) -> DAG:
    """Load ``path`` here and return the DAG ``dag_id``.

    Raises ``DagFileError`` if ``path`` does not exist and ``DagNotFoundError`` (one line,
    naming the dag_ids the path does define) if no file in it defines ``dag_id``.
    """
    result = load_dags(path, timeout=timeout)
    if dag_id in result.dags:
        return result.dags[dag_id]
    raise _not_found(path, dag_id, list(result.dags), result.errors)


def get_dag_spec(path: StrPath, dag_id: str, *, timeout: float = 30.0) -> DagSpec:
    """Like :func:`get_dag`, but parsed in a child process: the serialized DAG."""
    result = parse_dag_files(path, timeout=timeout)
    for spec in result.specs:
        if spec.dag_id == dag_id:
            return spec
    raise _not_found(path, dag_id, [spec.dag_id for spec in result.specs], result.errors)
