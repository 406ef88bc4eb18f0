"""A hit -> the answer a reader sees: summary, the passage that answers, related links."""

from __future__ import annotations

import asyncio
import re

from bot.models import Answer, Article, RelatedLink
from bot.passages import passages
from bot.search import SearchEngine
from bot.search.narrow import parse_question
from bot.text import (
    FIND_PIECE_CHARS,
    WORD_MAX_CHARS,
    StemFinder,
    content_words,
    escape_markdown,
    normalize,
    sentences,
    stem,
    words,
)

MAX_PASSAGE_SENTENCES = 3
MAX_PASSAGE_CHARS = 600
SIMILAR_ARTICLES = 3
# A body longer than this (a 5 MB file holds ~50,000 sentences, a second of work) is not
# split whole: only the stretches around the first few occurrences of each query word are,
# so the work is bounded whatever the body's length. Longer than nearly every article.
WHOLE_BODY_CHARS = 50_000
HITS_PER_WORD = 8
CONTEXT_CHARS = 800  # on each side of an occurrence: the sentences around it
FINDS_PER_WORD = 64 * HITS_PER_WORD  # occurrences inside longer words count towards it
# A sentence opening with one of these refers back ("This sort of signal, called ..."), so it
# finishes the thought of the sentence before it and belongs in the same passage.
_REFERS_BACK = frozenset({"this", "these", "that", "those", "such", "it", "they", "its"})


async def build_answer(
    engine: SearchEngine,
    article: Article,
    query: str,
    confidence: float,
    passage_part: int | None = None,
) -> Answer:
    """The card of `article`; `passage_part` is the body passage meaning found nearest the
    question (its number among `vectors.passages`), shown as the passage that answers."""
    similar = engine.similar(article.id, SIMILAR_ARTICLES)
    similar_articles = await engine.store.get_articles([e.id for e in similar])
    if len(article.body) > WHOLE_BODY_CHARS:  # milliseconds of work: off the event loop
        return await asyncio.to_thread(
            compose_answer, article, query, confidence, similar_articles, passage_part
        )
    return compose_answer(article, query, confidence, similar_articles, passage_part)


def compose_answer(
    article: Article,
    query: str,
    confidence: float,
    similar_articles: list[Article],
    passage_part: int | None = None,
) -> Answer:
    own = [r for r in article.related if r.url]
    from_corpus = [
        RelatedLink(
            title=a.title,
            url=a.url,
            excerpt=a.summary,
            provider=a.provider.name if a.provider else None,
            published=a.published,
        )
        for a in similar_articles
        if a.url
    ]
    return Answer(
        article=article,
        query=query,
        confidence=confidence,
        summary=article.summary,
        passage=_passage(article, query, passage_part),
        related=unique_links(article, [*own, *from_corpus]),
        # Said in the byline, where the author would be: no card is left to be read as one
        # whose author was missed.
        author_unnamed=not article.authors and parse_question(query).who_asked,
    )


def unique_links(article: Article, links: list[RelatedLink]) -> tuple[RelatedLink, ...]:
    """Each link once, first kept, never the article itself. Once by URL, and once by title:
    the corpus holds the same story reprinted at several addresses, which is one article to a
    reader."""
    seen_urls = {_same_url(article.url)} if article.url else set()
    seen_titles = {normalize(article.title).strip()}
    kept = []
    for link in links:
        url, title = _same_url(link.url or ""), normalize(link.title).strip()
        if url in seen_urls or title in seen_titles:
            continue
        seen_urls.add(url)
        seen_titles.add(title)
        kept.append(link)
    return tuple(kept)


def _same_url(url: str) -> str:
    """A trailing slash does not make another page."""
    return url.strip().rstrip("/")


def _passage(article: Article, query: str, part: int | None) -> str:
    """The passage that answers: the words' own when it holds a word of the question (it is
    marked in bold), else the passage meaning found nearest, if any."""
    by_words = best_passage(article, query)
    if "**" in by_words:  # escape_markdown leaves no other double asterisks
        return by_words
    return _meant_passage(article, query, part) or by_words


def _meant_passage(article: Article, query: str, part: int | None) -> str:
    """The body passage that meaning found, its query words in bold ("" if none)."""
    if not part:
        return ""
    found = passages(article.body)
    if part > len(found):  # encoded from another text: the words pick instead
        return ""
    return _emphasise(found[part - 1], {stem(w) for w in content_words(query)})


