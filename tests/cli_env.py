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


PASSPHRASE = "korrekt hest batteri"


def in_process_varsel(tmp_path, monkeypatch, capsys, user: str = "kari"):  # noqa: ANN001, ANN201
    """`varsel` run in this process as `user` on a fresh SQLite file (tmp_path/cli.db):
    `run(*argv)` → (exit code, stdout, stderr); `run.json(*argv)` → the parsed `--json` output,
    asserting exit 0."""
    import json

    from varsel_tui.cli import main

    monkeypatch.setenv("VARSEL_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("VARSEL_USER", user)
    monkeypatch.setenv("VARSEL_PASSPHRASE", PASSPHRASE)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return code, out.out, out.err

    def as_json(*argv: str):  # noqa: ANN202
        code, out, err = run(*argv, "--json")
        assert code == 0, err
        return json.loads(out)

    run.json = as_json  # type: ignore[attr-defined]
    return run
