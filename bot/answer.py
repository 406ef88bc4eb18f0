"""A hit -> the answer a reader sees: summary, the passage that answers, related links."""

from __future__ import annotations

import re

from bot.models import Answer, Article, RelatedLink
from bot.search import SearchEngine
from bot.text import StemFinder, content_words, escape_markdown, sentences, stem, words

MAX_PASSAGE_SENTENCES = 3
MAX_PASSAGE_CHARS = 600
SIMILAR_ARTICLES = 3
# A sentence opening with one of these refers back ("This sort of signal, called ..."), so it
# finishes the thought of the sentence before it and belongs in the same passage.
_REFERS_BACK = frozenset({"this", "these", "that", "those", "such", "it", "they", "its"})


async def build_answer(
    engine: SearchEngine, article: Article, query: str, confidence: float
) -> Answer:
    similar = engine.catalog.similar(article.id, SIMILAR_ARTICLES)
    similar_articles = await engine.store.get_articles([e.id for e in similar])
    return compose_answer(article, query, confidence, similar_articles)


def compose_answer(
    article: Article, query: str, confidence: float, similar_articles: list[Article]
) -> Answer:
    own = [r for r in article.related if r.url]
    own_urls = {r.url for r in own}
    from_corpus = [
        RelatedLink(
            title=a.title,
            url=a.url,
            excerpt=a.summary,
            provider=a.provider.name if a.provider else None,
            published=a.published,
        )
        for a in similar_articles
        if a.url and a.url not in own_urls and a.url != article.url
    ]
    return Answer(
        article=article,
        query=query,
        confidence=confidence,
        summary=article.summary,
        passage=best_passage(article, query),
        related=tuple(own + from_corpus),
    )


def best_passage(article: Article, query: str) -> str:
    """The 1-3 consecutive body sentences that best match the query, its words in bold.

    Falls back to the excerpt's sentences when the article has no body.
    """
    candidates = sentences(article.body) or sentences(article.excerpt or article.summary)
    if not candidates:
        return ""
    wanted = {stem(w) for w in content_words(query)}
    if not wanted:
        return _emphasise(_window(candidates, 0, 1), wanted)
    finder = StemFinder(wanted)
    matches = [finder.found(sentence) for sentence in candidates]
    best_start, best_len, best_score = 0, 1, -1.0
    for start in range(len(candidates)):
        for length in range(1, MAX_PASSAGE_SENTENCES + 1):
            if start + length > len(candidates):
                break
            covered = set().union(*matches[start : start + length])
            # Distinct query words matter most; a longer window must earn its length.
            score = len(covered) - 0.15 * (length - 1)
            fits = length == 1 or len(_window(candidates, start, length)) <= MAX_PASSAGE_CHARS
            if score > best_score and fits:
                best_start, best_len, best_score = start, length, score
    best_len = _with_continuations(candidates, best_start, best_len)
    return _emphasise(_window(candidates, best_start, best_len), wanted)


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
