"""The search's parts alone, with plain lists: fusion, the gate, meaning's int8 index,
and the passages an article's vectors are of."""

from __future__ import annotations

import numpy as np

from bot.passages import MAX_PASSAGES, passages
from bot.search.confidence import confidence, known_share, margins, meaning_confidence
from bot.search.fuse import fuse, normalise
from bot.search.knobs import MEANING_HIGH, MEANING_LOW
from bot.search.meaning import MeaningSearcher, quantise


def test_fuse_adds_the_weighted_normalised_scores() -> None:
    words = [("a", 10.0), ("b", 6.0), ("c", 2.0)]
    meaning = [("c", 0.9), ("d", 0.5), ("a", 0.1)]

    fused = dict(fuse(words, meaning, 0.5))

    assert fused == {"a": 1.0, "b": 0.5, "c": 0.5, "d": 0.25}


def test_an_id_missing_from_a_list_takes_its_minimum() -> None:
    # "d" shares no word with the question, yet meaning puts it far ahead: it can win.
    fused = fuse([("a", 3.0), ("b", 1.0)], [("d", 0.8), ("a", 0.2), ("b", 0.1)], 1.5)

    assert [key for key, _ in fused] == ["d", "a", "b"]


def test_equal_fused_scores_keep_the_first_lists_order_and_empty_lists_fuse() -> None:
    assert [k for k, _ in fuse([("x", 1.0), ("y", 1.0)], [], 1.0)] == ["x", "y"]
    assert fuse([], [("m", 0.3)], 1.0) == [("m", 1.0)]
    assert fuse([], [], 1.0) == []
    assert normalise([("only", 7.0)]) == {"only": 1.0}


def test_confidence_adds_meaning_to_the_words_within_bounds() -> None:
    assert meaning_confidence(None) == 0.0
    assert meaning_confidence(MEANING_LOW) == 0.0
    assert meaning_confidence(MEANING_HIGH + 0.2) == 1.0
    assert confidence(0.4, None) == 0.4
    assert confidence(0.4, MEANING_HIGH) > confidence(0.4, MEANING_LOW + 0.05) > 0.4
    assert confidence(0.95, 1.0) == 1.0


def test_meaning_vouches_only_for_the_words_the_corpus_knows() -> None:
    # "connect my canvas app to a postgres database": no article has the word "postgres".
    terms = [(2.0, 1.0), (1.5, 1.0), (5.0, 0.0), (2.0, 1.0)]  # (weight, trust)
    known = known_share(terms)

    assert known == 5.5 / 10.5
    assert known_share([(3.0, 0.8), (1.0, 1.0)]) == 1.0  # a repaired typo is known
    assert known_share([]) == 1.0
    near = MEANING_HIGH  # as near as a paraphrase's own article gets
    assert confidence(0.3, near, known) < confidence(0.3, near) - 0.3
    assert confidence(0.3, near, 0.0) == 0.3  # the words' own confidence stays


def test_an_article_standing_out_by_meaning_is_surer_than_one_among_as_near() -> None:
    lead = margins({"a": 0.47, "b": 0.37, "c": 0.36})
    crowd = margins({"a": 0.47, "b": 0.465, "c": 0.46})

    assert round(lead["a"], 3) == 0.1 and round(lead["b"], 3) == -0.1
    assert margins({"a": 0.5, "b": 0.5}) == {"a": 0.0, "b": 0.0}
    assert margins({}) == {}
    alone = confidence(0.2, 0.47, 1.0)
    assert confidence(0.2, 0.47, 1.0, lead["a"]) > confidence(0.2, 0.47, 1.0, crowd["a"]) > alone
    assert confidence(0.2, 0.47, 1.0, lead["b"]) == alone
    assert confidence(0.2, 0.47, 0.0, lead["a"]) == 0.2  # no word of it in the corpus
    assert confidence(0.2, 0.35, 1.0, 0.2) == confidence(0.2, 0.35, 1.0)  # too far to count
    assert confidence(0.2, None, 1.0, 0.2) == 0.2  # words alone


def _unit(rows: list[list[float]]) -> np.ndarray:
    matrix = np.array(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


class _NoModel:
    name = "none"

    def encode(self, texts: object) -> object:
        raise AssertionError("not needed: the tests give vectors")


def test_meaning_ranks_by_cosine_and_finds_neighbours_but_itself() -> None:
    vectors = _unit([[1, 0, 0], [0.8, 0.6, 0], [0, 0, 1], [0.2, 1, 0]])
    searcher = MeaningSearcher(_NoModel(), capacity=2)  # grows past its first guess
    searcher.add(["a", "b", "c", "d"], *quantise(vectors))

    ranked = searcher.search(_unit([[1, 0.1, 0]])[0], 3)

    assert [i for i, _ in ranked] == ["a", "b", "d"]
    assert abs(ranked[0][1] - 0.995) < 0.01  # int8 keeps cosines within a hundredth
    assert [i for i, _ in searcher.similar("a", 2)] == ["b", "d"]
    some = searcher.cosines_of(_unit([[1, 0.1, 0]])[0], ["b", "missing", "a"])
    assert list(some) == ["b", "a"] and some["a"] == ranked[0][1]
    assert searcher.similar("missing", 2) == []


def test_a_vector_added_again_replaces_the_old_one() -> None:
    searcher = MeaningSearcher(_NoModel(), capacity=4)
    searcher.add(["a", "b"], *quantise(_unit([[1, 0], [0, 1]])))
    searcher.add(["a"], *quantise(_unit([[0, 1]])))

    assert len(searcher) == 2
    assert {i for i, s in searcher.search(_unit([[0, 1]])[0], 2) if s > 0.99} == {"a", "b"}


def test_passages_cut_a_long_body_and_leave_a_short_one_to_its_summary() -> None:
    long_body = " ".join(f"Sentence number {n} says something new." for n in range(40))
    short_body = "One sentence. And another."

    cut = passages(long_body)

    assert len(cut) == MAX_PASSAGES
    assert cut[0].startswith("Sentence number 0 ") and "number 4 " not in cut[0]
    assert passages(short_body) == []
    assert passages("") == []
