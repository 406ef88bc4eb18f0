"""The command line as a user runs it: ingest, ask, search, export, and run's token errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.conftest import ROOT, SEEDS, environment_without_bot_settings

DOPAMINE_QUESTION = "What do dopamine neurons encode?"
DOPAMINE_SEED = "002_060ea2ca1cd9a942.txt"


def _cli(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` from the project root, as the README runs it, with the
    database under tmp_path (the repository's config would put it in data/)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={
            **environment_without_bot_settings(),
            "ARTICLEBOT_DB": str(tmp_path / "cli.sqlite3"),
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def broken_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text("---\ntitle: A good article\n---\nBody text here.\n")
    (corpus / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    return corpus


def test_ingest_reports_failures_and_loads_the_rest(
    tmp_path: Path, broken_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "a.sqlite3")

    code = main(["ingest", "--db", db, "--corpus", str(SEEDS), "--corpus", str(broken_corpus)])

    out = capsys.readouterr().out
    assert code == 0
    assert "6 articles loaded" in out
    assert "1 failed" in out
    assert "broken.md: broken YAML frontmatter" in out


def test_ingest_strict_exits_1_when_a_file_failed(
    tmp_path: Path, broken_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "a.sqlite3")

    assert main(["ingest", "--strict", "--db", db, "--corpus", str(SEEDS)]) == 0
    assert main(["ingest", "--strict", "--db", db, "--corpus", str(broken_corpus)]) == 1
    assert "broken.md" in capsys.readouterr().out


def test_readme_question_is_answered_from_the_bundled_seeds(tmp_path: Path) -> None:
    # A fresh database: the first command fills it from seeds/, as on a new machine.
    done = _cli(tmp_path, "ask", DOPAMINE_QUESTION, "--db", str(tmp_path / "fresh.sqlite3"))

    assert done.returncode == 0, done.stderr
    assert "Designing artificial brains can help us learn more about real ones" in done.stdout
    assert "reward prediction error" in done.stdout
    assert "https://sciencex.com/news/2020-02-artificial-brains-real.html" in done.stdout


def test_ask_who_wrote_an_article_that_names_nobody_says_so(tmp_path: Path) -> None:
    quanta = "Quanta Magazine · 2021-02-18"
    who = _cli(tmp_path, "ask", "who wrote the Quanta article about backpropagation")
    what = _cli(tmp_path, "ask", "the Quanta article about backpropagation")

    assert who.returncode == 0, who.stderr
    assert f"{quanta} · author not named" in who.stdout
    # Not asked who wrote it: the byline is the article's own.
    assert f"{quanta}\n" in what.stdout


def test_ask_says_nothing_found_for_an_unrelated_question(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "a.sqlite3")
    main(["ingest", "--db", db, "--corpus", str(SEEDS)])
    capsys.readouterr()

    assert main(["ask", "best pizza in naples", "--db", db]) == 0

    out = capsys.readouterr().out.lower()
    assert "nothing" in out
    assert "designing artificial brains" not in out.split("\n")[0]


def test_search_json_and_batch_keep_the_stable_shape_and_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "a.sqlite3")
    main(["ingest", "--db", db, "--corpus", str(SEEDS)])
    capsys.readouterr()
    queries = [DOPAMINE_QUESTION, "zxqv blorp", 'NEAR("', "deep neural networks living brains"]
    batch = tmp_path / "queries.txt"
    batch.write_text("\n".join(queries) + "\n", encoding="utf-8")

    assert main(["search", DOPAMINE_QUESTION, "--json", "--limit", "3", "--db", db]) == 0
    one = json.loads(capsys.readouterr().out)
    assert main(["search", "--batch", str(batch), "--db", db]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert set(one) == {"query", "answered", "confidence", "hits"}
    assert one["answered"] is True
    assert one["hits"][0]["source"] == DOPAMINE_SEED
    assert set(one["hits"][0]) == {"id", "source", "title", "score"}
    assert len(one["hits"]) <= 3
    assert [line["query"] for line in lines] == queries
    assert lines[1]["answered"] is False and lines[1]["hits"] == []
    assert 0.0 <= lines[2]["confidence"] <= 1.0


def test_search_needs_a_query_or_a_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "--db", str(tmp_path / "a.sqlite3")]) == 2
    assert "give a QUERY or --batch FILE" in capsys.readouterr().err


def test_export_writes_every_extracted_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "a.sqlite3")
    main(["ingest", "--db", db, "--corpus", str(SEEDS)])
    capsys.readouterr()

    assert main(["export", "--db", db]) == 0

    articles = {a["source"]: a for a in map(json.loads, capsys.readouterr().out.splitlines())}
    assert len(articles) == 5
    brains = articles[DOPAMINE_SEED]
    for key in ("id", "title", "published", "authors", "provider", "url", "image", "topics"):
        assert key in brains
    assert brains["authors"] == ["Blake Richards"]
    assert brains["published"].startswith("2020-02-14")
    assert brains["summary"]


def test_run_without_a_token_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    done = _cli(tmp_path, "run")

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "articlebot: no Discord token: set DISCORD_TOKEN, or DISCORD_TOKEN_FILE to a file "
        "holding it"
    ]
    assert "Traceback" not in done.stderr


def test_run_with_a_missing_token_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "token"

    done = _cli(tmp_path, "run", env={"DISCORD_TOKEN_FILE": str(missing)})

    assert done.returncode == 2
    assert str(missing) in done.stderr
    assert "Traceback" not in done.stderr
