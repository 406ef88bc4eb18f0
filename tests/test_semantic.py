"""The semantic rerank: vectors kept and reused, reordering by meaning, the shipped model,
its checksum, and words alone when onnxruntime cannot run.

The plumbing runs with a stand-in for the model (a concept bag-of-words, below), whose
meanings a test can choose; the other tests run the real model shipped in the package.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.embed import MODEL_DIR, OnnxEmbedder, load_embedder
from bot.search import SearchEngine
from bot.settings import ConfigError, load_settings
from bot.store import Store
from bot.text import words
from bot.vectors import fill
from tests.conftest import ROOT, environment_without_bot_settings, needs_shared_corpus

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
    # Signing is handwriting, as a pen signature is: that article first. It is not answered
    # on meaning's word alone: "sign" is in no article, and meaning vouches only for the
    # words the corpus knows (the gate's rule for "connect my app to postgres").
    assert semantic.nearest[0] == "Pen input control"
    assert not semantic.answered


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


def test_semantic_setting_is_on_by_default_reads_yes_and_no_and_names_a_model_dir(
    tmp_path: Path,
) -> None:
    assert load_settings(ROOT / "config" / "articlebot.toml", env={}).semantic is True
    assert load_settings(None, env={}).semantic is True
    assert load_settings(None, env={"ARTICLEBOT_SEMANTIC": "no"}).semantic is False
    assert load_settings(None, env={"ARTICLEBOT_SEMANTIC": "1"}).semantic is True
    with pytest.raises(ConfigError, match="yes/no"):
        load_settings(None, env={"ARTICLEBOT_SEMANTIC": "maybe"})
    assert load_settings(None, env={}).model_dir is None
    given = load_settings(None, env={"ARTICLEBOT_MODEL_DIR": str(tmp_path)})
    assert given.model_dir == tmp_path


def test_the_shipped_model_puts_a_paraphrase_closer_than_an_unrelated_sentence() -> None:
    embedder = load_embedder()
    assert embedder is not None
    question, paraphrase, unrelated, other = embedder.encode(
        [
            "how do I send an SMS from my app",
            "Texting with PowerApps: send a text message to a phone",
            "A recipe for sourdough bread with a long cold proof",
            "Birds find their way home by the Earth's magnetic field",
        ]
    )
    assert question.dtype == np.float32 and question.shape == (384,)
    assert abs(float(np.linalg.norm(question)) - 1.0) < 1e-4
    assert question @ paraphrase > question @ unrelated + 0.2
    assert question @ paraphrase > question @ other + 0.2
    # The same text alone or among others gets the same vector.
    [alone] = embedder.encode(["how do I send an SMS from my app"])
    assert float(alone @ question) > 0.9999
    # In one padded batch, nearly: the padding is masked out of the mean, but int8
    # activations are scaled per run of the model, which moves the last digits.
    batched = embedder.encode(["how do I send an SMS from my app", "a"], batch_size=2)
    assert float(batched[0] @ question) > 0.99
    # The name stored beside each vector names this model file.
    assert embedder.name.startswith("onnx-") and len(embedder.name) == len("onnx-") + 16


def test_a_corpus_encoded_on_every_core_gets_the_vectors_one_thread_gives() -> None:
    one = load_embedder()
    assert one is not None
    texts = [
        "Texting with PowerApps",
        "Gallery pagination with next and previous buttons. Topics: galleries, paging.",
        "Dopamine neurons signal the difference between the reward expected and the reward "
        "received, and the brain learns from that difference.",
        "a",
        "how do I send an SMS from my app",
    ] * 3
    every_core = OnnxEmbedder(threads=2)  # as `articlebot ingest` encodes on 2 cores

    assert np.array_equal(every_core.encode(texts), one.encode(texts))  # in order, bit for bit


def test_a_long_text_is_cut_at_the_models_length_not_refused() -> None:
    embedder = load_embedder()
    assert embedder is not None
    long_text = "gallery pagination with next and previous buttons " * 200
    short, long = embedder.encode(["gallery pagination", long_text])
    assert float(short @ long) > 0.5


def _cli_ask(
    tmp_path: Path, env: dict[str, str], blocked: str = ""
) -> subprocess.CompletedProcess[str]:
    """`articlebot ask` in a fresh process; `blocked` names a module it cannot import (as
    when it is not installed), set before anything of the bot is imported."""
    code = (f"import sys; sys.modules[{blocked!r}] = None\n" if blocked else "import sys\n") + (
        "from bot.__main__ import main\n"
        f"sys.exit(main(['ask', '--db', {str(tmp_path / 'db.sqlite3')!r}, "
        "'how do dopamine neurons respond to surprising rewards']))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment_without_bot_settings() | env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_onnxruntime_the_cli_answers_with_words_and_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "words").mkdir()
    words_only = _cli_ask(tmp_path / "words", {"ARTICLEBOT_SEMANTIC": "0"})
    (tmp_path / "blocked").mkdir()
    blocked = _cli_ask(tmp_path / "blocked", {"ARTICLEBOT_SEMANTIC": "1"}, blocked="onnxruntime")

    assert words_only.returncode == 0, words_only.stderr
    assert blocked.returncode == 0, blocked.stderr
    assert blocked.stdout == words_only.stdout  # the words' answer, unchanged
    assert "dopamine" in blocked.stdout.lower()
    added = [line for line in blocked.stderr.splitlines() if line not in words_only.stderr]
    assert added == [
        "WARNING bot.embed: semantic search is off, answering with words alone: "
        "cannot import onnxruntime"
    ]


def _damaged_copy(tmp_path: Path) -> Path:
    model_dir = tmp_path / "model"
    shutil.copytree(MODEL_DIR, model_dir)
    model = model_dir / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte in the weights
    model.write_bytes(bytes(data))
    return model_dir


def test_a_damaged_model_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    model_dir = _damaged_copy(tmp_path)
    done = _cli_ask(tmp_path, {"ARTICLEBOT_SEMANTIC": "1", "ARTICLEBOT_MODEL_DIR": str(model_dir)})

    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"articlebot: {model_dir / 'model.onnx'}: SHA-256 ")
    assert "damaged or replaced" in line and "reinstall articlebot" in line
    assert not (tmp_path / "db.sqlite3").exists()  # said before any database work


def test_a_model_dir_without_the_model_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = _cli_ask(
        tmp_path, {"ARTICLEBOT_SEMANTIC": "1", "ARTICLEBOT_MODEL_DIR": str(tmp_path / "nowhere")}
    )

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"articlebot: {tmp_path / 'nowhere' / 'model.onnx'}: no such file; model_dir must hold "
        "model.onnx, model.onnx.sha256 and tokenizer.json (reinstall articlebot, or fix or "
        "unset model_dir)"
    ]


def test_an_intact_copy_of_the_model_in_model_dir_is_the_same_model(tmp_path: Path) -> None:
    shutil.copytree(MODEL_DIR, tmp_path / "model")
    copy = OnnxEmbedder(tmp_path / "model")
    shipped = load_embedder()
    assert shipped is not None and copy.name == shipped.name
    [a] = copy.encode(["roll back my app to an older version"])
    [b] = shipped.encode(["roll back my app to an older version"])
    assert float(a @ b) > 0.9999


@needs_shared_corpus
@pytest.mark.heavy  # asks every paraphrase twice (meaning_db encodes the corpus once a run)
async def test_real_model_answers_more_paraphrases_of_the_question_set(
    meaning_db: Path, tmp_path: Path
) -> None:
    from benchmarks.score_questions import clean_query, load_questions, source_matches

    paraphrases = [
        q for q in load_questions(ROOT / "benchmarks" / "questions.jsonl") if q.kind == "paraphrase"
    ]
    copy = tmp_path / "full.sqlite3"
    shutil.copyfile(meaning_db, copy)  # the corpus and its vectors, encoded once a run
    store = await Store.open(copy)
    try:
        lexical_engine = await SearchEngine.load(store)
        model = load_embedder()
        assert model is not None
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
