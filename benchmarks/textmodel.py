"""What synthetic articles are made of, learned from the shared corpus (read, never written).

Sentences come from an order-2 word Markov chain over the corpus's real excerpts and bodies,
so they are real sentences recombined where two of them share a bigram; titles come from a
separate chain over real titles. Word use is therefore the corpus's own (Zipfian), and a
Zipf-distributed pool of made-up proper nouns adds the long tail of rare words (names,
products) that a bigger corpus has, so the vocabulary keeps growing with the corpus size.
Lengths (title words, excerpt words) are sampled from the corpus's own distributions.
"""

from __future__ import annotations

import bisect
import html
import itertools
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bot.text import sentences

SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "smartable-powerapps"

_FRONTMATTER = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n?(.*)\Z", re.S)
_BOS = "\x02"
_EOS = "\x03"
_SYLLABLES = (
    "ka lo mi ra ven tor sul dex ni qua bel tri zo mar pen lux cor fen gal hal ori "
    "ster vin wen yar zel bra cle dro fla gri pli sko tra vex nor"
).split()
RARE_NOUNS = 60_000  # size of the made-up proper-noun pool (long tail of the vocabulary)
ZIPF_S = 1.07


@dataclass(slots=True)
class Chain:
    """An order-2 word Markov chain; `next` lists repeat a word once per observation."""

    next: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def learn(self, tokens: list[str]) -> None:
        padded = [_BOS, _BOS, *tokens, _EOS]
        for a, b, c in zip(padded, padded[1:], padded[2:], strict=False):
            self.next.setdefault((a, b), []).append(c)

    def walk(self, rng: random.Random, max_words: int, stop: bool = True) -> list[str]:
        """Words until the end of a sentence (when `stop`) or `max_words`."""
        out: list[str] = []
        a, b = _BOS, _BOS
        while len(out) < max_words:
            choices = self.next.get((a, b))
            if not choices:
                break
            c = choices[int(rng.random() * len(choices))]
            if c == _EOS:
                if stop or not out:
                    break
                a, b = _BOS, _BOS  # keep going: start another sentence-like run
                continue
            out.append(c)
            a, b = b, c
        return out


@dataclass(slots=True)
class TextModel:
    sentences: Chain
    titles: Chain
    title_lengths: list[int]
    excerpt_lengths: list[int]
    providers: list[str]
    authors: list[str]
    topics: list[str]
    types: list[str]
    real_titles: list[str]
    rare_nouns: list[str]
    rare_cum: list[float]

    # -- sampling ------------------------------------------------------------------------

    def rare_noun(self, rng: random.Random) -> str:
        """A made-up proper noun, Zipf-distributed over a large pool."""
        index = bisect.bisect_left(self.rare_cum, rng.random() * self.rare_cum[-1])
        return self.rare_nouns[min(index, len(self.rare_nouns) - 1)]

    def sentence(self, rng: random.Random, rare_rate: float = 0.015) -> str:
        words = self.sentences.walk(rng, 45)
        while len(words) < 4:
            words += self.sentences.walk(rng, 45 - len(words))
        out = [self.rare_noun(rng) if rng.random() < rare_rate else w for w in words]
        text = " ".join(out)
        text = text[0].upper() + text[1:]
        return text if text[-1] in ".!?" else text + "."

    def paragraph(self, rng: random.Random, n_sentences: int) -> str:
        return " ".join(self.sentence(rng) for _ in range(n_sentences))

    def words(self, rng: random.Random, n_words: int) -> str:
        """About `n_words` of running text, whole sentences."""
        out: list[str] = []
        count = 0
        while count < n_words:
            sentence = self.sentence(rng)
            out.append(sentence)
            count += sentence.count(" ") + 1
        return " ".join(out)

    def title(self, rng: random.Random) -> str:
        target = rng.choice(self.title_lengths)
        words = self.titles.walk(rng, target + 4)
        if len(words) < 2:
            words = rng.choice(self.real_titles).split()
        roll = rng.random()
        if roll < 0.35:
            words.insert(rng.randrange(len(words) + 1), self.rare_noun(rng))
        elif roll < 0.5:
            words.append(
                f"({rng.choice(('Part', 'Episode', 'Day', 'Lesson'))} {rng.randint(1, 99)})"
            )
        return " ".join(words).strip(" -|:") or "Untitled"

    def excerpt(self, rng: random.Random) -> str:
        target = max(8, rng.choice(self.excerpt_lengths))
        text = self.words(rng, target)
        words = text.split()
        if len(words) > target:
            return " ".join(words[:target]) + " ..."
        return text


