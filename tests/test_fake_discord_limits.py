"""The fake's own copy of Discord's limits: each one accepts a body at the limit and refuses it
one past, at the field Discord would name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fake_discord.limits import choices_errors, message_errors

Json = dict[str, Any]


def embed(**fields: Any) -> Json:
    return {"embeds": [{"title": "t", **fields}]}


def button(n: int, **fields: Any) -> Json:
    return {"type": 2, "style": 1, "custom_id": f"b{n}", "label": "ok", **fields}


def option(n: int, **fields: Any) -> Json:
    return {"label": f"o{n}", "value": f"v{n}", **fields}


def select(options: list[Json]) -> Json:
    return {
        "components": [
            {"type": 1, "components": [{"type": 3, "custom_id": "s", "options": options}]}
        ]
    }


def row(*children: Json) -> Json:
    return {"type": 1, "components": list(children)}


def field(n: int = 0, **fields: Any) -> Json:
    return {"name": f"f{n}", "value": "v", **fields}


def choices(n: int, **fields: Any) -> Json:
    return {"choices": [{"name": f"c{i}", "value": f"v{i}", **fields} for i in range(n)]}


# (what, body for a given size, the limit, the error path Discord names)
MESSAGE_LIMITS: list[tuple[str, Callable[[int], Json], int, tuple[str, ...]]] = [
    ("content", lambda n: {"content": "x" * n}, 2000, ("content",)),
    ("embed title", lambda n: embed(title="x" * n), 256, ("embeds", "0", "title")),
    ("description", lambda n: embed(description="x" * n), 4096, ("embeds", "0", "description")),
    ("fields", lambda n: embed(fields=[field(i) for i in range(n)]), 25, ("embeds", "0", "fields")),
    (
        "field name",
        lambda n: embed(fields=[field(name="x" * n)]),
        256,
        ("embeds", "0", "fields", "0", "name"),
    ),
    (
        "field value",
        lambda n: embed(fields=[field(value="x" * n)]),
        1024,
        ("embeds", "0", "fields", "0", "value"),
    ),
    ("footer", lambda n: embed(footer={"text": "x" * n}), 2048, ("embeds", "0", "footer", "text")),
    ("author", lambda n: embed(author={"name": "x" * n}), 256, ("embeds", "0", "author", "name")),
    ("embeds", lambda n: {"embeds": [{"title": "t"}] * n}, 10, ("embeds",)),
    (
        "6,000 in all",
        lambda n: {"embeds": [{"description": "x" * 4000}, {"description": "x" * (n - 4000)}]},
        6000,
        ("embeds",),
    ),
    (
        "action rows",
        lambda n: {"components": [row(button(i)) for i in range(n)]},
        5,
        ("components",),
    ),
    (
        "buttons in a row",
        lambda n: {"components": [row(*(button(i) for i in range(n)))]},
        5,
        ("components", "0", "components"),
    ),
    (
        "button label",
        lambda n: {"components": [row(button(0, label="x" * n))]},
        80,
        ("components", "0", "components", "0", "label"),
    ),
    (
        "custom id",
        lambda n: {"components": [row(button(0, custom_id="x" * n))]},
        100,
        ("components", "0", "components", "0", "custom_id"),
    ),
    (
        "select options",
        lambda n: select([option(i) for i in range(n)]),
        25,
        ("components", "0", "components", "0", "options"),
    ),
    (
        "option label",
        lambda n: select([option(0, label="x" * n)]),
        100,
        ("components", "0", "components", "0", "options", "0", "label"),
    ),
    (
        "option value",
        lambda n: select([option(0, value="x" * n)]),
        100,
        ("components", "0", "components", "0", "options", "0", "value"),
    ),
    (
        "option description",
        lambda n: select([option(0, description="x" * n)]),
        100,
        ("components", "0", "components", "0", "options", "0", "description"),
    ),
]

CHOICE_LIMITS: list[tuple[str, Callable[[int], Json], int, tuple[str, ...]]] = [
    ("choices", choices, 25, ("choices",)),
    ("choice name", lambda n: choices(1, name="x" * n), 100, ("choices", "0", "name")),
    ("choice value", lambda n: choices(1, value="x" * n), 100, ("choices", "0", "value")),
]


def error_at(errors: Json, path: tuple[str, ...]) -> list[Json]:
    node = errors
    for key in path:
        node = node.get(key, {})
    return node.get("_errors", [])


@pytest.mark.parametrize(("what", "body", "limit", "path"), MESSAGE_LIMITS, ids=lambda v: v)
def test_each_message_limit_is_discords(
    what: str, body: Callable[[int], Json], limit: int, path: tuple[str, ...]
) -> None:
    assert message_errors(body(limit)) == {}
    refused = error_at(message_errors(body(limit + 1)), path)
    assert refused, f"{what} {limit + 1} was accepted"
    assert refused[0]["code"] in (
        "BASE_TYPE_MAX_LENGTH",
        "MAX_EMBED_SIZE_EXCEEDED",
        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
    )


@pytest.mark.parametrize(("what", "body", "limit", "path"), CHOICE_LIMITS, ids=lambda v: v)
def test_each_autocomplete_limit_is_discords(
    what: str, body: Callable[[int], Json], limit: int, path: tuple[str, ...]
) -> None:
    assert choices_errors(body(limit)) == {}
    assert error_at(choices_errors(body(limit + 1)), path), f"{what} {limit + 1} was accepted"


def test_a_select_fills_its_row_and_needs_options() -> None:
    crowded = {
        "components": [row({"type": 3, "custom_id": "s", "options": [option(0)]}, button(1))]
    }
    empty = select([])

    assert error_at(message_errors(crowded), ("components", "0", "components"))
    assert error_at(message_errors(empty), ("components", "0", "components", "0", "options"))


def test_fields_need_a_name_and_a_value_and_urls_must_be_http() -> None:
    errors = message_errors(embed(fields=[{"name": "", "value": "v"}], url="javascript:alert(1)"))

    assert (
        error_at(errors, ("embeds", "0", "fields", "0", "name"))[0]["code"] == "BASE_TYPE_REQUIRED"
    )
    assert error_at(errors, ("embeds", "0", "url"))[0]["code"] == "URL_TYPE_INVALID_URL"
