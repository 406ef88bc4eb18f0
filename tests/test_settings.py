"""Settings: the TOML file, an environment override for every key, one clear error per bad
value, and where the config file is looked for."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ConfigError, DigestDefaults, Settings, load_settings
from tests.conftest import ROOT, SEEDS, environment_without_bot_settings

FULL_FILE = """\
[bot]
db_path = "/srv/bot/db.sqlite3"
corpus_dirs = ["/srv/a", "relative/b"]
min_confidence = 0.25
log_level = "debug"
semantic = false
model_dir = "/srv/models/minilm"
insights_retention_days = 30
message_content = true

[discord]
api_base = "http://127.0.0.1:3001/api/v10"
gateway_url = "ws://127.0.0.1:3001/gateway"
dev_guild_id = 123456789012345678
shard_count = 2
owner_ids = [11, 22]

[digest]
time = "18:30"
timezone = "Europe/Paris"
size = 5
"""

FULL_SETTINGS = Settings(
    db_path=Path("/srv/bot/db.sqlite3"),
    corpus_dirs=(Path("/srv/a"), Path("relative/b")),
    min_confidence=0.25,
    log_level="DEBUG",
    semantic=False,
    model_dir=Path("/srv/models/minilm"),
    insights_retention_days=30,
    message_content=True,
    api_base="http://127.0.0.1:3001/api/v10",
    gateway_url="ws://127.0.0.1:3001/gateway",
    dev_guild_id=123456789012345678,
    shard_count=2,
    owner_ids=frozenset({11, 22}),
    digest=DigestDefaults(time="18:30", timezone="Europe/Paris", size=5),
)

# Every key, written down here independently of bot/settings.py:
# (environment variable, its text, the field it sets, the value it must become).
ENVIRONMENT = [
    ("ARTICLEBOT_DB", "/tmp/x/other.sqlite3", "db_path", Path("/tmp/x/other.sqlite3")),
    ("ARTICLEBOT_CORPUS", "/c1:/c2", "corpus_dirs", (Path("/c1"), Path("/c2"))),
    ("ARTICLEBOT_MIN_CONFIDENCE", "0.75", "min_confidence", 0.75),
    ("ARTICLEBOT_LOG_LEVEL", "warning", "log_level", "WARNING"),
    ("ARTICLEBOT_SEMANTIC", "yes", "semantic", True),
    ("ARTICLEBOT_MODEL_DIR", "/tmp/x/model", "model_dir", Path("/tmp/x/model")),
    ("ARTICLEBOT_INSIGHTS_RETENTION_DAYS", "14", "insights_retention_days", 14),
    ("ARTICLEBOT_MESSAGE_CONTENT", "off", "message_content", False),
    ("DISCORD_API_BASE", "http://h:1/api/v10", "api_base", "http://h:1/api/v10"),
    ("DISCORD_GATEWAY_URL", "ws://h:1/gateway", "gateway_url", "ws://h:1/gateway"),
    ("ARTICLEBOT_DEV_GUILD", "42", "dev_guild_id", 42),
    ("ARTICLEBOT_SHARD_COUNT", "4", "shard_count", 4),
    ("ARTICLEBOT_OWNER_IDS", "7, 8 9", "owner_ids", frozenset({7, 8, 9})),
    ("ARTICLEBOT_DIGEST_TIME", "07:15", "digest.time", "07:15"),
    ("ARTICLEBOT_DIGEST_TIMEZONE", "America/New_York", "digest.timezone", "America/New_York"),
    ("ARTICLEBOT_DIGEST_SIZE", "8", "digest.size", 8),
]


def _field(settings: Settings, name: str) -> object:
    value: object = settings
    for part in name.split("."):
        value = getattr(value, part)
    return value


@pytest.fixture
def full_file(tmp_path: Path) -> Path:
    path = tmp_path / "full.toml"
    path.write_text(FULL_FILE, encoding="utf-8")
    return path


def test_every_key_of_the_file_is_read(full_file: Path) -> None:
    assert load_settings(full_file, env={}) == FULL_SETTINGS


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")

    assert load_settings(empty, env={}) == Settings()
    assert Settings().min_confidence == 0.5
    assert Settings().digest == DigestDefaults(time="09:00", timezone="UTC", size=3)


def test_the_table_above_covers_every_setting() -> None:
    names = {f.name for f in dataclasses.fields(Settings)} - {"digest"}
    names |= {f"digest.{f.name}" for f in dataclasses.fields(DigestDefaults)}
    assert {name for _var, _text, name, _value in ENVIRONMENT} == names


@pytest.mark.parametrize(("var", "text", "name", "expected"), ENVIRONMENT)
def test_the_environment_overrides_each_key_of_the_file(
    full_file: Path, var: str, text: str, name: str, expected: object
) -> None:
    assert _field(FULL_SETTINGS, name) != expected  # so the override is seen

    settings = load_settings(full_file, env={var: text})

    assert _field(settings, name) == expected
    others = [other for _v, _t, other, _e in ENVIRONMENT if other != name]
    for other in others:  # and only that key
        assert _field(settings, other) == _field(FULL_SETTINGS, other), other


def test_an_empty_variable_leaves_the_file_alone(full_file: Path) -> None:
    env = {var: "" for var, _text, _name, _value in ENVIRONMENT}
    assert load_settings(full_file, env=env) == FULL_SETTINGS


BAD_ENVIRONMENT = [
    ("ARTICLEBOT_MIN_CONFIDENCE", "high", "'high' is not a number"),
    ("ARTICLEBOT_MIN_CONFIDENCE", "1.5", "'1.5' is not between 0 and 1"),
    ("ARTICLEBOT_LOG_LEVEL", "LOUD", "'LOUD' is not DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ("ARTICLEBOT_SEMANTIC", "maybe", "'maybe' is not a yes/no value"),
    ("ARTICLEBOT_DEV_GUILD", "guild", "'guild' is not an integer"),
    ("ARTICLEBOT_SHARD_COUNT", "-2", "'-2' is negative"),
    ("ARTICLEBOT_INSIGHTS_RETENTION_DAYS", "0", "'0' is not at least 1"),
    ("ARTICLEBOT_OWNER_IDS", "1,two", "'two' is not an integer"),
    ("ARTICLEBOT_DIGEST_SIZE", "3.5", "'3.5' is not an integer"),
]


@pytest.mark.parametrize(("var", "text", "reason"), BAD_ENVIRONMENT)
def test_a_bad_environment_value_names_the_variable(var: str, text: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, env={var: text})

    assert str(caught.value) == f"{var}: {reason}"


BAD_FILES = [
    ("[bot]\nmin_confidence = true\n", "[bot] min_confidence: True is not a number"),
    ("[bot]\ndb_path = 5\n", "[bot] db_path: 5 is not text"),
    ("[bot]\ndb_path = ''\n", "[bot] db_path: an empty path"),
    ("[bot]\ncorpus_dirs = 3\n", "[bot] corpus_dirs: 3 is not a list of directories"),
    ("[bot]\ncorpus_dirs = ['a', 4]\n", "[bot] corpus_dirs: 4 is not text"),
    ("[discord]\nowner_ids = 'x'\n", "[discord] owner_ids: 'x' is not an integer"),
    ("[digest]\nsize = 'three'\n", "[digest] size: 'three' is not an integer"),
    ("[digest]\ntime = 900\n", "[digest] time: 900 is not text"),
    ("[bot]\ndb_pth = 'x'\n", "unknown key 'db_pth' in [bot]"),
    ("[digest]\nchannel = 1\n", "unknown key 'channel' in [digest]"),
    ("[bots]\n", "unknown section [bots]"),
    ("bot = 1\n", "[bot] must be a table of keys"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_FILES)
def test_a_bad_file_value_names_the_file_and_key(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert str(caught.value) == f"{path}: {reason}"


def test_a_file_that_is_not_toml_or_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[bot\n", encoding="utf-8")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"[bot]\nlog_level = '\xe9'\n")

    for path in (broken, latin):
        with pytest.raises(ConfigError, match=f"^{path}: "):
            load_settings(path, env={})


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**environment_without_bot_settings(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_bad_value_is_one_line_and_exit_2_not_a_traceback(tmp_path: Path) -> None:
    done = _cli(
        "ask",
        "anything",
        "--db",
        str(tmp_path / "db.sqlite3"),
        cwd=tmp_path,
        env={"ARTICLEBOT_LOG_LEVEL": "LOUD"},
    )

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "articlebot: config error: ARTICLEBOT_LOG_LEVEL: "
        "'LOUD' is not DEBUG, INFO, WARNING, ERROR or CRITICAL"
    ]
    assert not (tmp_path / "db.sqlite3").exists()


def test_ask_works_from_a_folder_outside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No config file, no database named: the seeds inside the package are the corpus and
    # the database goes to the user's data folder, never the current one.
    data = tmp_path / "data-home"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    done = _cli("ask", "What do dopamine neurons encode?", cwd=elsewhere)

    assert done.returncode == 0, done.stderr
    assert "Designing artificial brains can help us learn more about real ones" in done.stdout
    assert list(elsewhere.iterdir()) == []
    assert (data / "articlebot" / "articlebot.sqlite3").is_file()


def _config(path: Path, min_confidence: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"[bot]\nmin_confidence = {min_confidence}\n", encoding="utf-8")
    return path


def test_the_config_file_is_looked_up_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.chdir(_config(tmp_path / "cwd" / "config" / "articlebot.toml", 0.3).parents[1])
    given = _config(tmp_path / "given.toml", 0.1)
    named = _config(tmp_path / "named.toml", 0.2)
    user = _config(tmp_path / "xdg-config" / "articlebot" / "articlebot.toml", 0.4)

    # --config, then ARTICLEBOT_CONFIG, then ./config/articlebot.toml, then the user's
    assert load_settings(given, env={"ARTICLEBOT_CONFIG": str(named)}).min_confidence == 0.1
    assert load_settings(None, env={"ARTICLEBOT_CONFIG": str(named)}).min_confidence == 0.2
    assert load_settings(None, env={}).min_confidence == 0.3
    Path("config/articlebot.toml").unlink()
    assert load_settings(None, env={}).min_confidence == 0.4
    user.unlink()
    assert load_settings(None, env={}) == Settings()


def test_a_named_config_file_that_is_missing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "nope.toml"

    with pytest.raises(ConfigError) as by_option:
        load_settings(missing, env={})
    with pytest.raises(ConfigError) as by_variable:
        load_settings(None, env={"ARTICLEBOT_CONFIG": str(missing)})

    assert str(by_option.value) == f"--config {missing}: no such config file"
    assert str(by_variable.value) == f"ARTICLEBOT_CONFIG {missing}: no such config file"


def test_without_a_config_the_seeds_and_the_user_data_folder_are_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    monkeypatch.chdir(tmp_path)

    settings = load_settings(None, env={})

    assert settings.db_path == tmp_path / "data-home" / "articlebot" / "articlebot.sqlite3"
    [seeds] = settings.corpus_dirs
    assert seeds.is_absolute()
    assert sorted(p.name for p in seeds.iterdir()) == sorted(p.name for p in SEEDS.iterdir())


def test_the_repositorys_config_keeps_its_relative_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    # The README's quick start runs from the repository: ./config/articlebot.toml is read
    # and its paths are relative to the repository, as they always were.
    monkeypatch.chdir(ROOT)

    settings = load_settings(None, env={})

    assert settings.db_path == Path("data/articlebot.sqlite3")
    assert settings.corpus_dirs == (Path("seeds"),)
