"""Files that cannot become an article fail with a reason a person can act on; odd but
readable values are coerced or ignored, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.ingest import (
    MAX_FILE_BYTES,
    ArticleRemoved,
    IngestError,
    iter_corpus_files,
    parse_bytes,
    parse_file,
    parse_text,
)
from bot.models import Provider


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def reason_for(tmp_path: Path, data: bytes | str, name: str = "doc.md") -> str:
    path = write(tmp_path, name, data)
    with pytest.raises(IngestError) as caught:
        parse_file(path, tmp_path)
    assert caught.value.source == name
    assert str(caught.value) == f"{name}: {caught.value.reason}"
    return caught.value.reason


def test_empty_file(tmp_path: Path) -> None:
    assert reason_for(tmp_path, b"") == "empty file"


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    assert reason_for(tmp_path, b" \n\t\n") == "empty file"


def test_binary_file(tmp_path: Path) -> None:
    assert reason_for(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == "binary file (NUL bytes)"


def test_file_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.md", b"")
    with path.open("wb") as handle:  # sparse: the size is there, the bytes never are
        handle.truncate(int(6.1e6))
    with pytest.raises(IngestError) as caught:
        parse_file(path, tmp_path)
    assert caught.value.reason == "file too large: 6.1 MB > 5 MB"
    assert os.path.getsize(path) > MAX_FILE_BYTES


def test_bytes_too_large(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"file too large: 5\.2 MB > 5 MB"):
        parse_bytes(b"a" * (MAX_FILE_BYTES + 1), "big.txt")


def test_not_utf8(tmp_path: Path) -> None:
    assert reason_for(tmp_path, b"Hello world\xff and more") == (
        "not UTF-8: invalid byte 0xff at offset 11"
    )


def test_latin1_text_is_not_utf8(tmp_path: Path) -> None:
    data = "---\ntitle: Café\n---\n".encode("latin-1")
    assert reason_for(tmp_path, data) == "not UTF-8: invalid byte 0xe9 at offset 14"


def test_utf16_text(tmp_path: Path) -> None:
    data = "---\ntitle: x\n---\n".encode("utf-16")
    assert reason_for(tmp_path, data) == "not UTF-8: UTF-16 text (byte-order mark)"


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.md", b"\xef\xbb\xbf---\ntitle: With a BOM\n---\nBody text.\n")
    article = parse_file(path, tmp_path)
    assert article.shape == "frontmatter"
    assert article.title == "With a BOM"
    assert article.body == "Body text."


def test_bom_plain_text(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", "\ufeffA title\n\nSome text here.\n")
    article = parse_file(path, tmp_path)
    assert (article.shape, article.title, article.body) == (
        "plaintext",
        "A title",
        "Some text here.",
    )


def test_broken_yaml_names_the_problem_and_file_line(tmp_path: Path) -> None:
    text = "---\ntitle: ok\nexcerpt: [unclosed\ntype: x\n---\nbody\n"
    assert reason_for(tmp_path, text) == (
        "broken YAML frontmatter: did not find expected ',' or ']', line 4"
    )


def test_broken_yaml_bad_indentation(tmp_path: Path) -> None:
    text = '---\ntitle: "a"\n  bad: indent: here\n---\n'
    assert (
        reason_for(tmp_path, text) == "broken YAML frontmatter: did not find expected key, line 3"
    )


def test_broken_yaml_impossible_date(tmp_path: Path) -> None:
    text = "---\ntitle: x\npublishedDateTime: 2020-13-45\n---\n"
    assert reason_for(tmp_path, text) == "broken YAML frontmatter: month must be in 1..12"


def test_yaml_python_tags_are_refused(tmp_path: Path) -> None:
    text = "---\ntitle: !!python/object/apply:os.system ['true']\n---\n"
    assert reason_for(tmp_path, text).startswith(
        "broken YAML frontmatter: could not determine a constructor"
    )


def test_unterminated_frontmatter(tmp_path: Path) -> None:
    text = "---\ntitle: Never closed\nexcerpt: x\n\nBody\n"
    assert reason_for(tmp_path, text) == "unterminated frontmatter: no closing ---"


def test_frontmatter_that_is_a_list(tmp_path: Path) -> None:
    assert reason_for(tmp_path, "---\n- a\n- b\n---\nbody\n") == (
        "frontmatter is not a mapping (got a list)"
    )


def test_frontmatter_that_is_text(tmp_path: Path) -> None:
    assert reason_for(tmp_path, "---\njust words\n---\nbody\n") == (
        "frontmatter is not a mapping (got text)"
    )


def test_frontmatter_without_title(tmp_path: Path) -> None:
    assert reason_for(tmp_path, "---\nexcerpt: hello\n---\nbody\n") == (
        "no title (frontmatter has no title or name)"
    )


def test_empty_frontmatter_has_no_title(tmp_path: Path) -> None:
    assert reason_for(tmp_path, "---\n---\nJust a body.\n") == (
        "no title (frontmatter has no title or name)"
    )


def test_title_made_of_markup_only(tmp_path: Path) -> None:
    assert reason_for(tmp_path, '---\ntitle: "<img src=x>"\n---\n').startswith("no title")


def test_plain_text_of_punctuation_only_has_no_title(tmp_path: Path) -> None:
    assert reason_for(tmp_path, "---- \n\n***\n", name="rule.txt") == "no title"


def test_removed_true(tmp_path: Path) -> None:
    path = write(tmp_path, "gone.md", "---\ntitle: Old\nremoved: true\n---\n")
    with pytest.raises(ArticleRemoved) as caught:
        parse_file(path, tmp_path)
    assert caught.value.reason == "removed: true in frontmatter"
    assert isinstance(caught.value, IngestError)


def test_removed_false_and_unpublished_still_load() -> None:
    article = parse_text("---\ntitle: Kept\nremoved: false\npublished: false\n---\n", "k.md")
    assert article.title == "Kept"


def test_odd_value_types_are_coerced_or_ignored() -> None:
    text = """---
