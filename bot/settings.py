"""Configuration: `config/articlebot.toml` plus environment overrides -> one frozen Settings.

This is the only module that reads the environment. The Discord token is not part of
Settings (so it can never end up in a repr or a log line): `read_token()` fetches it when
the bot starts.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = Path("config/articlebot.toml")


class ConfigError(Exception):
    """The configuration cannot be used; the message says which key and why."""


@dataclass(frozen=True, slots=True)
class DigestDefaults:
    time: str = "09:00"
    timezone: str = "UTC"
    size: int = 3


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path = Path("data/articlebot.sqlite3")
    corpus_dirs: tuple[Path, ...] = (Path("seeds"),)
    min_confidence: float = 0.5
    api_base: str | None = None  # e.g. "http://127.0.0.1:8080/api/v10"
    gateway_url: str | None = None  # e.g. "ws://127.0.0.1:8080/gateway"
    dev_guild_id: int | None = None
    shard_count: int | None = None
    owner_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    semantic: bool = False  # the optional semantic rerank (needs articlebot[semantic])
    digest: DigestDefaults = field(default_factory=DigestDefaults)


# environment variable -> (config key, converter)
_ENV_KEYS: dict[str, str] = {
    "ARTICLEBOT_DB": "db_path",
    "ARTICLEBOT_CORPUS": "corpus_dirs",
    "ARTICLEBOT_MIN_CONFIDENCE": "min_confidence",
    "DISCORD_API_BASE": "api_base",
    "DISCORD_GATEWAY_URL": "gateway_url",
    "ARTICLEBOT_DEV_GUILD": "dev_guild_id",
    "ARTICLEBOT_SHARD_COUNT": "shard_count",
    "ARTICLEBOT_OWNER_IDS": "owner_ids",
    "ARTICLEBOT_LOG_LEVEL": "log_level",
    "ARTICLEBOT_SEMANTIC": "semantic",
}


def load_settings(
    config_path: Path | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Read the TOML file (if present), then let environment variables override it."""
    env = os.environ if env is None else env
    path = config_path or Path(env.get("ARTICLEBOT_CONFIG", DEFAULT_CONFIG))
    raw: dict[str, Any] = {}
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    elif config_path is not None:
        raise ConfigError(f"{path}: no such config file")

    values: dict[str, Any] = dict(raw.get("bot", {}))
    values.update(raw.get("discord", {}))
    for var, key in _ENV_KEYS.items():
        if env.get(var):
            values[key] = env[var]
    digest = raw.get("digest", {})
    return _build(values, digest)


def _build(values: dict[str, Any], digest: dict[str, Any]) -> Settings:
    known = set(Settings.__slots__) - {"digest"}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"unknown config key(s): {', '.join(sorted(unknown))}")
    try:
        return Settings(
            db_path=Path(values.get("db_path", Settings.db_path)),
            corpus_dirs=_paths(values.get("corpus_dirs", ("seeds",))),
            min_confidence=float(values.get("min_confidence", Settings.min_confidence)),
            api_base=values.get("api_base") or None,
            gateway_url=values.get("gateway_url") or None,
            dev_guild_id=_optional_int(values.get("dev_guild_id")),
            shard_count=_optional_int(values.get("shard_count")),
            owner_ids=frozenset(_ints(values.get("owner_ids", ()))),
            log_level=str(values.get("log_level", "INFO")).upper(),
            semantic=_bool(values.get("semantic", False)),
            digest=DigestDefaults(
                time=str(digest.get("time", "09:00")),
                timezone=str(digest.get("timezone", "UTC")),
                size=int(digest.get("size", 3)),
            ),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid config value: {exc}") from exc


def _paths(value: Any) -> tuple[Path, ...]:
    items = value.split(os.pathsep) if isinstance(value, str) else list(value)
    return tuple(Path(item) for item in items if str(item).strip())


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "", 0, "0") else int(value)


def _ints(value: Any) -> list[int]:
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [int(item) for item in items]


def read_token(env: Mapping[str, str] | None = None) -> str | None:
    """The bot token from DISCORD_TOKEN, else from the file named by DISCORD_TOKEN_FILE."""
    env = os.environ if env is None else env
    token = env.get("DISCORD_TOKEN", "").strip()
    if token:
        return token
    token_file = env.get("DISCORD_TOKEN_FILE", "").strip()
    if not token_file:
        return None
    try:
        return Path(token_file).read_text(encoding="utf-8").strip() or None
    except OSError as exc:
        raise ConfigError(f"DISCORD_TOKEN_FILE {token_file}: {exc.strerror}") from exc
