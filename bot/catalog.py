"""The corpus's titles and topics in memory: autocomplete on every keystroke, browsing.

Title completion never touches the database: a sorted list answers prefixes with bisect, a
word index answers "any word starts with", and rapidfuzz over a first-letter bucket of
title words repairs typos.
"""

from __future__ import annotations

import bisect
import heapq
import math
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from rapidfuzz import fuzz, process

from bot.store import CatalogEntry
from bot.text import content_words, normalize, words

FUZZY_TITLES_PER_WORD = 300
TITLE_MATCHES_PER_WORD = 2000  # newest titles per common word counted when few hold them all
# "More like this" weighs shared title words and topics by rarity; one held by more titles
# than this says little about likeness, and walking it would cost the most.
SIMILAR_MAX_SHARED = 500


class Catalog:
    def __init__(self, entries: Sequence[CatalogEntry]) -> None:
        # Newest first (then by quality): browsing order and the tie-break everywhere.
        self.entries: list[CatalogEntry] = sorted(
            entries, key=lambda e: (e.published or "", e.quality or 0), reverse=True
        )
        # Positions in `entries` are kept in arrays of machine ints, not lists of Python
        # ints (36 bytes each): at 100,000 articles the title index held ~1.2 million.
        self._index = {e.id: i for i, e in enumerate(self.entries)}
        titles = sorted((normalize(e.title), i) for i, e in enumerate(self.entries))
        self._title_keys = [t for t, _ in titles]
        self._title_order = _positions(i for _, i in titles)
        del titles
        self._postings = _grouped(
            (i, dict.fromkeys(words(e.title))) for i, e in enumerate(self.entries)
        )
        self._words = sorted(self._postings)
        self._word_buckets: dict[str, list[str]] = defaultdict(list)
        for word in self._words:
            self._word_buckets[word[0]].append(word)
        self._topics = _grouped((i, e.topics) for i, e in enumerate(self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, article_id: str) -> CatalogEntry | None:
        at = self._index.get(article_id)
        return None if at is None else self.entries[at]

    def topics(self) -> list[tuple[str, int]]:
        """Every topic with its article count, largest first."""
        return sorted(
            ((t, len(ids)) for t, ids in self._topics.items()), key=lambda x: (-x[1], x[0])
        )

    def by_topic(self, topic: str) -> list[CatalogEntry]:
        """Articles of a topic (case-insensitive name), newest first."""
        key = normalize(topic)
        for name, ids in self._topics.items():
            if normalize(name) == key:
                return [self.entries[i] for i in ids]
        return []

    def complete_topic(self, text: str, limit: int = 25) -> list[str]:
        names = [t for t, _ in self.topics()]
        key = normalize(text.strip())
        if not key:
            return names[:limit]
        starts = [n for n in names if normalize(n).startswith(key)]
        contains = [n for n in names if key in normalize(n) and n not in starts]
        found = starts + contains
        if len(found) < limit:
            fuzzy = process.extract(key, names, scorer=fuzz.WRatio, score_cutoff=60, limit=limit)
            found += [n for n, _, _ in fuzzy if n not in found]
        return found[:limit]

    def complete_title(self, text: str, limit: int = 25) -> list[CatalogEntry]:
        """Titles for autocomplete: whole-title prefix, then every-word prefix, then fuzzy."""
        key = normalize(text.strip())
        if not key:
            return self.entries[:limit]
        found: dict[int, None] = {}
        start = bisect.bisect_left(self._title_keys, key)
        # By position, not a slice: copying the rest of 100,000 titles cost ~1 ms a key.
        for position in range(start, len(self._title_keys)):
            if not self._title_keys[position].startswith(key) or len(found) >= limit:
                break
            found[self._title_order[position]] = None
        query_words = words(key)
        if len(found) < limit and query_words:
            for index in self._word_prefix_matches(query_words):
                found.setdefault(index, None)
                if len(found) >= limit:
                    break  # the matches come newest first and lazily: stop paying here
        if len(found) < limit and query_words:
            for index in self._fuzzy_word_matches(query_words, key):
                found.setdefault(index, None)
                if len(found) >= limit:
                    break
        return [self.entries[i] for i in found]

    def own_ids(self, article_ids: Sequence[str]) -> list[str]:
        """The same ids as the catalog's own strings (an id it lacks as given): an index
        keyed by them then holds no second copy of 100,000 ids."""
        return [e.id if (e := self.get(i)) is not None else i for i in article_ids]

    def position(self, article_id: str) -> int:
        """Where the article stands in `entries` (newest first); KeyError if not there."""
        return self._index[article_id]

    def published_within(
        self, low: str, high: str, ids: Sequence[str] | None = None
    ) -> Iterator[str]:
        """The ids of `ids` (default: every entry's; either way in the catalog's order,
        newest first) published from `low` to `high` (ISO 8601 strings compared as text),
        lazily: a binary search finds the first, as that order is by date."""

        def published(at: int) -> str:
            entry = self.entries[at if ids is None else self._index[ids[at]]]
            return entry.published or ""

        start, end = 0, len(self.entries) if ids is None else len(ids)
        while start < end:  # the first not above `high` (dates descend)
            middle = (start + end) // 2
            if published(middle) > high:
                start = middle + 1
            else:
                end = middle
        for at in range(start, len(self.entries) if ids is None else len(ids)):
            if published(at) < low:
                return
            yield self.entries[at].id if ids is None else ids[at]

    def similar(self, article_id: str, limit: int) -> list[CatalogEntry]:
        """The articles sharing the rarest title words and topics with this one, most alike
        first (newest among equals); itself excluded. From memory, no SQL."""
        index = self._index.get(article_id)
        if index is None:
            return []
        entry = self.entries[index]
        groups = [self._postings.get(w, ()) for w in dict.fromkeys(content_words(entry.title))]
        groups += [self._topics.get(topic, ()) for topic in entry.topics]
        scores: dict[int, float] = defaultdict(float)
        for group in groups:
            if 1 < len(group) <= SIMILAR_MAX_SHARED:
                weight = math.log(len(self.entries) / len(group))
                for other in group:
                    scores[other] += weight
        scores.pop(index, None)
        best = heapq.nsmallest(limit, ((-score, i) for i, score in scores.items()))
        return [self.entries[i] for _, i in best]

    def title_matches(self, title_words: list[str], limit: int) -> list[tuple[str, float]]:
        """(id, -n) of the titles holding the most of these words (n of them), newest first
        among equals; ranked like BM25, lower is better.

        These are common words ("power apps"): the newest titles of the rarest are checked
        for all the others, until `limit` hold them all; only when too few do are the
        newest TITLE_MATCHES_PER_WORD titles of each word counted.
        """
        wanted = list(dict.fromkeys(w for w in title_words if w in self._postings))
        if not wanted:
            return []
        rarest = min(wanted, key=lambda w: len(self._postings[w]))
        others = set(wanted) - {rarest}
        best: list[int] = []
        for index in self._postings[rarest][:TITLE_MATCHES_PER_WORD]:
            title = self.entries[index].title
            folded = normalize(title)  # a cheap test first: most titles lack some word
            if all(w in folded for w in others) and others <= set(words(title)):
                best.append(index)
                if len(best) == limit:
                    return [(self.entries[i].id, -float(len(wanted))) for i in best]
        counts: dict[int, int] = defaultdict(int)
        for word in wanted:
            for index in self._postings[word][:TITLE_MATCHES_PER_WORD]:
                counts[index] += 1
        for index in best:  # every title holding all the words, however old
            counts[index] = len(wanted)
        ranked = heapq.nsmallest(limit, ((-count, i) for i, count in counts.items()))
        return [(self.entries[i].id, float(rank)) for rank, i in ranked]

    def fuzzy_titles(self, text: str, limit: int = 3) -> list[CatalogEntry]:
        """The titles closest to `text`, for "did you mean"; may be empty."""
        return self.complete_title(text, limit) if text.strip() else []

    def _word_prefix_matches(self, query_words: list[str]) -> Iterator[int]:
        """Titles in which every query word starts some title word, newest first, lazily.

        Walks the titles of the most selective word in order and checks the other words on
        each, so a one-letter prefix at 100,000 titles costs as much as the 25 it shows.
        """
        prefixes = dict.fromkeys(query_words)
        by_word = {p: self._words_with_prefix(p) for p in prefixes}
        if not all(by_word.values()):
            return
        rarest = min(by_word, key=lambda p: sum(len(self._postings[w]) for w in by_word[p]))
        others = [p for p in prefixes if p != rarest]
        last = -1
        for index in heapq.merge(*(self._postings[w] for w in by_word[rarest])):
            if index == last:
                continue
            last = index
            if others:
                title_words = words(self.entries[index].title)
                if not all(any(w.startswith(p) for w in title_words) for p in others):
                    continue
            yield index

    def _words_with_prefix(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._words, prefix)
        end = bisect.bisect_left(self._words, prefix + "\U0010ffff")
        return self._words[start:end]

    def _fuzzy_word_matches(self, query_words: list[str], key: str) -> list[int]:
        """Titles sharing close words with the query (typos), best title match first."""
        scores: dict[int, float] = defaultdict(float)
        for word in query_words:
            if len(word) < 3:
                continue
            bucket = self._word_buckets.get(word[0], [])
            for match, score, _ in process.extract(
                word, bucket, scorer=fuzz.ratio, score_cutoff=75, limit=10
            ):
                # The newest titles with that word: "power" is in most titles of a big
                # corpus, and only the best hundred are ranked below.
                for index in self._postings[match][:FUZZY_TITLES_PER_WORD]:
                    scores[index] += score
        ranked = heapq.nlargest(100, scores, key=scores.__getitem__)
        return sorted(
            ranked,
            key=lambda i: fuzz.WRatio(key, normalize(self.entries[i].title)),
            reverse=True,
        )


def _positions(values: Iterable[int] = ()) -> array[int]:
    """Positions in the catalog, 4 bytes each (a catalog of up to 4 billion articles)."""
    return array("I", values)


def _grouped(keyed: Iterable[tuple[int, Iterable[str]]]) -> dict[str, array[int]]:
    """key -> the positions holding it, in order, from (position, its keys) pairs."""
    groups: dict[str, array[int]] = {}
    for position, keys in keyed:
        for key in keys:
            group = groups.get(key)
            if group is None:
                group = groups[key] = _positions()
            group.append(position)
    return groups
