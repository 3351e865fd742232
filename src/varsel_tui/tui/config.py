"""The user's config file: language, theme, idle lock and key remapping.

TOML at `platformdirs.user_config_dir("varsel-tui")/config.toml`, or the file `VARSEL_CONFIG`
names. Every setting is optional:

    lang = "en"                 # nb (default) or en; --lang on the command line wins
    theme = "textual-light"     # the colour theme; choosing one in the app (ctrl+p) saves it here
    idle_lock_minutes = 10      # lock the unlock session after this long without a key press

    [keymap]                    # binding id = key(s); tmux and terminals swallow some keys
    "queue.filter" = "slash,ctrl+f"
    "queue.copy" = "c"
    "app.help" = "f1"

Binding ids are listed in the help screen (`?`) and the README. A file that cannot be read or parsed
gives one notification and the defaults; a bad value gives one notification and that value's
default, and the rest of the file still applies. `save_setting` changes one top-level setting
and keeps the rest of the file as the user wrote it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

ENV_VAR = "VARSEL_CONFIG"
LANGS = ("nb", "en")
DEFAULT_IDLE_LOCK_MINUTES = 10

# A key string as Textual's bindings take it: comma-separated keys such as "ctrl+f", "f1", "slash".
_KEY = re.compile(r"^[A-Za-z0-9_+\-]+$")
_THEME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_BINDING_ID = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$")


@dataclass
class Config:
    lang: str | None = None  # None: not set in the file
    theme: str | None = None  # None: Textual's default
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """All problems in one line, for one notification (None when the file was fine)."""
        return "; ".join(self.problems) if self.problems else None


def config_path() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("varsel-tui")) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config file; never raises. A missing file is the defaults, without a problem."""
    import tomllib

    path = path or config_path()
    cfg = Config(path=path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if os.environ.get(ENV_VAR):
            cfg.problems.append(f"{path}: no such file (from {ENV_VAR}); using defaults")
        return cfg
    except OSError as exc:
        cfg.problems.append(f"{path}: cannot read ({exc.strerror}); using defaults")
        return cfg
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        cfg.problems.append(f"{path}: not UTF-8 text; using defaults")
        return cfg
    except tomllib.TOMLDecodeError as exc:
        cfg.problems.append(f"{path}: not valid TOML ({exc}); using defaults")
        return cfg

    for key in data:
        if key not in ("lang", "theme", "idle_lock_minutes", "keymap"):
            cfg.problems.append(f"{path}: unknown setting '{key}' (ignored)")
    if "lang" in data:
        lang = data["lang"]
        if isinstance(lang, str) and lang in LANGS:
            cfg.lang = lang
        else:
            cfg.problems.append(f"{path}: lang must be one of {', '.join(LANGS)}, not {lang!r}")
    if "theme" in data:
        theme = data["theme"]
        if isinstance(theme, str) and _THEME.match(theme):
            cfg.theme = theme
        else:
            cfg.problems.append(f"{path}: theme must be a theme name such as \"textual-dark\", not {theme!r}")
    if "idle_lock_minutes" in data:
        minutes = data["idle_lock_minutes"]
        if isinstance(minutes, int) and not isinstance(minutes, bool) and 0 <= minutes <= 24 * 60:
            cfg.idle_lock_minutes = minutes
        else:
            cfg.problems.append(f"{path}: idle_lock_minutes must be a whole number of minutes "
                                f"(0 = never), not {minutes!r}")
    if "keymap" in data:
        keymap = data["keymap"]
        if not isinstance(keymap, dict):
            cfg.problems.append(f"{path}: [keymap] must be a table of binding id = \"key\"")
        else:
            for binding_id, keys in keymap.items():
                if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
                    keys = ",".join(keys)
                if not isinstance(keys, str) or not _BINDING_ID.match(binding_id) or not keys.strip() \
                        or not all(_KEY.match(k.strip()) for k in keys.split(",")):
                    cfg.problems.append(f"{path}: keymap entry {binding_id!r} = {keys!r} is not "
                                        "'binding.id = \"key[,key]\"' (ignored)")
                    continue
                cfg.keymap[binding_id] = ",".join(k.strip() for k in keys.split(","))
    return cfg


def save_setting(path: Path, key: str, value: str) -> None:
    """Set the top-level string setting `key` in the file at `path`, keeping every other line
    (comments, [keymap]) as it is; the file and its folder are made if missing. Raises OSError."""
    line = f"{key} = {_toml_string(value)}\n"
    try:
        lines = [text if text.endswith("\n") else text + "\n"
                 for text in path.read_text(encoding="utf-8").splitlines(keepends=True)]
    except FileNotFoundError:
        lines = []
    setting = re.compile(rf"^\s*{re.escape(key)}\s*=")
    table_start = next((i for i, text in enumerate(lines) if text.lstrip().startswith("[")), len(lines))
    for i, text in enumerate(lines[:table_start]):
        if setting.match(text):
            lines[i] = line
            break
    else:  # top-level settings come before the first table
        lines.insert(table_start, line)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    tmp.replace(path)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
