"""Shape detection by content, and the plain-text and scraped rules on pages like the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest import detect_shape, parse_file, parse_text
from bot.models import Link, Provider

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SHAPES = Path(__file__).resolve().parent / "data" / "shapes"
PHYS_ORG_STYLE = (SHAPES / "phys_org_style.txt").read_text(encoding="utf-8")
SCRAPED_WITH_HEADING = (SHAPES / "scraped_with_heading.txt").read_text(encoding="utf-8")
SCRAPED_WITHOUT_HEADING = (SHAPES / "scraped_without_heading.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("000_2c161b7184b518ae.txt", "frontmatter"),
        ("001_fb1d0d46ce0ecfe6.txt", "frontmatter"),
        ("002_060ea2ca1cd9a942.txt", "plaintext"),
        ("003_dd0ec8e4cc14ac45.txt", "scraped"),
        ("004_e1c4307fd34dea77.txt", "frontmatter"),
    ],
)
def test_seed_shapes(name: str, shape: str) -> None:
    assert detect_shape((SEEDS / name).read_text(encoding="utf-8")) == shape


def test_shape_comes_from_content_not_extension(tmp_path: Path) -> None:
    (tmp_path / "looks-like-markdown.md").write_text(PHYS_ORG_STYLE, encoding="utf-8")
    (tmp_path / "page.html").write_text(SCRAPED_WITH_HEADING, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("---\ntitle: Frontmatter in a .txt\n---\n", "utf-8")
    (tmp_path / "no-extension").write_text("Just a title\n\nAnd a sentence of text.\n", "utf-8")
    shapes = {path.name: parse_file(path, tmp_path).shape for path in tmp_path.iterdir()}
    assert shapes == {
        "looks-like-markdown.md": "plaintext",
        "page.html": "scraped",
        "notes.txt": "frontmatter",
        "no-extension": "plaintext",
    }


def test_a_mention_of_reviews_is_not_a_scraped_page() -> None:
    text = "Reviews of the year\n\n3 reviews\n\nWe read many papers this year. Here are three."
    assert detect_shape(text) == "plaintext"


def test_phys_org_style_article_metadata() -> None:
    article = parse_text(PHYS_ORG_STYLE, "news/robots.txt")
    assert article.title == "Robots learn to fold laundry with a little help"
    assert article.published == "2021-03-03"
    assert article.authors == ("Jane Doe", "John Smith")
    assert article.provider == Provider("University of Somewhere")
    assert article.url == "https://techxplore.com/news/2021-03-robots-laundry.html"
    assert article.links == (Link("DOI", "https://doi.org/10.1126/scirobotics.abc1234"),)
    assert (article.venue, article.year) == ("Science Robotics", 2021)


def test_phys_org_style_article_body() -> None:
    article = parse_text(PHYS_ORG_STYLE, "news/robots.txt")
    assert article.body.split("\n\n") == [
        "Researchers have built a robot that folds laundry using a neural network trained in "
        "simulation.",
        "It folds a towel in under a minute, far faster than earlier systems, and it rarely "
        "drops the cloth.",
        "The team says the method could be applied to other soft objects.",
        "Why cloth is hard",
        "Cloth changes shape every time it is touched, so a robot cannot plan its grasp in "
        "advance.",
    ]
    assert article.summary.startswith("Researchers have built a robot that folds laundry")


def test_plain_text_without_byline_or_trailer() -> None:
    article = parse_text("# A heading title\n\nSome *plain* text.\nWrapped once.\n", "x.md")
    assert article.title == "A heading title"
    assert article.body == "Some plain text. Wrapped once."
    assert (article.published, article.authors, article.url, article.provider) == (
        None,
        (),
        None,
        None,
    )


def test_plain_text_whose_first_line_is_a_paragraph() -> None:
    long_line = "This line goes on " * 20 + "and ends."
    article = parse_text(f"{long_line}\n\nSecond paragraph.", "long.txt")
    assert article.title.endswith("…") and len(article.title) <= 201
    assert article.body.startswith("This line goes on")


def test_scraped_page_with_generic_heading() -> None:
    article = parse_text(SCRAPED_WITH_HEADING, "pages/sparse.txt")
    assert article.shape == "scraped"
    assert article.title == "Sparse coding in the visual cortex"
    assert article.body == (
        "We study how neurons in the visual cortex represent natural images. A sparse code "
        "explains the receptive fields we record."
    )
    assert (article.type, article.year, article.venue) == (
        "journal article",
        2019,
        "Nature Neuroscience",
    )


def test_scraped_page_recognised_by_its_widgets() -> None:
    article = parse_text(SCRAPED_WITHOUT_HEADING, "pages/continual.txt")
    assert article.shape == "scraped"
    assert article.title == "Open problems in continual learning"
    assert article.body == (
        "Networks forget old tasks when they learn new ones. We survey methods that prevent this."
    )
    assert (article.type, article.year, article.venue) == ("preprint", 2021, "bioRxiv")
    for label in ("citations", "Nodataset", "Log in", "Research map"):
        assert label not in article.body
