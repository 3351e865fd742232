"""Finding and loading workflow files: the bundled ones in the package, plus an organisation's
own in the config dir (`<config>/workflows/*.toml`, or VARSEL_WORKFLOWS), which may add new
workflows or replace a bundled one by using its id."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .data_paths import data_dir
from .domain.workflow import Workflow, WorkflowError, parse_workflow

BUNDLED_DIR = data_dir() / "workflows"


def organisation_dir() -> Path | None:
    env = os.environ.get("VARSEL_WORKFLOWS")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    path = Path(user_config_dir("varsel-tui")) / "workflows"
    return path if path.is_dir() else None


def load_file(path: Path) -> Workflow:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkflowError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_workflow(text, str(path))


@lru_cache(maxsize=1)
def _all() -> dict[str, Workflow]:
    found: dict[str, Workflow] = {}
    dirs = [BUNDLED_DIR]
    org = organisation_dir()
    if org is not None:
        dirs.append(org)
    for d in dirs:
        for path in sorted(d.glob("*.toml")):
            wf = load_file(path)
            found[wf.id] = wf
    return found


def all_workflows() -> dict[str, Workflow]:
    return _all()


def get(workflow_id: str) -> Workflow:
    try:
        return _all()[workflow_id]
    except KeyError:
        known = ", ".join(sorted(_all()))
        raise WorkflowError(f"unknown workflow '{workflow_id}' (known: {known})") from None


def reload() -> None:
    _all.cache_clear()
