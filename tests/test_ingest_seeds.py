"""The five seed files, parsed: what a reader of each article would see."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest import article_id, parse_file
from bot.models import Article, Link, Provider

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    """Every seed parsed once, keyed by its number ("000" .. "004")."""
    return {path.name[:3]: parse_file(path, SEEDS) for path in sorted(SEEDS.iterdir())}


def no_noise(article: Article) -> None:
    """Fields that are never text (`secured`, AMP copies, cache flags) appear nowhere."""
    everything = repr(article)
    for noise in ("secured", "S7BAnrVBjMB9", "ampproject", "/amp", "isCached", "featured"):
        assert noise not in everything


def test_seed_000_wired_frontmatter_article(seeds: dict[str, Article]) -> None:
    article = seeds["000"]
    assert article.shape == "frontmatter"
    assert article.source == "000_2c161b7184b518ae.txt"
    assert article.id == article_id("000_2c161b7184b518ae.txt")
    assert article.title == "Deep Neural Networks Are Helping Decipher How Brains Work"
    assert article.published == "2020-11-01T08:00:00Z"
    assert article.url == (
        "https://www.wired.com/story/deep-neural-networks-are-helping-decipher-how-brains-work/"
    )
    assert article.provider == Provider("Wired", "wired.com")
    assert article.authors == ()
    assert article.type == "article"
    assert article.topics == ("Machine Learning", "AI")
    assert article.image == (
        "https://media.wired.com/photos/5f9c17ea06e9afd2b38e204b/master/pass/"
        "Science_BrainDeepNets-2880x1620-Lede.jpg"
    )
    assert (article.quality, article.heat) == (104, 114)
    assert article.excerpt is not None
    assert article.excerpt.startswith("“I was really pumped,” he said.")
    assert article.summary == article.excerpt
    assert article.body == ""
    [related] = article.related
    assert related.title == "Deep Neural Networks Help to Explain Living Brains"
    assert related.url == (
        "https://www.quantamagazine.org/deep-neural-networks-help-to-explain-living-brains-20201028/"
    )
    assert related.provider == "Quanta Magazine"
    assert related.published == "2020-10-28T15:16:00Z"
    assert related.excerpt is not None
    assert related.excerpt.startswith("The system was a deep neural network")
    no_noise(article)


def test_seed_001_unpublished_article_still_loads(seeds: dict[str, Article]) -> None:
    article = seeds["001"]
    assert article.shape == "frontmatter"
    assert article.title == "Artificial Neural Nets Finally Yield Clues to How Brains Learn"
    assert article.published == "2021-02-18T16:18:00Z"
    assert article.url == (
        "https://www.quantamagazine.org/"
        "artificial-neural-nets-finally-yield-clues-to-how-brains-learn-20210218/"
    )
    assert article.provider == Provider("Quanta Magazine", "quantamagazine.org")
    assert article.topics == ("AI", "Machine Learning")
    assert (
        article.image
        == "https://d2r55xnwy6nx47.cloudfront.net/uploads/2021/02/Neuron_1200_Social.jpg"
    )
    assert article.heat == -1
    assert article.summary.startswith("The learning algorithm that enables the runaway success")
    assert [(r.title, r.url, r.provider) for r in article.related] == [
        (
            "Scientists are using A.I. to create artificial human genetic code",
            "https://www.digitaltrends.com/features/ai-genetic-code/",
            "Digital Trends",
        )
    ]
    no_noise(article)


def test_seed_002_plain_text_article(seeds: dict[str, Article]) -> None:
    article = seeds["002"]
    assert article.shape == "plaintext"
    assert article.title == "Designing artificial brains can help us learn more about real ones"
    assert article.published == "2020-02-14"
    assert article.authors == ("Blake Richards",)
    assert article.provider == Provider("The Conversation")
    assert article.url == "https://sciencex.com/news/2020-02-artificial-brains-real.html"
    assert article.links == (Link("DOI", "https://doi.org/10.1038/s41593-019-0520-2"),)
    assert (article.venue, article.year) == ("Nature Neuroscience", 2019)
    assert article.excerpt is None
    assert article.summary.startswith(
        "Despite billions of dollars spent and decades of research, computation in the human "
        "brain remains largely a mystery."
    )


def test_seed_002_body_is_the_article_text_only(seeds: dict[str, Article]) -> None:
    body = seeds["002"].body
    paragraphs = body.split("\n\n")
    # The hard wraps inside sentences are re-joined.
    assert paragraphs[0].startswith(
        "Despite billions of dollars spent and decades of research, computation in the human "
        "brain remains largely a mystery."
    )
    assert "than by trying to state what each neuron does." in body
    # Section headings stay paragraphs of their own.
    for heading in ("Brain network models", "Assigning neuron roles", "Optimizing frameworks"):
        assert heading in paragraphs
    # Markdown is reduced to its words.
    assert "Neurological diseases are on the rise worldwide, making" in body
    assert "published in Nature Neuroscience, my co-authors" in body
    for markup in ("[", "](", "*", "<", "#"):
        assert markup not in body
    # Caption, reference and trailer lines are metadata, not text.
    for noise in (
        "Credit:",
        "Jessica Bryant",
        "February 14 2020",
        "More information",
        "republished",
        "Science X Dialog",
        "Provided by",
        "Citation:",
        "subject to copyright",
        "--",
    ):
        assert noise not in body
    assert paragraphs[-1].startswith("Given the ability of modern artificial neural networks")


def test_seed_003_scraped_paper_page(seeds: dict[str, Article]) -> None:
    article = seeds["003"]
    assert article.shape == "scraped"
    assert article.title == "If deep learning is the answer, then what is the question?"
    assert (article.type, article.year, article.venue) == ("preprint", 2020, "arXiv")
    assert article.body.startswith("Neuroscience research is undergoing a minor revolution.")
    assert article.body.endswith("as a direct consequence of recent advances in machine learning.")
    assert "\n\n" not in article.body  # one abstract paragraph
    assert article.summary.startswith("Neuroscience research is undergoing a minor revolution.")
    assert article.url is None


@pytest.mark.parametrize(
    "label",
    [
        "Paper detail",
        "preprint",
        "Open access",
        "citations",
        "reviews",
        "saves",
        "Nocode",
        "Nodataset",
        "institutions",
        "Next steps",
        "Decide what to do",
        "Log in to curate",
        "Reading frame",
        "Research map",
        "Open full explorer",
        "BZPEER",
        "Structured reviews",
        "review(s)",
        "Open review form",
        "No structured reviews yet",
        "comment(s)",
        "No discussion yet",
    ],
)
def test_seed_003_body_has_no_page_chrome(seeds: dict[str, Article], label: str) -> None:
    assert label.lower() not in seeds["003"].body.lower()


def test_seed_004_medicalxpress_article(seeds: dict[str, Article]) -> None:
    article = seeds["004"]
    assert article.shape == "frontmatter"
    assert (
        article.title == "A perspective on the study of artificial and biological neural networks"
    )
    assert article.published == "2020-02-24T17:51:00Z"
    # No originalUrl: the webUrl is the article's address (never the AMP copies).
    assert article.url == (
        "https://medicalxpress.com/news/2020-02-perspective-artificial-biological-neural-networks.html"
    )
    assert article.provider == Provider("Medical Xpress", "medicalxpress.com")
    assert article.image is None
    assert article.topics == ("AI", "Machine Learning")
    assert article.summary.startswith("In recent years, researchers have been developing")
    [related] = article.related
    assert related.title == "New study allows Brain and Artificial Neurons to link up over web"
    assert related.url == (
        "https://www.miragenews.com/new-study-allows-brain-and-artificial-neurons-to-link-up-over-web/"
    )
    assert related.published == "2020-02-26T12:16:00Z"
    no_noise(article)


def test_seed_ids_are_stable_and_distinct(seeds: dict[str, Article]) -> None:
    ids = [article.id for article in seeds.values()]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
    again = parse_file(SEEDS / "002_060ea2ca1cd9a942.txt", SEEDS)
    assert again == seeds["002"]
