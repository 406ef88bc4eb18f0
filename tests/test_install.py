"""The package as a user installs it: the wheel built from this checkout, installed into a
fresh virtual environment, and `articlebot ask` run from an empty folder with a fresh home.

To stay fast and offline the new environment borrows this one's installed dependencies, and
the wheel is built and installed without an index. It borrows only the wheel's declared
dependencies and theirs (links in a folder named by a .pth file), never this environment's
test tools: code that imports an undeclared package fails here as it would for a user.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT, environment_without_bot_settings

# What a wheel is built from (the rest of the checkout, tests included, is not).
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "bot", "seeds")
SEED_NAMES = sorted(p.name for p in (ROOT / "seeds").iterdir())

pytestmark = pytest.mark.heavy  # builds a wheel and a virtual environment


def _run(*command: str | Path, **options: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        **options,  # type: ignore[arg-type]
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv holding the wheel built from this checkout."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"  # a copy, so the build leaves no build/ or egg-info here
    for name in BUILD_INPUTS:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    dist = work / "dist"
    _run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
        "--no-build-isolation", "--wheel-dir", dist, source,
    )  # fmt: skip
    [wheel] = dist.glob("articlebot-*.whl")

    venv = work / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())  # fmt: skip
    borrowed = _link_declared_dependencies(wheel, work / "borrowed")
    (site / "borrowed-dependencies.pth").write_text(f"{borrowed}\n", encoding="utf-8")
    _run(
        sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
        "--no-index", "--ignore-installed", wheel,
    )  # fmt: skip
    return venv / "bin"


def _link_declared_dependencies(wheel: Path, folder: Path) -> Path:
    """A folder of links to what this environment installed for the wheel's dependencies
    (without extras), found by walking each distribution's own requirements."""
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    wanted = list(metadata.get_all("Requires-Dist") or [])
    seen: set[str] = set()
    folder.mkdir()
    while wanted:
        requirement = Requirement(wanted.pop())
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        if canonicalize_name(requirement.name) in seen:
            continue
        seen.add(canonicalize_name(requirement.name))
        dist = importlib.metadata.distribution(requirement.name)
        assert dist.files, f"{requirement.name}: installed without a file list"
        for top in {f.parts[0] for f in dist.files} - {"..", "__pycache__"}:
            link = folder / top
            if not link.exists():
                link.symlink_to(Path(str(dist.locate_file(top))))
        wanted += dist.requires or []
    return folder


def _fresh_user(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An empty current folder, and an environment whose home and XDG folders are new."""
    cwd = tmp_path / "empty"
    cwd.mkdir()
    home = tmp_path / "home"
    env = {k: v for k, v in environment_without_bot_settings().items() if not k.startswith("XDG_")}
    env |= {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "PATH": os.defpath,
    }
    return cwd, env


def test_the_wheel_ships_the_package_and_the_seeds(installed: Path) -> None:
    code = "import bot, pathlib; print(pathlib.Path(bot.__file__).parent)"
    package = Path(_run(installed / "python", "-c", code, cwd="/").stdout.strip())

    assert package.is_relative_to(installed.parent), "bot came from outside the new venv"
    assert sorted(p.name for p in (package / "seeds").iterdir()) == SEED_NAMES


def test_installed_ask_answers_from_an_empty_folder_and_writes_nothing_there(
    installed: Path, tmp_path: Path
) -> None:
    cwd, env = _fresh_user(tmp_path)

    done = _run(
        installed / "articlebot", "ask", "What do dopamine neurons encode?", cwd=cwd, env=env
    )

    assert "Designing artificial brains can help us learn more about real ones" in done.stdout
    assert "reward prediction error" in done.stdout
    assert list(cwd.iterdir()) == []
    database = Path(env["XDG_DATA_HOME"]) / "articlebot" / "articlebot.sqlite3"
    assert database.is_file()  # the state went to the user's data folder


def test_installed_articlebot_reads_the_users_config_folder(
    installed: Path, tmp_path: Path
) -> None:
    cwd, env = _fresh_user(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "articlebot" / "articlebot.toml"
    config.parent.mkdir(parents=True)
    elsewhere = tmp_path / "db" / "mine.sqlite3"
    config.write_text(f'[bot]\ndb_path = "{elsewhere}"\nmin_confidence = 0.99\n')

    # Answered below 0.99 (about 0.85 by its words, 0.87 with meaning).
    done = _run(installed / "articlebot", "ask", "reward prediction error", cwd=cwd, env=env)

    assert "Nothing in the corpus answers" in done.stdout  # the config's 0.99 floor
    assert elsewhere.is_file()
    assert list(cwd.iterdir()) == []
