"""Configuration: a TOML file plus environment overrides -> one frozen Settings.

This is the only module that reads the environment. The Discord token is not part of
Settings (so it can never end up in a repr or a log line): `read_token()` fetches it when
the bot starts.

The file is the first that exists of: `--config`, `ARTICLEBOT_CONFIG`,
`./config/articlebot.toml` (the repository's own), `articlebot.toml` in the user's config
folder. Without one, the corpus is the seeds shipped inside the package and the database
lives in the user's data folder, so an installed `articlebot` writes nothing where it is
started.
"""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "articlebot"
LOCAL_CONFIG = Path("config/articlebot.toml")  # relative to the current folder


class ConfigError(Exception):
    """The configuration cannot be used; the message says which key and why."""


def bundled_seeds() -> Path:
    """The seed articles shipped inside the package (`bot/seeds` in a wheel).

    An editable install imports `bot` from the repository, where the seeds are the
    top-level `seeds/` folder that the wheel maps to `bot/seeds` (see setup.py).
    """
    package = Path(__file__).resolve().parent
    inside = package / "seeds"
    return inside if inside.is_dir() else package.parent / "seeds"


def user_config_file() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "articlebot.toml"


def _default_db_path() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "articlebot.sqlite3"


# The defaults live here and only here: a key that is neither in the file nor in the
# environment is left out of the constructor call, so the dataclass supplies it.
@dataclass(frozen=True, slots=True)
class DigestDefaults:
    time: str = "09:00"
    timezone: str = "UTC"
    size: int = 3


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path = field(default_factory=_default_db_path)
    corpus_dirs: tuple[Path, ...] = field(default_factory=lambda: (bundled_seeds(),))
    min_confidence: float = 0.5
    api_base: str | None = None  # e.g. "http://127.0.0.1:8080/api/v10"
    gateway_url: str | None = None  # e.g. "ws://127.0.0.1:8080/gateway"
    dev_guild_id: int | None = None
    shard_count: int | None = None
    owner_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    semantic: bool = True  # search by meaning beside the words (the shipped ONNX model)
    model_dir: Path | None = None  # another model directory than the shipped one
    insights_retention_days: int = 90  # questions and votes older than this are purged daily
    # The privileged Message Content intent (off: the bot reads only messages that mention
    # it). On, auto-answer also reads a forum post's first message and text channels.
    message_content: bool = False
    digest: DigestDefaults = field(default_factory=DigestDefaults)


def load_settings(
    config_path: Path | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Read the config file (if any is found), then let environment variables override it."""
    env = os.environ if env is None else env
    path = find_config_file(config_path, env)
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    return _build(_given(raw, path, env))


def find_config_file(config_path: Path | None, env: Mapping[str, str]) -> Path | None:
    """The file to read: a named one must exist; otherwise the first found, or None."""
    named = env.get("ARTICLEBOT_CONFIG", "").strip()
    for origin, path in (("--config", config_path), ("ARTICLEBOT_CONFIG", named)):
        if path:
            if not Path(path).is_file():
                raise ConfigError(f"{origin} {path}: no such config file")
            return Path(path)
    return next((p for p in (LOCAL_CONFIG, user_config_file()) if p.is_file()), None)


# Where a value came from (the file and key, or the variable), for the error message.
_Given = dict[str, tuple[str, Any]]


def _given(raw: dict[str, Any], path: Path | None, env: Mapping[str, str]) -> _Given:
    """Qualified key ("db_path", "digest.size") -> (its origin, its raw value)."""
    given: _Given = {}
    for section, table in raw.items():
        if section not in _SECTIONS:
            raise ConfigError(f"{path}: unknown section [{section}]")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{section}] must be a table of keys")
        prefix = "digest." if section == "digest" else ""
        for key, value in table.items():
            if prefix + key not in _KEYS or (prefix == "" and key.startswith("digest.")):
                raise ConfigError(f"{path}: unknown key {key!r} in [{section}]")
            given[prefix + key] = (f"{path}: [{section}] {key}", value)
    for key, (var, _convert) in _KEYS.items():
        if env.get(var):
            given[key] = (var, env[var])
    return given


def _build(given: _Given) -> Settings:
    top: dict[str, Any] = {}
    digest: dict[str, Any] = {}
    for key, (origin, value) in given.items():
        try:
            converted = _KEYS[key][1](value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{origin}: {exc}") from exc
        if key.startswith("digest."):
            digest[key.removeprefix("digest.")] = converted
        else:
            top[key] = converted
    return Settings(**top, digest=DigestDefaults(**digest))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value.strip()


def _optional_text(value: Any) -> str | None:
    return _text(value) or None


def _path(value: Any) -> Path:
    text = _text(value)
    if not text:
        raise ValueError("an empty path")
    return Path(text).expanduser()


def _paths(value: Any) -> tuple[Path, ...]:
    items = value.split(os.pathsep) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"{value!r} is not a list of directories")
    return tuple(_path(item) for item in items if not isinstance(item, str) or item.strip())


def _number(value: Any, kind: Callable[[Any], Any]) -> Any:
    if isinstance(value, bool):  # TOML true is not 1
        raise ValueError(f"{value!r} is not a number")
    try:
        return kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a{'n integer' if kind is int else ' number'}") from None


def _fraction(value: Any) -> float:
    number = _number(value, float)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{value!r} is not between 0 and 1")
    return number


def _int(value: Any) -> int:
    return _number(value, int)


def _positive_int(value: Any) -> int:
    number = _int(value)
    if number < 1:
        raise ValueError(f"{value!r} is not at least 1")
    return number


def _optional_int(value: Any) -> int | None:
    """An id or count; empty or 0 means unset."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _int(value)
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number or None


def _ints(value: Any) -> frozenset[int]:
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"{value!r} is not a list of user ids")
    return frozenset(_int(item) for item in items)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{value!r} is not a yes/no value")


