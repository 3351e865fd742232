"""The environment for running varsel in a subprocess in tests: fast keys (tests/fastkdf's
sitecustomize), this checkout first."""

from __future__ import annotations

import os

FASTKDF_DIR = os.path.join(os.path.dirname(__file__), "fastkdf")


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (FASTKDF_DIR, env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env
