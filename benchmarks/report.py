"""Benchmark results (the dict `run` builds) -> RESULTS.md."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

SYSTEMS = {"bot": "articlebot", "fts": "FTS5 baseline", "fuzz": "rapidfuzz baseline"}


def _f(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b or math.isnan(a) or math.isnan(b):
        return "–"
    return f"{a / b:.2f}x"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


# -- targets ---------------------------------------------------------------------------------

Check = Callable[[dict[str, Any]], tuple[float | None, str]]


def _size(results: dict[str, Any], n: int) -> dict[str, Any] | None:
    return results["sizes"].get(str(n))


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for every target of the issue."""
    rows: list[tuple[str, str, str]] = []

    def add(name: str, value: float | None, limit: float, unit: str, higher: bool = False) -> None:
        if value is None or math.isnan(value):
            rows.append((name, "not measured", "–"))
            return
        met = value >= limit if higher else value <= limit
        rows.append((name, f"{_f(value)} {unit}", "met" if met else "**missed**"))

    def serving(n: int, key: str, stat: str) -> float | None:
        size = _size(results, n)
        return size["serving"]["bot"][key][stat] if size else None

    add("/ask p95 ≤ 5 ms at 10k", serving(10_000, "ask", "p95"), 5, "ms")
    add("/ask p95 ≤ 25 ms at 100k", serving(100_000, "ask", "p95"), 25, "ms")
    add("autocomplete p95 ≤ 5 ms at 100k", serving(100_000, "complete", "p95"), 5, "ms")
    for key, size in results["sizes"].items():
        ingest = size["ingest"]
        name = f"cold ingest ≥ 3,000 articles/s ({int(key):,})"
        rate = ingest["articles"] / ingest["bot_ingest_s"]
        add(name, rate, 3000, "articles/s", True)
    big = _size(results, 100_000)
    add(
        "reload, nothing changed, ≤ 5 s at 100k",
        big["ingest"]["reload_unchanged_s"] if big else None,
        5,
        "s",
    )
    add(
        "peak RSS serving 100k ≤ 300 MB",
        big["serving"]["bot"]["peak_rss_mb"] if big else None,
        300,
        "MB",
    )
    for key, size in results["sizes"].items():
        s = size["size"]
        add(
            f"database ≤ 2x corpus text ({int(key):,})",
            s["bot_db_bytes"] / s["corpus_bytes"],
            2,
            "x corpus bytes",
        )
    return rows


# -- sections --------------------------------------------------------------------------------