def build_model(corpus: Path = SHARED_CORPUS) -> TextModel:
    """Learn the chains and distributions from every file of `corpus`, in sorted order."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"shared corpus not found at {corpus}")
    sentence_chain, title_chain = Chain(), Chain()
    title_lengths: list[int] = []
    excerpt_lengths: list[int] = []
    providers: Counter[str] = Counter()
    authors: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    types: Counter[str] = Counter()
    real_titles: list[str] = []
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        meta, body = _read(path)
        title = _clean(str(meta.get("title") or meta.get("name") or ""))
        if title:
            real_titles.append(title)
            title_lengths.append(len(title.split()))
            title_chain.learn(title.split())
        excerpt = _clean(str(meta.get("excerpt") or meta.get("bio") or ""))
        if excerpt:
            excerpt_lengths.append(len(excerpt.split()))
        # Newsletters are lists of other articles' titles and footer links: no sentences.
        body_text = _html_text(body) if body and path.suffix != ".html" else ""
        for text in (excerpt, body_text):
            for sentence in sentences(text):
                tokens = sentence.rstrip(" .").split()
                if len(tokens) >= 4 and not sentence.startswith(("http", "<")):
                    sentence_chain.learn(tokens)
        provider = meta.get("provider") or {}
        if isinstance(provider, dict) and provider.get("name"):
            providers[str(provider["name"])] += 1
            for author in provider.get("authors") or ():
                if isinstance(author, dict) and author.get("name"):
                    authors[str(author["name"])] += 1
        topics.update(str(t) for t in meta.get("topics") or ())
        if meta.get("type"):
            types[str(meta["type"])] += 1
    nouns = _rare_nouns(RARE_NOUNS)
    cum = list(itertools.accumulate(1.0 / (rank**ZIPF_S) for rank in range(1, len(nouns) + 1)))
    return TextModel(
        sentences=sentence_chain,
        titles=title_chain,
        title_lengths=sorted(title_lengths),
        excerpt_lengths=sorted(excerpt_lengths),
        providers=_weighted(providers),
        authors=_weighted(authors) or ["Staff"],
        topics=_weighted(topics),
        types=_weighted(types),
        real_titles=real_titles,
        rare_nouns=nouns,
        rare_cum=cum,
    )


def _read(path: Path) -> tuple[dict[str, object], str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    match = _FRONTMATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.load(match.group(1), Loader=yaml.CSafeLoader)  # C parser, as ingest
    except yaml.YAMLError:
        return {}, match.group(2)
    return (meta if isinstance(meta, dict) else {}), match.group(2)


def _html_text(body: str) -> str:
    if "<" not in body:
        return _clean(body)
    tree = HTMLParser(body)
    for node in tree.css("style, script, head"):
        node.decompose()
    root = tree.body or tree.root
    return _clean(root.text(separator=" ")) if root is not None else ""


def _clean(text: str) -> str:
    text = html.unescape(html.unescape(text))
    text = re.sub(r"https?://\S+", "", text)
    text = text.replace("\u2028", " ").replace("\u2029", " ")
    return " ".join(text.split())


def _weighted(counts: Counter[str]) -> list[str]:
    """A list to `rng.choice` from with the observed frequencies (sorted: deterministic)."""
    return [name for name, n in sorted(counts.items()) for _ in range(n)]


def _rare_nouns(count: int) -> list[str]:
    """`count` distinct capitalised made-up words, in a fixed order (rank = position)."""
    rng = random.Random("articlebot-rare-nouns")
    seen: dict[str, None] = {}
    while len(seen) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        seen.setdefault(word.capitalize(), None)
    return list(seen)
