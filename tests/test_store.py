"""Loading the corpus into SQLite: incremental reloads, failures that keep old data, reports."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest

from bot.store import NotFoundError, Store
from tests.conftest import SEEDS

DOPAMINE_SEED = "002_060ea2ca1cd9a942.txt"


async def test_first_load_adds_every_seed(store: Store) -> None:
    report = await store.reload([SEEDS])

    assert sorted(report.added) == sorted(p.name for p in SEEDS.iterdir())
    assert report.failed == []
    assert report.total == 5
    assert await store.count() == 5


async def test_reload_with_nothing_changed_reads_nothing_new(seeded: Store) -> None:
    report = await seeded.reload([SEEDS])

    assert (report.added, report.updated, report.removed) == ([], [], [])
    assert report.unchanged == 5
    assert report.total == 5


async def test_touched_file_with_same_content_is_unchanged(store: Store, seeds_copy: Path) -> None:
    await store.reload([seeds_copy])
    path = seeds_copy / DOPAMINE_SEED
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))

    report = await store.reload([seeds_copy])

    assert report.updated == [] and report.unchanged == 5


async def test_edited_file_is_updated_and_searchable(store: Store, seeds_copy: Path) -> None:
    await store.reload([seeds_copy])
    path = seeds_copy / DOPAMINE_SEED
    path.write_text(path.read_text().replace("Blake Richards", "Ada Lovelace", 1))

    report = await store.reload([seeds_copy])

    assert report.updated == [DOPAMINE_SEED]
    [article] = [a async for a in store.iter_articles() if a.source == DOPAMINE_SEED]
    assert article.authors == ("Ada Lovelace",)
    assert await store.bm25_candidates('"lovelace"', 5) != []
    # The old byline was the only "Richards" the article kept: searching it finds nothing now.
    assert "Richards" not in str(article)
    assert await store.bm25_candidates('"richards"', 5) == []


async def test_space_freed_by_a_reload_is_given_back(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraph = "Galleries filter and sort records as the member types. " * 80
    for number in range(40):
        (corpus / f"{number:02d}.md").write_text(
            f"---\ntitle: Article number {number}\n---\n\n{paragraph}\n", encoding="utf-8"
        )
    db = tmp_path / "freed.sqlite3"
    store = await Store.open(db)
    try:
        await store.reload([corpus])
        for path in sorted(corpus.iterdir())[5:]:  # most articles go: their pages are freed
            path.unlink()
        report = await store.reload([corpus])
        assert len(report.removed) == 35
    finally:
        await store.close()

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)
    finally:
        conn.close()


async def test_deleted_file_is_removed(store: Store, seeds_copy: Path) -> None:
    await store.reload([seeds_copy])
    (seeds_copy / DOPAMINE_SEED).unlink()

    report = await store.reload([seeds_copy])

    assert report.removed == [DOPAMINE_SEED]
    assert report.total == 4
    assert await store.bm25_candidates('"dopamine"', 5) == []


async def test_file_that_now_fails_keeps_its_previous_version(
    store: Store, seeds_copy: Path
) -> None:
    await store.reload([seeds_copy])
    before = {a.source: a for a in [a async for a in store.iter_articles()]}
    (seeds_copy / "000_2c161b7184b518ae.txt").write_text("---\ntitle: [unclosed\n---\nbody\n")

    report = await store.reload([seeds_copy])

    [failure] = report.failed
    assert failure.source.endswith("000_2c161b7184b518ae.txt")
    assert "YAML" in failure.reason
    assert report.total == 5
    kept = await store.get_article(before["000_2c161b7184b518ae.txt"].id)
    assert kept.title == "Deep Neural Networks Are Helping Decipher How Brains Work"
    # Reported again on the next reload, until someone fixes it.
    assert len((await store.reload([seeds_copy])).failed) == 1


async def test_broken_files_are_reported_and_the_rest_loads(store: Store, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text("---\ntitle: Good one\n---\nSome body text here.\n")
    (corpus / "empty.md").write_text("")
    (corpus / "binary.md").write_bytes(b"\x00\x01\x02garbage")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 article\n\nbody".encode("latin-1"))

    report = await store.reload([corpus])

    assert report.added == ["good.md"]
    reasons = {Path(f.source).name: f.reason for f in report.failed}
    assert set(reasons) == {"empty.md", "binary.md", "latin1.txt"}
    assert all(reasons.values())


async def test_missing_corpus_directory_keeps_its_articles(store: Store, tmp_path: Path) -> None:
    await store.reload([SEEDS])

    report = await store.reload([SEEDS, tmp_path / "nope"])

    assert report.total == 5
    assert [f.reason for f in report.failed] == ["corpus directory not found"]


async def test_last_reload_report_is_kept(seeded: Store) -> None:
    saved = await seeded.last_reload()

    assert saved is not None
    finished_at, report = saved
    assert finished_at > 0 and report.total == 5


async def test_unknown_id_raises_not_found(seeded: Store) -> None:
    try:
        await seeded.get_article("does-not-exist")
    except NotFoundError:
        pass
    else:
        raise AssertionError("expected NotFoundError")


async def test_readers_never_see_half_a_reload(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(400):
        (corpus / f"{n:03}.md").write_text(f"---\ntitle: Article {n}\n---\nBody {n}.\n")
    db = tmp_path / "shared.sqlite3"
    async with await Store.open(db) as writer, await Store.open(db) as reader:
        reload = asyncio.create_task(writer.reload([corpus]))
        seen = set()
        while not reload.done():
            seen.add(await reader.count())
        await reload
        seen.add(await reader.count())

    assert seen <= {0, 400}, f"a reader saw a partial corpus: {sorted(seen)}"
    assert 400 in seen


async def test_a_new_parser_version_reparses_unchanged_files(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import ingest

    monkeypatch.setattr(ingest, "PARSER_VERSION", ingest.PARSER_VERSION + 1)
    report = await seeded.reload([SEEDS])

    assert len(report.updated) == 5
    assert (report.added, report.removed, report.failed) == ([], [], [])
    again = await seeded.reload([SEEDS])
    assert again.unchanged == 5


@pytest.mark.parametrize("cores", [1, 2])
async def test_many_changed_files_load_whether_parsed_here_or_by_a_pool(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cores: int
) -> None:
    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(300):  # more than two parse batches
        (corpus / f"a{i:03}.md").write_text(f"---\ntitle: Article {i}\n---\nBody {i}.\n")
    monkeypatch.setattr(os, "cpu_count", lambda: cores)

    report = await store.reload([corpus])

    assert len(report.added) == 300
    assert report.failed == []
    assert await store.count() == 300