def best_passage(article: Article, query: str) -> str:
    """The 1-3 consecutive body sentences that best match the query, its words in bold.

    Falls back to the excerpt's sentences when the article has no body.
    """
    wanted = {stem(w) for w in content_words(query)}
    runs = [run for run in passage_runs(article.body, wanted) if run]
    if not runs:
        runs = [sentences(article.excerpt or article.summary)]
        if not runs[0]:
            return ""
    if not wanted:
        return _emphasise(_window(runs[0], 0, 1), wanted)
    finder = StemFinder(wanted)
    best_run, best_start, best_len, best_score = runs[0], 0, 1, -1.0
    for candidates in runs:
        matches = [finder.found(sentence) for sentence in candidates]
        for start in range(len(candidates)):
            for length in range(1, MAX_PASSAGE_SENTENCES + 1):
                if start + length > len(candidates):
                    break
                covered = set().union(*matches[start : start + length])
                # Distinct query words matter most; a longer window must earn its length.
                score = len(covered) - 0.15 * (length - 1)
                fits = length == 1 or len(_window(candidates, start, length)) <= MAX_PASSAGE_CHARS
                if score > best_score and fits:
                    best_run, best_start, best_len, best_score = candidates, start, length, score
    best_len = _with_continuations(best_run, best_start, best_len)
    return _emphasise(_window(best_run, best_start, best_len), wanted)


def passage_runs(body: str, wanted: set[str]) -> list[list[str]]:
    """The body's sentences that the passage is chosen from, in runs of neighbours.

    A body up to WHOLE_BODY_CHARS is one run. A longer one gives only the sentences around
    the first HITS_PER_WORD occurrences of each wanted word (the opening when there is no
    wanted word), so at most a few hundred sentences are looked at.
    """
    if len(body) <= WHOLE_BODY_CHARS:
        return [sentences(body)]
    spans = _occurrence_spans(body, wanted) or [(0, WHOLE_BODY_CHARS)]
    runs: list[list[str]] = []
    for begin, end in spans:
        run = sentences(body[begin:end])
        # A stretch cut inside a sentence loses that sentence, at either edge.
        runs.append(run[1 if begin > 0 else 0 : -1 if end < len(body) else None])
    return runs


def _occurrence_spans(body: str, wanted: set[str]) -> list[tuple[int, int]]:
    """Merged (begin, end) stretches of `body` around where wanted words start."""
    hits = dict.fromkeys(StemFinder(wanted).starts, 0)
    finds = dict.fromkeys(hits, 0)
    spans: list[tuple[int, int]] = []
    # A piece at a time (lower-casing 5 MB at once would hold the GIL for ~20 ms); a piece
    # overlaps the next by a word, and starts a character early to see what precedes it.
    for begin in range(0, len(body), FIND_PIECE_CHARS):
        offset = max(0, begin - 1)
        # Positions may drift by a character where lower-casing changes a length: the
        # context absorbs it.
        piece = body[offset : begin + FIND_PIECE_CHARS + WORD_MAX_CHARS].lower()
        for start in hits:
            at = piece.find(start, begin - offset)
            while at != -1 and hits[start] < HITS_PER_WORD and finds[start] < FINDS_PER_WORD:
                if at >= FIND_PIECE_CHARS + begin - offset:
                    break  # the next piece's
                finds[start] += 1
                if at == 0 or not piece[at - 1].isalnum():
                    hits[start] += 1
                    where = offset + at
                    spans.append(
                        (max(0, where - CONTEXT_CHARS), min(len(body), where + CONTEXT_CHARS))
                    )
                at = piece.find(start, at + 1)
        if all(n >= HITS_PER_WORD or finds[s] >= FINDS_PER_WORD for s, n in hits.items()):
            break
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _with_continuations(candidates: list[str], start: int, length: int) -> int:
    """Grow the window over following sentences that refer back to it, within the limits."""
    while length < MAX_PASSAGE_SENTENCES and start + length < len(candidates):
        following = words(candidates[start + length][:20])
        if not following or following[0] not in _REFERS_BACK:
            break
        if len(_window(candidates, start, length + 1)) > MAX_PASSAGE_CHARS:
            break
        length += 1
    return length


def _window(candidates: list[str], start: int, length: int) -> str:
    return " ".join(candidates[start : start + length])


def _emphasise(text: str, wanted: set[str]) -> str:
    """Bold every word whose stem the query asked for (markdown, as Discord renders it)."""
    text = escape_markdown(text)
    if not wanted:
        return text

    def bold(match: re.Match[str]) -> str:
        word = match.group(0)
        return f"**{word}**" if stem(word.casefold()) in wanted else word

    return re.sub(r"[^\W_]+", bold, text)
