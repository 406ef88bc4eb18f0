"""What the default install costs on disk, and how much of it search by meaning is.

    python -m benchmarks.install_size [--json OUT]

Builds two fresh virtual environments in a temporary folder: one with `pip install .` of
the committed tree (the default install), one with the same dependencies less onnxruntime,
tokenizers and numpy (and what only they pull in), the project itself installed without
dependencies. Reports the size of each site-packages folder (du) and its biggest
distributions. Needs the package index; takes a minute or two.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MEANING = ("onnxruntime", "tokenizers", "numpy")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def _venv(where: Path) -> tuple[Path, Path]:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    return python, site


def _pip(python: Path, source: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        check=True,
        cwd=source,
    )


def _source(where: Path) -> Path:
    """The committed tree (HEAD), exported: a build writes nothing into the checkout."""
    where.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "HEAD"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where


def _du(path: Path) -> int:
    """Bytes on disk (du's count: blocks, as an install takes them)."""
    out = subprocess.run(["du", "-sk", str(path)], check=True, capture_output=True, text=True)
    return int(out.stdout.split()[0]) * 1024


def _biggest(site: Path, count: int = 8) -> list[tuple[str, float]]:
    sizes = [(p.name, _du(p)) for p in site.iterdir() if p.is_dir() and "dist-info" not in p.name]
    sizes.sort(key=lambda item: -item[1])
    return [(name, size / 1e6) for name, size in sizes[:count]]


def _dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"])


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="articlebot-size-") as tmp:
        source = _source(Path(tmp) / "src")
        default_py, default_site = _venv(Path(tmp) / "default")
        _pip(default_py, source, ".")
        words_py, words_site = _venv(Path(tmp) / "words")
        kept = [
            d
            for d in _dependencies()
            if (m := _NAME.match(d)) is None or m.group(0).lower() not in MEANING
        ]
        _pip(words_py, source, *kept)
        _pip(words_py, source, "--no-deps", ".")
        default, words = _du(default_site), _du(words_site)
        return {
            "default_mb": default / 1e6,
            "without_meaning_mb": words / 1e6,
            "meaning_mb": (default - words) / 1e6,
            "without": list(MEANING),
            "biggest_default": _biggest(default_site),
            "biggest_without": _biggest(words_site, 4),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.install_size", description=__doc__)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = measure()
    text = json.dumps(result, indent=1)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
