"""An insights Report -> pages of embed dicts within Discord's limits, or terminal text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.insights import Report, Week
from bot.render import DESCRIPTION_MAX, FIELD_VALUE_MAX, fit_embed, truncate
from bot.text import escape_markdown

PER_PAGE = 10
QUESTION_SHOWN = 150  # characters of a question in a list line
COLOUR = 0x1971C2


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def week_line(week: Week) -> str:
    votes = week.helpful + week.not_helpful
    return (
        f"{week.start:%Y-%m-%d} · {week.asked} asked · {_percent(week.answer_rate)} answered · "
        f"{_percent(week.helpful_rate)} helpful ({votes} vote{'s' * (votes != 1)})"
    )


def _quoted(text: str) -> str:
    return "“" + escape_markdown(truncate(" ".join(text.split()), QUESTION_SHOWN)) + "”"


def _sections(report: Report) -> list[tuple[str, list[str]]]:
    unanswered = [
        f"**{u.count}×** {_quoted(u.question)}"
        + (f" (+{len(u.variants)} wording{'s' * (len(u.variants) != 1)})" if u.variants else "")
        for u in report.unanswered
    ]
    missed = [
        f"{_quoted(m.question)} → **{escape_markdown(truncate(m.title, 120))}** · "
        f"{m.not_helpful} not helpful, {m.helpful} helpful"
        for m in report.missed
    ]
    most = [
        f"**{escape_markdown(truncate(a.title, 150))}** · {a.count} question{'s' * (a.count != 1)}"
        for a in report.most_asked
    ]
    merged = "same meaning" if report.merged_by == "meaning" else "same words"
    return [
        (f"Unanswered questions (near-duplicates merged by {merged})", unanswered),
        ("Answers voted “Not helpful”", missed),
        ("Most-asked articles", most),
    ]


def _summary(report: Report) -> dict[str, Any]:
    rate = report.answered / report.asked if report.asked else None
    description = (
        f"{report.asked} question{'s' * (report.asked != 1)} from "
        f"<t:{int(report.since.timestamp())}:d> to <t:{int(report.until.timestamp())}:d> · "
        f"{report.answered} answered ({_percent(rate)}) · "
        f"{sum(u.count for u in report.unanswered)} unanswered · "
        f"{len(report.missed)} answer{'s' * (len(report.missed) != 1)} voted not helpful"
    )
    weeks = [week_line(w) for w in report.weeks[-12:]] or ["No questions yet."]
    return {
        "title": "Insights",
        "description": truncate(description, DESCRIPTION_MAX),
        "fields": [{"name": "By week (UTC)", "value": _lines(weeks, FIELD_VALUE_MAX)}],
    }


def _lines(lines: list[str], limit: int) -> str:
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit:
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept) or truncate(lines[0], limit)


def insights_pages(report: Report) -> tuple[int, Callable[[int], dict[str, Any]]]:
    """(page count, page(i) -> embed): a summary, then each list PER_PAGE lines a page."""
    pages: list[tuple[str, list[str]]] = []
    for heading, lines in _sections(report):
        numbered = [f"{i}. {line}" for i, line in enumerate(lines, start=1)]
        for start in range(0, len(numbered), PER_PAGE):
            pages.append((heading, numbered[start : start + PER_PAGE]))
        if not lines:
            pages.append((heading, ["Nothing here in this period."]))
    count = 1 + len(pages)

    def page(index: int) -> dict[str, Any]:
        if index == 0:
            embed = _summary(report)
        else:
            heading, lines = pages[index - 1]
            embed = {"title": truncate(heading, 256), "description": _lines(lines, 4000)}
        embed["color"] = COLOUR
        embed["footer"] = {"text": f"Page {index + 1} of {count} · raw rows in the CSV"}
        return fit_embed(embed)

    return count, page


def insights_text(report: Report) -> str:
    """The report for a terminal."""
    out = [
        f"Insights for guild {report.guild_id}, {report.since:%Y-%m-%d} to {report.until:%Y-%m-%d}:"
        f" {report.asked} asked, {report.answered} answered",
        "",
        "By week (UTC):",
        *(f"  {week_line(w)}" for w in report.weeks),
    ]
    for heading, lines in _sections(report):
        out += ["", f"{heading}:"]
        out += [f"  {line.replace('**', '')}" for line in lines] or ["  (none)"]
    return "\n".join(out)
