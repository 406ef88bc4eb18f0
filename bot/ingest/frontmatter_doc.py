"""YAML frontmatter + markdown/HTML body (the smartable corpus and the news seeds)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import frontmatter
import yaml

from bot.ingest.build import build_article
from bot.ingest.dates import iso_date
from bot.ingest.errors import ArticleRemoved, IngestError
from bot.ingest.html_text import inline_text, to_text
from bot.ingest.urls import absolute_url, site_base
from bot.models import Article, Link, Provider, RelatedLink

SHAPE = "frontmatter"
_OPENING = re.compile(r"\A\s*?^---[ \t]*$", re.MULTILINE)
# Excerpts some sources ship before anyone wrote one; not a summary of anything.
_PLACEHOLDER_EXCERPTS = frozenset({"placeholder", "tbd", "todo", "lorem ipsum", "n/a", "none"})
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_INTEGER_TEXT = re.compile(r"-?[0-9]+")
_INT64_LIMIT = 2**63  # SQLite INTEGER is 64-bit signed
_PROFILE_LINKS = (("twitter", "Twitter"), ("linkedin", "LinkedIn"), ("website", "Website"))


class _FastYAML(frontmatter.YAMLHandler):
    """python-frontmatter's splitting with libyaml's C loader (several times faster)."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=yaml.CSafeLoader)


_HANDLER = _FastYAML()


def starts_with_frontmatter(text: str) -> bool:
    return _OPENING.match(text) is not None


def parse(text: str, source: str) -> Article:
    meta, body, fm = _split(text, source)
    if _truthy(meta.get("removed")):
        raise ArticleRemoved(source, "removed: true in frontmatter")
    title = _title(meta, fm)
    if not title:
        raise IngestError(source, "no title (frontmatter has no title or name)")
    provider_meta = _mapping(meta.get("provider")) or _mapping(meta.get("affiliation"))
    provider = _provider(provider_meta)
    domain = provider.domain if provider else None
    base = site_base(meta.get("originalUrl"), meta.get("webUrl"), domain)
    profile_links = _profile_links(meta)
    url = absolute_url(meta.get("originalUrl"), base) or absolute_url(meta.get("webUrl"), base)
    if url is None and profile_links:
        url = profile_links[0].url  # a person's own page is the best link a profile has
    return build_article(
        source,
        SHAPE,
        title=title,
        body=to_text(body),
        excerpt=_excerpt(meta),
        published=iso_date(meta.get("publishedDateTime") or meta.get("date")),
        authors=_authors(provider_meta.get("authors")),
        provider=provider,
        url=url,
        image=_first_image(meta.get("images"), base),
        type=inline_text(meta.get("type")) or None,
        topics=_topics(meta.get("topics")),
        related=tuple(_related(meta.get("related"))),
        links=(*_action_links(meta.get("actions"), base), *profile_links),
        contents=_contents(meta.get("items")),
        quality=_integer(meta.get("quality")),
        heat=_integer(meta.get("heat")),
    )


def _split(text: str, source: str) -> tuple[dict[str, Any], str, str]:
    """The frontmatter as a mapping, the body, and the frontmatter's YAML text."""
    stripped = text.lstrip()
    try:
        fm, body = _HANDLER.split(stripped)
    except ValueError as exc:
        raise IngestError(source, "unterminated frontmatter: no closing ---") from exc
    try:
        meta = _HANDLER.load(fm)
    except yaml.YAMLError as exc:
        # Report the file's line number, not the YAML block's.
        first_line = text[: len(text) - len(stripped) + stripped.find(fm)].count("\n")
        problem = _yaml_problem(exc, first_line)
        raise IngestError(source, f"broken YAML frontmatter: {problem}") from exc
    # Well-formed YAML whose value cannot be built, e.g. a date in month 13.
    except (ValueError, TypeError) as exc:
        raise IngestError(source, f"broken YAML frontmatter: {exc}") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise IngestError(source, f"frontmatter is not a mapping (got {_yaml_kind(meta)})")
    return meta, body, fm