def _log_level(value: Any) -> str:
    level = _text(value).upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError(f"{value!r} is not DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


_SECTIONS = ("bot", "discord", "digest")

# Every key: qualified name -> (environment variable, converter of a TOML or text value).
# [bot] and [discord] both hold the unqualified keys; [digest] the "digest." ones.
_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "db_path": ("ARTICLEBOT_DB", _path),
    "corpus_dirs": ("ARTICLEBOT_CORPUS", _paths),
    "min_confidence": ("ARTICLEBOT_MIN_CONFIDENCE", _fraction),
    "log_level": ("ARTICLEBOT_LOG_LEVEL", _log_level),
    "semantic": ("ARTICLEBOT_SEMANTIC", _bool),
    "model_dir": ("ARTICLEBOT_MODEL_DIR", _path),
    "insights_retention_days": ("ARTICLEBOT_INSIGHTS_RETENTION_DAYS", _positive_int),
    "message_content": ("ARTICLEBOT_MESSAGE_CONTENT", _bool),
    "api_base": ("DISCORD_API_BASE", _optional_text),
    "gateway_url": ("DISCORD_GATEWAY_URL", _optional_text),
    "dev_guild_id": ("ARTICLEBOT_DEV_GUILD", _optional_int),
    "shard_count": ("ARTICLEBOT_SHARD_COUNT", _optional_int),
    "owner_ids": ("ARTICLEBOT_OWNER_IDS", _ints),
    "digest.time": ("ARTICLEBOT_DIGEST_TIME", _text),
    "digest.timezone": ("ARTICLEBOT_DIGEST_TIMEZONE", _text),
    "digest.size": ("ARTICLEBOT_DIGEST_SIZE", _int),
}


def read_token(env: Mapping[str, str] | None = None) -> str | None:
    """The bot token from DISCORD_TOKEN, else from the file named by DISCORD_TOKEN_FILE.

    Errors and warnings name the file, never what it holds.
    """
    env = os.environ if env is None else env
    token = env.get("DISCORD_TOKEN", "").strip()
    if token:
        return token
    token_file = env.get("DISCORD_TOKEN_FILE", "").strip()
    if not token_file:
        return None
    return _read_token_file(Path(token_file))


def _read_token_file(path: Path) -> str | None:
    where = f"DISCORD_TOKEN_FILE {path}"
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as exc:
        raise ConfigError(f"{where}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # The decoder's message would quote a byte of the secret.
        raise ConfigError(f"{where} is not UTF-8 text: is it the token file?") from None
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) > 1:
        raise ConfigError(f"{where} holds {len(lines)} lines; it must hold only the token")
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        logging.getLogger(__name__).warning(
            "%s is readable by other users (mode %04o): chmod 600 it, or make it readable "
            "only by the bot's user",
            where,
            stat.S_IMODE(mode),
        )
    return lines[0].strip() if lines else None
