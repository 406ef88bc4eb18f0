"""The core (ingest, store, search, answer, digest, render, CLI) imports without discord.py."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "bot.models",
    "bot.settings",
    "bot.text",
    "bot.ingest",
    "bot.store",
    "bot.search",
    "bot.semantic",
    "bot.embed",
    "bot.catalog",
    "bot.answer",
    "bot.render",
    "bot.insights",
    "bot.render_insights",
    "bot.autoanswer",
    "bot.__main__",
]


def test_core_modules_import_without_discord() -> None:
    code = "import sys; sys.modules['discord'] = None\n" + "\n".join(
        f"import {name}" for name in CORE
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_cli_without_meaning_imports_no_numerical_runtime() -> None:
    # Every `articlebot export`, `--help` or words-only command starts this way: numpy and
    # onnxruntime cost a third of a second of start-up, and only meaning uses them.
    code = (
        "import sys; sys.modules['numpy'] = None; sys.modules['onnxruntime'] = None\n"
        "import bot.__main__, bot.library, bot.search, bot.vectors"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