def _ingest_rows(results: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    for key, size in results["sizes"].items():
        i = size["ingest"]
        n = i["articles"]
        bot_s = _f(i["bot_ingest_s"])
        bot_rate = _f(n / i["bot_ingest_s"], 0)
        rows += [
            [
                f"{int(key):,}",
                "cold ingest (s)",
                bot_s,
                _f(i["fts_ingest_s"]),
                _f(i["parse_s"]),
                _ratio(i["bot_ingest_s"], i["fts_ingest_s"]),
            ],
            [
                "",
                "cold ingest (articles/s)",
                bot_rate,
                _f(n / i["fts_ingest_s"], 0),
                _f(n / i["parse_s"], 0),
                "",
            ],
            [
                "",
                "reload, nothing changed (s)",
                _f(i["reload_unchanged_s"], 3),
                f"{_f(i['fts_ingest_s'])} (rebuild)",
                f"{_f(i['parse_s'])} (re-parse)",
                _ratio(i["reload_unchanged_s"], i["fts_ingest_s"]),
            ],
            [
                "",
                "reload, one file changed (s)",
                _f(i["reload_one_s"], 3),
                f"{_f(i['fts_ingest_s'])} (rebuild)",
                f"{_f(i['parse_s'])} (re-parse)",
                _ratio(i["reload_one_s"], i["fts_ingest_s"]),
            ],
            [
                "",
                "peak RSS of the ingest (MB)",
                _f(i["bot_ingest_rss_mb"], 0),
                _f(i["fts_ingest_rss_mb"], 0),
                _f(i["parse_rss_mb"], 0),
                "",
            ],
        ]
    return rows


def _ingest_notes(results: dict[str, Any]) -> list[str]:
    return [
        "Ingest = Store.reload into a fresh database in a fresh process (the OS page cache is "
        "warm: the corpus was just generated or read); it parses in one process per core "
        'and writes in one transaction. Reloads reuse that database; "one file changed" '
        "edits one file's excerpt before each reload. Peak RSS of an ingest is its main "
        "process's; the parser processes are not counted. The baselines parse in one process.",
        "",
    ]


def _size_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for key, size in results["sizes"].items():
        s = size["size"]
        mb = 2**20
        rows.append(
            [
                f"{int(key):,}",
                f"{s['files']:,}",
                _f(s["corpus_bytes"] / mb, 1),
                _f(s["text_bytes"] / mb, 1),
                _f(s["bot_db_bytes"] / mb, 1),
                _ratio(s["bot_db_bytes"], s["corpus_bytes"]),
                _ratio(s["bot_db_bytes"], s["text_bytes"]),
                _f(s["fts_db_bytes"] / mb, 1),
                _ratio(s["fts_db_bytes"], s["text_bytes"]),
            ]
        )
    return rows


def _serving_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for key, size in results["sizes"].items():
        for mode, label in SYSTEMS.items():
            s = size["serving"][mode]
            rows.append(
                [
                    f"{int(key):,}" if mode == "bot" else "",
                    label,
                    _f(s["ready_s"]),
                    _f(s["load_s"]),
                    _f(s["rss_ready_mb"], 0),
                    _f(s["peak_rss_mb"], 0),
                ]
            )
    return rows


def _found_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for key, size in results["sizes"].items():
        for mode, label in SYSTEMS.items():
            found = size["serving"][mode].get("found")
            if not found:
                continue
            rows.append(
                [
                    f"{int(key):,}" if mode == "bot" else "",
                    label,
                    f"{found['drawn']}",
                    _f(found["source_in_top3"], 3),
                    f"{found['nonsense']}",
                    _f(found["silent_on_nonsense"], 3),
                ]
            )
    return rows


def _latency_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    ops = (("ask", "/ask (Library.ask)"), ("search", "search only"), ("complete", "autocomplete"))
    for key, size in results["sizes"].items():
        serving = size["serving"]
        first = True
        for op, op_label in ops:
            for mode, label in SYSTEMS.items():
                s = serving[mode].get(op)
                if not s:
                    continue
                base_fts = serving["fts"].get("ask" if op == "search" else op)
                base_fuzz = serving["fuzz"].get("ask" if op == "search" else op)
                rows.append(
                    [
                        f"{int(key):,}" if first else "",
                        op_label,
                        label,
                        str(s["n"]),
                        _f(s["p50"], 3),
                        _f(s["p95"], 3),
                        _f(s["p99"], 3),
                        _ratio(s["p95"], base_fts["p95"]) if mode == "bot" else "",
                        _ratio(s["p95"], base_fuzz["p95"]) if mode == "bot" else "",
                    ]
                )
                first = False
    return rows


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [
        "# Benchmark results",
        "",
        f"Produced by `{results['command']}` on {results['date']}"
        + (" (**--quick smoke run: too small to judge**)" if results.get("quick") else "")
        + ".",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}, {m['os']}; Python "
        f"{m['python']}, SQLite {m['sqlite']}, rapidfuzz {m['rapidfuzz']}, aiosqlite "
        f"{m['aiosqlite']}. The machine is shared and noisy: times are medians of repeated "
        "runs (latencies: percentiles over every query of every round), and each baseline is "
        "measured in the same run, taking turns with articlebot.",
        "",
        "Corpora: `python -m benchmarks.generate` (seed "
        f"{results['seed']}), 60% frontmatter markdown, 25% plain text, 15% scraped pages, "
        "text from a Markov chain over the shared smartable-powerapps corpus. Baselines: "
        "**FTS5** = a minimal FTS5 table (title, body; default tokenizer) queried with an OR of "
        "the quoted query words, bm25, no rerank; **rapidfuzz** = `process.extract` (WRatio) "
        "over every title and excerpt in memory. Both parse with bot.ingest, so their ingest "
        "differs only in what is done after parsing; neither reloads incrementally.",
        "",
        "## Targets",
        "",
        *_table(("target", "measured", "verdict"), targets(results)),
        "## Ingest and reload",
        "",
        *_table(
            ("articles", "measure", "articlebot", "FTS5", "rapidfuzz (parse only)", "vs FTS5"),
            _ingest_rows(results),
        ),
        *_ingest_notes(results),
        "## Size on disk",
        "",
        "Corpus = bytes of the corpus files; text = title and body (or excerpt) as parsed.",
        "",
        *_table(
            (
                "articles",
                "files",
                "corpus MB",
                "text MB",
                "articlebot DB MB",
                "DB / corpus",
                "DB / text",
                "FTS5 DB MB",
                "FTS5 / text",
            ),
            _size_rows(results),
        ),
        "## Serving process",
        "",
        "Start→ready = spawn of a fresh Python process to its first answerable moment "
        "(interpreter, imports, opening and loading); load = the opening and loading alone. "
        "Peak RSS = VmHWM after every query below.",
        "",
        *_table(
            ("articles", "server", "start→ready s", "load s", "RSS ready MB", "peak RSS MB"),
            _serving_rows(results),
        ),
        "## Latency (ms)",
        "",
        "/ask = Library.ask (search plus the first answer card: passage, related; the others are "
        "built when a member pages to them); the baselines' "
        "/ask is their search. Autocomplete = Catalog.complete_title on 1–15 character "
        "prefixes, a third with a typo; baselines: FTS5 prefix query, rapidfuzz over titles.",
        "",
        *_table(
            (
                "articles",
                "operation",
                "system",
                "n",
                "p50",
                "p95",
                "p99",
                "p95 vs FTS5",
                "p95 vs rapidfuzz",
            ),
            _latency_rows(results),
        ),
        "## Answers at scale",
        "",
        "The /ask questions above, scored: how often the article a question was drawn from "
        "is among the first 3 hits, and how often a question of invented words gets "
        '"nothing found". A rough check only (generated titles can repeat); the question set '
        "below measures quality properly.",
        "",
        *_table(
            ("articles", "system", "drawn", "source in top 3", "nonsense", "nothing found"),
            _found_rows(results),
        ),
    ]
    if "quality" in results:
        from benchmarks.quality import render_quality

        out += render_quality(results["quality"])
    out.append(f"\nTotal benchmark time: {_f(results.get('elapsed_s'), 0)} s.")
    return "\n".join(out) + "\n"
