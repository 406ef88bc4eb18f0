"""Titles as members will see them: no bidirectional controls that show a title reversed,
YAML dates and numbers kept as the text written, a bare HTML page titled by its <title>.
Through `articlebot ingest` and `export` on real files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import WORDS_ONLY, run_cli

RLO, PDF, RLI, PDI = "\u202e", "\u202c", "\u2067", "\u2069"
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def load(tmp_path: Path, files: dict[str, str]) -> dict[str, dict]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    db = str(tmp_path / "a.sqlite3")
    done = run_cli("ingest", "--db", db, "--corpus", str(corpus), env=WORDS_ONLY)
    assert done.returncode == 0, done.stderr
    assert "0 failed" in done.stdout, done.stdout
    exported = run_cli("export", "--db", db, env=WORDS_ONLY)
    assert exported.returncode == 0, exported.stderr
    return {a["source"]: a for a in map(json.loads, exported.stdout.splitlines())}


def test_bidirectional_controls_are_stripped_from_displayed_text(tmp_path: Path) -> None:
    articles = load(
        tmp_path,
        {
            "front.md": (
                f'---\ntitle: "{RLO}gnp.exe{PDF} invoice"\n'
                f'excerpt: "An {RLI}isolated{PDI} excerpt."\n'
                f'provider: {{name: "{RLO}Example"}}\ntopics: ["{RLO}Power Apps"]\n'
                f'related: [{{title: "{RLO}Reversed related"}}]\n---\nBody {RLO}text.\n'
            ),
            "plain.txt": f"{RLO}A plain title{PDF}\n\nSome text about it.\n",
        },
    )

    front = articles["front.md"]
    assert front["title"] == "gnp.exe invoice"
    assert front["excerpt"] == "An isolated excerpt."
    assert front["provider"]["name"] == "Example"
    assert front["topics"] == ["Power Apps"]
    assert front["related"][0]["title"] == "Reversed related"
    assert articles["plain.txt"]["title"] == "A plain title"
    shown = json.dumps(articles, ensure_ascii=False)
    assert not BIDI_CONTROLS & set(shown)


def test_a_title_yaml_reads_as_a_date_or_number_is_the_text_written(tmp_path: Path) -> None:
    articles = load(
        tmp_path,
        {
            "date.md": "---\ntitle: 2020-01-01\n---\nWhat happened that day.\n",
            "number.md": "---\ntitle: 3.10\n---\nA version.\n",
            "year.md": "---\ntitle: 1984\n---\nA novel.\n",
            "yes.md": "---\ntitle: yes\n---\nA word.\n",
            "profile.md": "---\nname: 2001\n---\nA profile named by a number.\n",
        },
    )

    assert {source: a["title"] for source, a in articles.items()} == {
        "date.md": "2020-01-01",
        "number.md": "3.10",
        "year.md": "1984",
        "yes.md": "yes",
        "profile.md": "2001",
    }


def test_a_bare_html_page_is_titled_by_its_title_element(tmp_path: Path) -> None:
    articles = load(
        tmp_path,
        {
            "page.html": (
                "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
                "<title>Canvas apps &amp; model-driven apps</title>\n"
                '<meta name="description" content="How the two kinds of app differ.">\n'
                '<link rel="canonical" href="https://example.com/apps">\n'
                "<style>body { color: red }</style></head>\n"
                "<body><nav>Home</nav><h1>Apps</h1><p>Canvas apps start from a blank "
                "screen.</p><p>Model-driven apps start from data.</p></body></html>\n"
            ),
        },
    )

    page = articles["page.html"]
    assert page["title"] == "Canvas apps & model-driven apps"
    assert page["summary"] == "How the two kinds of app differ."
    assert page["url"] == "https://example.com/apps"
    assert "Canvas apps start from a blank screen." in page["body"]
    assert "color: red" not in page["body"]
