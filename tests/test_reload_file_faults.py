"""One file's problem is that file's failure, named with its path and reason; the rest of
the reload loads. The real `articlebot ingest` process on real files and a real SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

from bot.store.changes import PARSE_BATCH
from tests.conftest import WORDS_ONLY, run_cli

BAD_URL = "http://[::1"  # an unbalanced IPv6 bracket: urlsplit raises ValueError


def ingest(db: Path, corpus: Path) -> subprocess.CompletedProcess[str]:
    done = run_cli("ingest", "--db", str(db), "--corpus", str(corpus), env=WORDS_ONLY)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    return done


def exported(db: Path) -> dict[str, dict]:
    done = run_cli("export", "--db", str(db), env=WORDS_ONLY)
    assert done.returncode == 0, done.stderr
    return {a["source"]: a for a in map(json.loads, done.stdout.splitlines())}


def article(title: str, **fields: str) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\ntitle: {title}\n{extra}---\nA body about {title.lower()}.\n"


def test_hostile_frontmatter_values_are_dropped_and_the_file_loads(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # Enough files that the parser processes do the work, as on a real reload.
    for n in range(3 * PARSE_BATCH):
        (corpus / f"filler-{n:04}.md").write_text(article(f"Filler article {n}"))
    (corpus / "huge-quality.md").write_text(
        article("Huge quality", quality="100000000000000000000", heat="-100000000000000000000")
    )
    (corpus / "superscript.md").write_text(article("Superscript quality", quality='"²"'))
    (corpus / "ipv6.md").write_text(
        "---\ntitle: Broken links everywhere\n"
        f"originalUrl: '{BAD_URL}'\nwebUrl: '{BAD_URL}/page'\n"
        f"images: ['{BAD_URL}']\ntwitter: '{BAD_URL}'\n"
        f"provider: {{name: Example, domain: '[::1'}}\n"
        f"actions: [{{title: Open, url: '{BAD_URL}'}}]\n"
        f"related: [{{title: Elsewhere, webUrl: '{BAD_URL}', originalUrl: '{BAD_URL}x'}}]\n"
        "---\nThe body survives.\n"
    )
    db = tmp_path / "a.sqlite3"

    done = ingest(db, corpus)

    assert f"{3 * PARSE_BATCH + 3} added" in done.stdout
    assert "0 failed" in done.stdout
    articles = exported(db)
    assert articles["huge-quality.md"]["quality"] is None
    assert articles["huge-quality.md"]["heat"] is None
    assert articles["superscript.md"]["quality"] is None
    broken = articles["ipv6.md"]
    assert broken["url"] is None and broken["image"] is None and broken["links"] == []
    assert [r["url"] for r in broken["related"]] == [None]
    assert broken["body"] == "The body survives."


def test_a_file_name_that_is_not_utf8_is_that_files_failure(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text(article("A good article"))
    with open(os.path.join(os.fsencode(corpus), b"caf\xe9.md"), "w") as f:
        f.write(article("Latin-1 name"))
    os.mkdir(os.path.join(os.fsencode(corpus), b"dossier-\xff"))
    db = tmp_path / "a.sqlite3"

    done = ingest(db, corpus)

    assert "1 added" in done.stdout and "2 failed" in done.stdout
    assert "caf\ufffd.md: file name is not UTF-8: rename it" in done.stdout
    assert "dossier-\ufffd: file name is not UTF-8: rename it" in done.stdout
    assert list(exported(db)) == ["good.md"]


def test_symlinks_are_followed_only_inside_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "real").mkdir(parents=True)
    (corpus / "real" / "inside.md").write_text(article("Inside the corpus"))
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.md"
    secret.write_text(article("Top secret ledger"))
    (corpus / "alias.md").symlink_to(corpus / "real" / "inside.md")
    (corpus / "passwd.md").symlink_to("/etc/passwd")
    (corpus / "secret.md").symlink_to(secret)
    (corpus / "loop.md").symlink_to(corpus / "loop.md")
    (corpus / "broken.md").symlink_to(corpus / "nowhere.md")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    (corpus / "again").symlink_to(corpus / "real", target_is_directory=True)
    db = tmp_path / "a.sqlite3"

    done = ingest(db, corpus)

    assert "2 added" in done.stdout and "5 failed" in done.stdout
    assert "passwd.md: symlink to /etc/passwd, outside the corpus: not followed" in done.stdout
    assert f"secret.md: symlink to {secret}, outside the corpus: not followed" in done.stdout
    assert f"elsewhere: symlink to {outside}, outside the corpus" in done.stdout
    assert "loop.md: symlink loop: not followed" in done.stdout
    assert "broken.md: broken symlink" in done.stdout
    articles = exported(db)
    assert sorted(articles) == ["alias.md", "real/inside.md"]
    assert all("root:" not in a["body"] for a in articles.values())


def test_a_link_that_now_leads_out_of_the_corpus_loses_its_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "inside.md").write_text(article("Inside the corpus"))
    (corpus / "link.md").symlink_to(corpus / "inside.md")
    outside = tmp_path / "secret.md"
    outside.write_text(article("Top secret ledger"))
    db = tmp_path / "a.sqlite3"
    ingest(db, corpus)
    (corpus / "link.md").unlink()
    (corpus / "link.md").symlink_to(outside)

    done = ingest(db, corpus)

    assert f"link.md: symlink to {outside}, outside the corpus" in done.stdout
    assert list(exported(db)) == ["inside.md"]


def test_a_row_the_database_refuses_is_that_files_failure(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("first", "cursed", "last"):
        (corpus / f"{name}.md").write_text(article(f"The {name} article"))
    db = tmp_path / "a.sqlite3"
    assert (
        run_cli(
            "ingest", "--db", str(db), "--corpus", str(tmp_path / "empty"), env=WORDS_ONLY
        ).returncode
        == 0
    )
    # The database itself refuses one row (as it would a value it cannot store).
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN NEW.source = 'cursed.md' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
    conn.close()

    done = ingest(db, corpus)

    assert "2 added" in done.stdout and "1 failed" in done.stdout
    assert "cursed.md: cannot store (IntegrityError: refused by the test)" in done.stdout
    assert sorted(exported(db)) == ["first.md", "last.md"]

    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER refuse")
    conn.close()
    done = ingest(db, corpus)  # the refused file was not recorded: it is retried

    assert "1 added" in done.stdout and "0 failed" in done.stdout
    assert sorted(exported(db)) == ["cursed.md", "first.md", "last.md"]
