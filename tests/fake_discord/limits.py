"""Discord's size limits, and the errors Discord answers a body that breaks them with.

Written down from Discord's documentation, never imported from the bot: a wrong constant in
`bot/render.py` must make the fake refuse the message, as real Discord would, instead of moving
the check along with it.

- Embeds: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
- Content, embeds per message: https://discord.com/developers/docs/resources/message#create-message
- Components: https://discord.com/developers/docs/components/reference
- Autocomplete: https://discord.com/developers/docs/interactions/receiving-and-responding
  (the autocomplete callback's `choices`, and the application command option choice structure)

`message_errors(body)` returns Discord's nested error tree for a message body (create, edit,
followup, or an interaction callback's `data`): `{"embeds": {"0": {"title": {"_errors":
[{"code": ..., "message": ...}]}}}}`, empty when Discord would accept it. The REST handlers wrap
it as `{"code": 50035, "message": "Invalid Form Body", "errors": ...}` with status 400.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

Json = dict[str, Any]

EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER_TEXT = 2048
EMBED_AUTHOR_NAME = 256
EMBED_TOTAL = 6000  # title, description, field names and values, footer text, author name
EMBEDS_PER_MESSAGE = 10
CONTENT = 2000
ACTION_ROWS = 5
ROW_BUTTONS = 5
BUTTON_LABEL = 80
BUTTON_URL = 512
CUSTOM_ID = 100
SELECT_OPTIONS = 25
SELECT_OPTION_LABEL = 100
SELECT_OPTION_VALUE = 100
SELECT_OPTION_DESCRIPTION = 100
SELECT_PLACEHOLDER = 150
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100

INVALID_FORM_BODY = 50035

ACTION_ROW, BUTTON, STRING_SELECT = 1, 2, 3
SELECTS = frozenset({3, 5, 6, 7, 8})
LINK_STYLE = 5

Path = tuple[str, ...]


class _Errors:
    """Discord's error tree: each failing key nests a dict; the leaf holds `_errors`."""

    def __init__(self) -> None:
        self.tree: Json = {}

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: Path, value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: Path, value: Any) -> bool:
        """False (and an error) when a required string is missing or empty."""
        if value is None or value == "":
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return False
        return True

    def http_url(self, path: Path, url: Any) -> None:
        if url is None:
            return
        parts = urlsplit(url) if isinstance(url, str) else None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.netloc
            or any(c.isspace() for c in url)
        ):
            self.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def message_errors(body: Mapping[str, Any]) -> Json:
    """What Discord would say about a message body; {} when it fits. Edits are partial, so a
    key that is absent is not checked."""
    errors = _Errors()
    errors.too_long(("content",), body.get("content"), CONTENT)
    embeds = body.get("embeds") or []
    errors.too_long(("embeds",), embeds, EMBEDS_PER_MESSAGE)
    for i, embed in enumerate(embeds):
        _embed_errors(errors, ("embeds", str(i)), embed)
    total = sum(embed_characters(e) for e in embeds)
    if total > EMBED_TOTAL:
        message = f"Embed size exceeds maximum size of {EMBED_TOTAL}"
        errors.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", message)
    rows = body.get("components") or []
    errors.too_long(("components",), rows, ACTION_ROWS)
    for i, row in enumerate(rows):
        _row_errors(errors, ("components", str(i)), row)
    return errors.tree


def choices_errors(data: Mapping[str, Any]) -> Json:
    """What Discord would say about an autocomplete callback's data; {} when it fits."""
    errors = _Errors()
    choices = data.get("choices") or []
    errors.too_long(("choices",), choices, CHOICES)
    for i, choice in enumerate(choices):
        path = ("choices", str(i))
        if errors.required((*path, "name"), choice.get("name")):
            errors.too_long((*path, "name"), choice["name"], CHOICE_NAME)
        value = choice.get("value")
        if isinstance(value, str):
            errors.too_long((*path, "value"), value, CHOICE_VALUE)
    return errors.tree


