"""The smartable corpus: a checked-in sample with exact fields, and the whole shared copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ingest import ArticleRemoved, IngestError, iter_corpus_files, parse_file
from bot.models import Article, Link, Provider

SAMPLE = Path(__file__).resolve().parent / "data" / "corpus_sample"
SHARED_CORPUS = (
    Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "smartable-powerapps"
)

REMOVED = (
    "_learning/videos/powerapps911-scheduled-flow-and-sharepoint-odata-query-using-recurrence"
    "-to-check-for-overdue-approvals.md"
)
# Its one formula ({Value: ..., Description: ...}) is code shown to readers, not CSS.
FORMULA_SAMPLE = "_samples/power-apps-community-drivers-license-pdf417-barcode-data-extraction.md"
CSS_NOISE = re.compile(r"!important|@media|font-family|mso-|\{[^{}]*;[^{}]*\}|\{[\w-]+\}")


@pytest.fixture(scope="module")
def sample() -> dict[str, Article]:
    parsed = {}
    for path in iter_corpus_files(SAMPLE):
        try:
            article = parse_file(path, SAMPLE)
        except ArticleRemoved:
            continue
        parsed[article.source] = article
    return parsed


def test_sample_has_every_shape_of_the_corpus(sample: dict[str, Article]) -> None:
    folders = {source.rsplit("/", 1)[0] for source in sample}
    assert folders == {
        "_communities",
        "_learning/collections",
        "_learning/courses",
        "_learning/videos",
        "_news",
        "_newsletters",
        "_people",
        "_samples",
    }
    assert {article.type for article in sample.values()} == {
        "forum",
        "collection",
        "course",
        "video",
        "article",
        "profile",
        "download",
    }
    assert all(article.shape == "frontmatter" for article in sample.values())


def test_removed_file_raises_article_removed() -> None:
    with pytest.raises(ArticleRemoved) as caught:
        parse_file(SAMPLE / REMOVED, SAMPLE)
    assert caught.value.reason == "removed: true in frontmatter"
    assert caught.value.source == REMOVED
    assert str(caught.value) == f"{REMOVED}: removed: true in frontmatter"


def test_news_article(sample: dict[str, Article]) -> None:
    article = sample["_news/2020-12-21-rf-power-meter-targets-low-power-apps.md"]
    assert article.title == "RF Power Meter Targets Low Power Apps"
    assert article.published == "2020-12-21T00:01:00Z"
    assert article.url == (
        "https://www.electronicdesign.com/technologies/test-measurement/article/21783618/"
        "rf-power-meter-targets-low-power-apps"
    )
    assert article.provider == Provider("Electronic Design", "electronicdesign.com")
    assert (article.type, article.quality, article.heat) == ("article", 17, 17)
    assert article.image is None
    assert article.summary.startswith("Designed with ease-of-use and mobility in mind")
    assert article.summary.endswith("with power inputs up to ...")


def test_news_video_excerpt_whitespace_is_folded(sample: dict[str, Article]) -> None:
    article = sample["_news/2019-10-29-ai-builder-2019-release-wave-2-overview.md"]
    assert article.title == "AI Builder | 2019 release wave 2 overview"
    assert article.type == "video"
    assert article.url == "https://youtube.com/watch?v=MGtomFKVDys"
    assert article.topics == ("Power Apps", "AI Builder")
    assert article.image == "https://i.ytimg.com/vi/MGtomFKVDys/maxresdefault.jpg"
    assert "confidence. Here are the capabilities covered: • Building AI models" in article.summary


def test_placeholder_excerpt_is_not_a_summary(sample: dict[str, Article]) -> None:
    article = sample["_news/2021-03-25-key-alm-updates.md"]
    assert article.title == "Key ALM updates"
    assert article.excerpt is None
    assert article.summary == ""
    assert article.image == (
        "https://powerapps.microsoft.com/images/shared/social/social-share-post-ignite.png"
    )


def test_video_drops_featured_embed(sample: dict[str, Article]) -> None:
    article = sample["_learning/videos/april-dunnam-powerapps-rounded-image.md"]
    assert article.title == "PowerApps Rounded Image"
    assert article.published == "2020-05-18T14:37:18Z"
    assert article.url == "https://youtube.com/watch?v=Mb0g6C0530c"
    assert article.provider == Provider("April Dunnam", "aprildunnam.com")
    assert (
        article.summary
        == "Learn how to take a square image and make it rounded in a PowerApps Gallery"
    )
    assert "iframe" not in repr(article) and "embed" not in repr(article)


def test_course_with_only_web_url(sample: dict[str, Article]) -> None:
    article = sample["_learning/courses/microsoft-learn-powerapps-manage.md"]
    assert article.title == "Manage apps in Power Apps"
    assert article.url == "https://docs.microsoft.com/en-us/learn/modules/manage-apps-in-powerapps/"
    assert article.provider == Provider("Microsoft Learn", "microsoft.com")
    assert article.type == "course"
    assert article.image is None  # the only image is the provider's relative logo
    assert article.summary == "Manage app versions, app sharing, and environments in Power Apps."


def test_collections_without_url_or_excerpt(sample: dict[str, Article]) -> None:
    path = (
        "_learning/collections/microsoft-learn-create-a-model-driven-application-in-power-apps.md"
    )
    article = sample[path]
    assert article.title == "Create a model-driven application in Power Apps"
    assert article.url is None
    assert article.summary.startswith("This learning path introduces you to creating")
    empty = sample[
        "_learning/collections/april-dunnam-intermediate-power-apps-topics-by-april-dunnam.md"
    ]
    assert empty.title == "Intermediate Power Apps Topics by April Dunnam"
    assert (empty.excerpt, empty.summary, empty.body) == (None, "", "")
    assert empty.image == "https://i.ytimg.com/vi/N8AsxE__Mw8/maxresdefault.jpg"


def test_sample_with_double_escaped_excerpt_actions_and_html_body(
    sample: dict[str, Article],
) -> None:
    article = sample["_samples/power-apps-community-icebreakers.md"]
    assert article.title == "Icebreakers"
    assert article.excerpt == (
        'The "Handshake problem" is a classic math problem: "How many handshakes would take '
        "place if everyone in a room were to shake hands"
    )
    assert article.authors == ("Mr-Dang-MSFT",)
    assert article.provider == Provider("Power Apps Community", "microsoft.com")
    assert article.links == (
        Link(
            "Download Source Code",
            "https://powerusers.microsoft.com/jgvjg48436/attachments/jgvjg48436/"
            "AppFeedbackGallery/61/2/Icebreakers%20(91).msapp",
        ),
    )
    assert article.image == (
        "https://powerusers.microsoft.com//jgvjg48436/attachments/jgvjg48436/"
        "AppFeedbackGallery/61/1/Screenshot%20(7).png"
    )
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith('The "Handshake problem" is a classic math problem')
    assert "Learn more: https://www.youtube.com/watch?v=6Dj8zHfQ5QQ" in paragraphs
    assert len(paragraphs) == 7  # the image-only and &nbsp; paragraphs are gone
    for noise in ("handshake.png", "slightly_smiling_face", "&", "<", "lia-"):
        assert noise not in article.body


def test_sample_with_relative_provider_logo_and_nbsp_body(sample: dict[str, Article]) -> None:
    article = sample["_samples/power-apps-community-25-days-of-flows-the-app-behind-the-series.md"]
    assert article.title == "25 Days of Flows - The App behind the series."
    assert article.authors == ("audrieg",)
    assert article.body == (
        "Sharing the app with you behind the 25 days of flows series. It still works for "
        "cataloging and finding the downloadable flows.\n\nwatch?v=oWfYZg25qLs"
    )
    assert [link.label for link in article.links] == ["Download Source Code"]
    assert "/assets/images" not in repr(article)
    only_nbsp = sample["_samples/power-apps-community-barcode-app-test.md"]
    assert only_nbsp.body == ""
    assert only_nbsp.summary == "Barcode App Test"


def test_sample_keeps_text_layout_of_code_listings(sample: dict[str, Article]) -> None:
    article = sample["_samples/power-apps-community-google-material-design-text-input-component.md"]
    assert article.title == "Google Material Design - Text Input Component"
    assert article.authors == ("PowerAddict",)
    assert "Google Design Standards:\nHeight = 90\nWidth = 560" in article.body
    assert "-----" not in article.body


def test_profile_uses_name_bio_and_affiliation(sample: dict[str, Article]) -> None:
    article = sample["_people/april-dunnam.md"]
    assert article.title == "April Dunnam"
    assert article.type == "profile"
    assert article.excerpt is not None
    assert article.excerpt.startswith("Partner Technical Architect @Microsoft | Blogger-Speaker")
    assert article.summary == article.excerpt
    assert article.provider == Provider("Microsoft", "microsoft.com")
    assert article.url == "https://twitter.com/aprildunnam"
    assert article.links == (
        Link("Twitter", "https://twitter.com/aprildunnam"),
        Link("LinkedIn", "https://www.linkedin.com/public-profile/in/april-dunnam"),
        Link("Website", "https://t.co/enJuiGEQZc"),
    )
    assert article.image == (
        "https://pbs.twimg.com/profile_images/1326986540329918465/W_IJ6Ih2_400x400.jpg"
    )
    no_affiliation = sample["_people/shane-young.md"]
    assert no_affiliation.title == "Shane Young"
    assert no_affiliation.provider is None
    assert no_affiliation.url == "https://twitter.com/ShanesCows"


def test_community_uses_name(sample: dict[str, Article]) -> None:
    article = sample["_communities/microsoft-power-apps-community.md"]
    assert article.title == "Microsoft Power Apps Community"
    assert article.type == "forum"
    assert article.url == "https://powerusers.microsoft.com/t5/Power-Apps-Community/ct-p/PowerApps1"
    assert article.summary == "Connect with peers, share ideas, and learn from experts"
    assert article.heat == 244


def test_newsletter_body_is_visible_text_in_paragraphs(sample: dict[str, Article]) -> None:
    article = sample["_newsletters/power-apps-smartable-2020-12-23.html"]
    assert article.title == "Power Apps Smartable (2020-12-23)"
    assert article.published == "2020-12-23T18:50:55Z"
    assert article.url == (
        "https://smartable.ai/apps/powerapps/newsletter/power-apps-smartable-2020-12-23/"
    )
    assert article.summary.startswith("GitHub connector features for Power Platform / ")
    paragraphs = article.body.split("\n\n")
    assert paragraphs[:4] == [
        "Part of Smartable Network",
        "2020-12-23",
        "Power Apps Smartable",
        "News of the week",
    ]
    # A story's bold title is its own paragraph, followed by its text.
    at = paragraphs.index("Power Platform Stories")
    assert paragraphs[at + 1].startswith("As we wrap up the year, we’d like to share")
    assert "Copyright (c) 2020 Smartable AI, All rights reserved." in article.body
    assert not CSS_NOISE.search(article.body)
    for noise in ("<", "&amp;", "&#", "{", "}", "mso", "margin", "Open Sans", "Smartable (2020"):
        assert noise not in article.body


def test_every_sample_url_is_absolute(sample: dict[str, Article]) -> None:
    for article in sample.values():
        for url in urls_of(article):
            assert url.startswith(("https://", "http://")), (article.source, url)


def urls_of(article: Article) -> list[str]:
    found = [article.url, article.image, *(r.url for r in article.related)]
    found += [link.url for link in article.links]
    return [url for url in found if url is not None]


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason=f"shared corpus not at {SHARED_CORPUS}")
def test_whole_shared_corpus_parses_cleanly() -> None:
    articles: list[Article] = []
    removed: list[str] = []
    failed: list[str] = []
    for path in iter_corpus_files(SHARED_CORPUS):
        try:
            articles.append(parse_file(path, SHARED_CORPUS))
        except ArticleRemoved as exc:
            removed.append(exc.source)
        except IngestError as exc:
            failed.append(str(exc))
    assert failed == []
    assert len(articles) == 786
    assert len(removed) == 3
    assert len({article.id for article in articles}) == 786
    for article in articles:
        assert article.title.strip(), article.source
        assert article.shape == "frontmatter"
        for noise in ("secured", "<", "&amp;", "&nbsp;", "&#", "\xa0"):
            assert noise not in article.body, (article.source, noise)
        assert not CSS_NOISE.search(article.body), article.source
        if article.source != FORMULA_SAMPLE:
            assert "{" not in article.body, article.source
        for url in urls_of(article):
            assert re.match(r"https?://[^/\s]+\.[^/\s]+", url), (article.source, url)
        assert "&amp;" not in article.summary and "<" not in article.title


def test_collection_lists_the_items_it_holds(sample: dict[str, Article]) -> None:
    collection = sample[
        "_learning/collections/april-dunnam-intermediate-power-apps-topics-by-april-dunnam.md"
    ]

    assert collection.contents[:2] == (
        "videos/april-dunnam-power-app-mutli-screen-form-controls",
        "videos/april-dunnam-power-apps-timer-value-to-hours-minutes-seconds",
    )
    assert "videos/april-dunnam-powerapps-deep-linking" in collection.contents
