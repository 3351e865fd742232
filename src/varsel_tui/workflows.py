"""Finding and loading workflow files: the bundled ones in the package, plus an organisation's
own in the config dir (`<config>/workflows/*.toml`, or VARSEL_WORKFLOWS), which may add new
workflows or replace a bundled one by using its id.

A broken file is left out and reported (`broken()`), never fatal: one bad file in the
organisation's folder must not stop the bundled workflows or the other cases from opening. A
replaced bundled workflow stays in use while its replacement is broken.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .data_paths import data_dir
from .domain.workflow import Workflow, WorkflowError, parse_workflow

BUNDLED_DIR = data_dir() / "workflows"


@dataclass(frozen=True)
class BrokenFile:
    path: Path
    problems: tuple[str, ...]  # every problem, one line each (file: TOML path: message)

    @property
    def summary(self) -> str:
        n = len(self.problems)
        return f"{self.path.name}: {n} problem{'s' if n > 1 else ''}, left out ({self.problems[0]})"


def organisation_dir() -> Path | None:
    env = os.environ.get("VARSEL_WORKFLOWS")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    path = Path(user_config_dir("varsel-tui")) / "workflows"
    return path if path.is_dir() else None


def load_file(path: Path, known_workflows: Collection[str] | None = None) -> Workflow:
    """The workflow in `path`, or WorkflowError with every problem (spawn targets are checked
    against `known_workflows` when given)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkflowError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_workflow(text, str(path), known_workflows)


def check_file(path: Path) -> Workflow:
    """`varsel workflows --check FILE`: the file as the loader would take it, spawn targets
    checked against the workflows installed now (and the file's own id)."""
    import tomllib

    known = set(all_workflows())
    try:
        own = tomllib.loads(path.read_text(encoding="utf-8")).get("id")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        own = None  # load_file says why
    if isinstance(own, str):
        known.add(own)
    return load_file(path, known)


def _files() -> list[Path]:
    dirs = [BUNDLED_DIR]
    org = organisation_dir()
    if org is not None:
        dirs.append(org)
    return [path for d in dirs for path in sorted(d.glob("*.toml"))]


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Workflow], tuple[BrokenFile, ...]]:
    files = _files()
    good: dict[Path, Workflow] = {}
    broken: dict[Path, BrokenFile] = {}
    for path in files:
        try:
            good[path] = load_file(path)
        except WorkflowError as exc:
            broken[path] = BrokenFile(path, tuple(exc.problems))
    # Spawn targets name other files: check them against what loaded, until nothing more drops out
    # (a file left out may be the target another file spawns).
    while True:
        known = {wf.id for wf in good.values()}
        dropped = False
        for path in list(good):
            if not any(b.spawn for s in good[path].steps for b in s.branches):
                continue
            try:
                load_file(path, known)
            except WorkflowError as exc:
                broken[path] = BrokenFile(path, tuple(exc.problems))
                del good[path]
                dropped = True
        if not dropped:
            break
    for path in broken:  # now that the loaded ids are known, list spawn problems too
        try:
            load_file(path, known)
        except WorkflowError as exc:
            broken[path] = BrokenFile(path, tuple(exc.problems))
    found: dict[str, Workflow] = {}
    for path in files:  # file order: an organisation's file replaces a bundled one by id
        if path in good:
            found[good[path].id] = good[path]
    return found, tuple(broken[p] for p in files if p in broken)


def all_workflows() -> dict[str, Workflow]:
    return _load()[0]


def broken() -> tuple[BrokenFile, ...]:
    """The workflow files left out, with their problems."""
    return _load()[1]


def broken_if_loaded() -> tuple[BrokenFile, ...]:
    """As broken(), but only if the workflows were loaded already (a command that never needed
    them stays light and silent)."""
    return _load()[1] if _load.cache_info().currsize else ()


def get(workflow_id: str) -> Workflow:
    try:
        return all_workflows()[workflow_id]
    except KeyError:
        known = ", ".join(sorted(all_workflows()))
        left_out = "; ".join(b.path.name for b in broken())
        hint = f"; left out as broken: {left_out} (run 'varsel workflows --check FILE')" if left_out else ""
        raise WorkflowError(f"unknown workflow '{workflow_id}' (known: {known}){hint}") from None


def reload() -> None:
    _load.cache_clear()