def embed_characters(embed: Mapping[str, Any]) -> int:
    """The characters of one embed that count toward the message's total."""
    fields = embed.get("fields") or []
    parts = [
        embed.get("title"),
        embed.get("description"),
        (embed.get("footer") or {}).get("text"),
        (embed.get("author") or {}).get("name"),
        *(f.get("name") for f in fields),
        *(f.get("value") for f in fields),
    ]
    return sum(len(p) for p in parts if p)


def _embed_errors(errors: _Errors, path: Path, embed: Mapping[str, Any]) -> None:
    errors.too_long((*path, "title"), embed.get("title"), EMBED_TITLE)
    errors.too_long((*path, "description"), embed.get("description"), EMBED_DESCRIPTION)
    footer = (embed.get("footer") or {}).get("text")
    errors.too_long((*path, "footer", "text"), footer, EMBED_FOOTER_TEXT)
    author = (embed.get("author") or {}).get("name")
    errors.too_long((*path, "author", "name"), author, EMBED_AUTHOR_NAME)
    errors.http_url((*path, "url"), embed.get("url"))
    for key in ("image", "thumbnail"):
        errors.http_url((*path, key, "url"), (embed.get(key) or {}).get("url"))
    fields: Sequence[Mapping[str, Any]] = embed.get("fields") or []
    errors.too_long((*path, "fields"), fields, EMBED_FIELDS)
    for i, field in enumerate(fields):
        where = (*path, "fields", str(i))
        if errors.required((*where, "name"), field.get("name")):
            errors.too_long((*where, "name"), field["name"], EMBED_FIELD_NAME)
        if errors.required((*where, "value"), field.get("value")):
            errors.too_long((*where, "value"), field["value"], EMBED_FIELD_VALUE)


def _row_errors(errors: _Errors, path: Path, row: Mapping[str, Any]) -> None:
    if row.get("type") != ACTION_ROW:
        errors.add((*path, "type"), "BASE_TYPE_CHOICES", f"Value must be one of {{{ACTION_ROW}}}.")
        return
    children: Sequence[Mapping[str, Any]] = row.get("components") or []
    if not children:
        errors.add((*path, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
    selects = [c for c in children if c.get("type") in SELECTS]
    width = 5 * len(selects) + len(children) - len(selects)
    if width > ROW_BUTTONS:
        message = "The specified component exceeds the maximum width"
        errors.add((*path, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", message)
    for i, child in enumerate(children):
        _component_errors(errors, (*path, "components", str(i)), child)


def _component_errors(errors: _Errors, path: Path, component: Mapping[str, Any]) -> None:
    kind = component.get("type")
    errors.too_long((*path, "custom_id"), component.get("custom_id"), CUSTOM_ID)
    if kind == BUTTON:
        errors.too_long((*path, "label"), component.get("label"), BUTTON_LABEL)
        if component.get("style") == LINK_STYLE:
            url = component.get("url")
            if errors.required((*path, "url"), url):
                errors.too_long((*path, "url"), url, BUTTON_URL)
                errors.http_url((*path, "url"), url)
        else:
            errors.required((*path, "custom_id"), component.get("custom_id"))
    elif kind in SELECTS:
        errors.required((*path, "custom_id"), component.get("custom_id"))
        errors.too_long((*path, "placeholder"), component.get("placeholder"), SELECT_PLACEHOLDER)
        if kind == STRING_SELECT:
            _options_errors(errors, (*path, "options"), component.get("options") or [])


def _options_errors(errors: _Errors, path: Path, options: Sequence[Mapping[str, Any]]) -> None:
    if not options:
        errors.add(path, "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
    errors.too_long(path, options, SELECT_OPTIONS)
    for i, option in enumerate(options):
        where = (*path, str(i))
        if errors.required((*where, "label"), option.get("label")):
            errors.too_long((*where, "label"), option["label"], SELECT_OPTION_LABEL)
        if errors.required((*where, "value"), option.get("value")):
            errors.too_long((*where, "value"), option["value"], SELECT_OPTION_VALUE)
        description = option.get("description")
        errors.too_long((*where, "description"), description, SELECT_OPTION_DESCRIPTION)