title: 42
excerpt: [not, a, string]
publishedDateTime: "not a date"
topics: AI, Machine Learning
related: "not a list"
images:
  - width: 10
  - url: 7
  - url: /assets/images/x.jpg
provider: "just a name"
actions: {url: "https://example.org/download.zip", title: Download}
quality: "12"
heat: high
type: [video]
---
"""
    article = parse_text(text, "odd.md")
    assert article.title == "42"
    assert article.excerpt is None
    assert article.published is None
    assert article.topics == ("AI", "Machine Learning")
    assert article.related == ()
    assert article.provider is None
    assert article.image is None  # relative, and nothing to resolve it against
    assert [link.url for link in article.links] == ["https://example.org/download.zip"]
    assert (article.quality, article.heat, article.type) == (12, None, None)


def test_relative_image_resolved_against_the_provider_domain() -> None:
    text = """---
title: Relative
provider: {name: Example, domain: www.example.org}
images:
  - url: /assets/images/x.jpg
related:
  - title: Elsewhere
    webUrl: /news/elsewhere
    provider: {name: Other, domain: other.net}
  - title: Nowhere
    webUrl: /news/nowhere
  - excerpt: no title, skipped
---
"""
    article = parse_text(text, "rel.md")
    assert article.provider == Provider("Example", "www.example.org")
    assert article.image == "https://www.example.org/assets/images/x.jpg"
    assert [(r.title, r.url) for r in article.related] == [
        ("Elsewhere", "https://other.net/news/elsewhere"),
        ("Nowhere", None),
    ]


def test_relative_urls_resolved_against_the_article_origin() -> None:
    text = """---
title: Origin
webUrl: "https://blog.example.com/posts/1"
images:
  - url: "//cdn.example.com/a.png"
actions:
  - url: files/app.msapp
    title: Get it
  - url: "javascript:alert(1)"
---
"""
    article = parse_text(text, "origin.md")
    assert article.image == "https://cdn.example.com/a.png"
    assert [link.url for link in article.links] == ["https://blog.example.com/files/app.msapp"]


def test_hidden_files_and_folders_are_not_corpus_files(tmp_path: Path) -> None:
    for name in ("b.md", "a/c.txt", ".DS_Store", ".git/config", "a/.hidden.md", "z/.cache/x.md"):
        write(tmp_path, name, "x")
    found = [path.relative_to(tmp_path).as_posix() for path in iter_corpus_files(tmp_path)]
    assert found == ["a/c.txt", "b.md"]


def test_crlf_line_endings() -> None:
    article = parse_text("---\r\ntitle: Windows\r\n---\r\nLine one\r\n\r\nLine two\r\n", "w.md")
    assert (article.title, article.body) == ("Windows", "Line one\n\nLine two")