def _title(meta: dict[str, Any], fm: str) -> str:
    """The title (or a profile's name) as written: `title: 1984`, `title: 2020-01-01` or
    `title: yes` are text, not a number, a date or a truth value."""
    for key in ("title", "name"):
        value = meta.get(key)
        if value is not None and not isinstance(value, str | list | dict):
            value = _scalar_texts(fm).get(key, value)
        text = inline_text(value)
        if text:
            return text
    return ""


def _scalar_texts(fm: str) -> dict[str, str]:
    """The top-level scalars of a YAML mapping as the text they were written as."""
    node = yaml.compose(fm, Loader=yaml.CSafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        key.value: value.value
        for key, value in node.value
        if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode)
    }


def _yaml_problem(exc: yaml.YAMLError, first_line: int) -> str:
    """ "mapping values are not allowed here, line 4": libyaml's words, the file's line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return problem
    return f"{problem}, line {first_line + mark.line + 1}"


def _yaml_kind(value: object) -> str:
    return {list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in {"true", "yes"})


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _listed(value: object) -> list[Any]:
    """A YAML list, or a lone value treated as a list of one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _excerpt(meta: dict[str, Any]) -> str | None:
    excerpt = inline_text(meta.get("excerpt")) or inline_text(meta.get("bio"))
    if excerpt.rstrip(".…! ").lower() in _PLACEHOLDER_EXCERPTS:
        return None
    return excerpt or None


def _provider(meta: dict[str, Any]) -> Provider | None:
    name = inline_text(meta.get("name"))
    if not name:
        return None
    domain = inline_text(meta.get("domain")).lower() or None
    return Provider(name, domain)


def _authors(value: object) -> tuple[str, ...]:
    names = (inline_text(a.get("name") if isinstance(a, dict) else a) for a in _listed(value))
    return tuple(dict.fromkeys(name for name in names if name))


def _topics(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    topics = (inline_text(topic) for topic in _listed(value))
    return tuple(dict.fromkeys(topic for topic in topics if topic))


def _first_image(value: object, base: str | None) -> str | None:
    for image in _listed(value):
        url = absolute_url(image.get("url") if isinstance(image, dict) else image, base)
        if url:
            return url
    return None


def _related(value: object) -> Iterator[RelatedLink]:
    for entry in _listed(value):
        if not isinstance(entry, dict):
            continue
        title = inline_text(entry.get("title")) or inline_text(entry.get("name"))
        if not title:
            continue
        provider = _mapping(entry.get("provider"))
        base = site_base(entry.get("webUrl"), entry.get("originalUrl"), provider.get("domain"))
        yield RelatedLink(
            title=title,
            url=absolute_url(entry.get("webUrl"), base)
            or absolute_url(entry.get("originalUrl"), base),
            excerpt=inline_text(entry.get("excerpt")) or None,
            provider=inline_text(provider.get("name")) or None,
            published=iso_date(entry.get("publishedDateTime")),
        )


def _contents(value: object) -> tuple[str, ...]:
    items = (inline_text(item) for item in _listed(value) if isinstance(item, str))
    return tuple(dict.fromkeys(item for item in items if item))


def _action_links(value: object, base: str | None) -> tuple[Link, ...]:
    links = []
    for action in _listed(value):
        if not isinstance(action, dict):
            continue
        url = absolute_url(action.get("url"), base)
        if url:
            label = inline_text(action.get("title")) or inline_text(action.get("type")) or "Link"
            links.append(Link(label, url))
    return tuple(links)


def _profile_links(meta: dict[str, Any]) -> tuple[Link, ...]:
    links = []
    for key, label in _PROFILE_LINKS:
        value = meta.get(key)
        url = absolute_url(value.get("url") if isinstance(value, dict) else value)
        if url:
            links.append(Link(label, url))
    return tuple(links)


def _integer(value: object) -> int | None:
    """A score as an integer SQLite can store; anything else (text, "²", 10**20) is absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and -_INT64_LIMIT <= value < _INT64_LIMIT:
        return value
    return None
