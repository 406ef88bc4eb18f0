"""The command line: ingest, ask, search, export without Discord; run starts the bot.

`articlebot` and `python -m bot` are the same program. The Discord part is imported only
by `run`, so everything else works without a token (or discord.py's start-up cost).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import time
from collections.abc import Coroutine, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot import insights
from bot.embed import ModelError
from bot.library import Library, bulk_embedder, question_embedder
from bot.models import ReloadReport, SearchResult
from bot.render import answer_text, nothing_found_text
from bot.render_insights import insights_text
from bot.search import SearchEngine
from bot.settings import ConfigError, Settings, load_settings
from bot.store import Store, StoreError
from bot.store.changes import Progress
from bot.vectors import fill

log = logging.getLogger("bot")

EXIT_STORE = 1  # the database cannot be opened or written


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"articlebot: config error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "run":
            from bot.client import run  # Discord is only needed here

            return run(settings)
        return asyncio.run(_until_signal(args.handler(args, settings)))
    except Stopped as exc:
        name = signal.Signals(exc.signum).name
        print(
            f"articlebot: stopped by {name} (an unfinished reload is rolled back: the "
            "database keeps its previous corpus)",
            file=sys.stderr,
        )
        return 128 + exc.signum
    except StoreError as exc:  # the database cannot be used: the line says what to do
        print(f"articlebot: {exc}", file=sys.stderr)
        return EXIT_STORE
    except ModelError as exc:
        print(f"articlebot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


class Stopped(Exception):
    """SIGINT or SIGTERM stopped the command."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


async def _until_signal(work: Coroutine[Any, Any, int]) -> int:
    """Run a command until it ends or SIGINT/SIGTERM cancels it: a reload then rolls back,
    its parser processes stop and the database closes on the way out."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    received: list[int] = []

    def stop(signum: int) -> None:
        if not received:  # a second signal must not cut the rollback short
            received.append(signum)
            task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows
            loop.add_signal_handler(signum, stop, signum)
    try:
        return await work
    except asyncio.CancelledError:
        if not received:
            raise
        raise Stopped(received[0]) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="articlebot", description="Answer questions from a corpus of articles."
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="TOML config file (default: $ARTICLEBOT_CONFIG, else ./config/articlebot.toml, "
        "else articlebot.toml in the user's config folder)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: object, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        if name != "run":
            p.add_argument("--db", type=Path, help="SQLite database (default from config)")
        return p

    ingest = command("ingest", _ingest, "load the corpus directories into the database")
    ingest.add_argument(
        "--corpus",
        type=Path,
        action="append",
        metavar="DIR",
        help="corpus directory (repeatable; default from config)",
    )
    ingest.add_argument("--strict", action="store_true", help="exit 1 when any file failed")

    ask = command("ask", _ask, "answer a question as the bot would")
    ask.add_argument("question")

    search = command("search", _search, "ranked matches for a query")
    search.add_argument("query", nargs="?")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument(
        "--batch",
        type=Path,
        metavar="FILE",
        help="one query a line in; one JSON object a line out, same order",
    )
    search.add_argument("--timing", action="store_true", help="add elapsed_ms to each JSON object")

    report = command("insights", _insights, "what members asked, per server (as /admin insights)")
    report.add_argument("--guild", type=int, metavar="ID", help="one server (default: every one)")
    report.add_argument(
        "--days", type=int, default=None, help="how many days back (default: the retention)"
    )
    report.add_argument("--json", action="store_true", help="print JSON")

    command("export", _export, "print every article as JSON Lines")
    command("run", None, "start the Discord bot (needs DISCORD_TOKEN)")
    return parser


async def _open(args: argparse.Namespace, settings: Settings) -> Library:
    """The library on the chosen database, filled from the configured corpus on first use."""
    return await Library.open(settings, args.db, progress=_progress_bar())


async def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    corpora = args.corpus or list(settings.corpus_dirs)
    # The model first: a damaged model file is said before any database work.
    embedder = bulk_embedder(settings)
    async with await Store.open(args.db or settings.db_path) as store:
        report = await store.reload(corpora, progress=_progress_bar())
        print(format_report(report), flush=True)
        if embedder is not None:  # the text is committed and answers; now its vectors
            filled = await fill(store, embedder, progress=_progress_bar("article"))
            print(
                f"Vectors: {filled.articles} articles ({filled.texts} texts) encoded "
                f"in {filled.seconds:.2f} s."
            )
    return 1 if args.strict and report.failed else 0


async def _ask(args: argparse.Namespace, settings: Settings) -> int:
    async with await _open(args, settings) as library:
        outcome = await library.ask(args.question, limit=1)
        answer = await outcome.answer(0) if outcome.answered else None
    if answer is not None:
        print(answer_text(answer, ansi=sys.stdout.isatty()))
    else:
        print(nothing_found_text(outcome.result))
    return 0


async def _search(args: argparse.Namespace, settings: Settings) -> int:
    if (args.query is None) == (args.batch is None):
        print("articlebot search: give a QUERY or --batch FILE", file=sys.stderr)
        return 2
    async with await _open(args, settings) as library:
        engine = library.engine
        if args.batch is not None:
            with args.batch.open(encoding="utf-8") as lines:
                for line in lines:
                    await _search_one(engine, line.rstrip("\r\n"), args, sys.stdout, as_json=True)
        else:
            await _search_one(engine, args.query, args, sys.stdout, as_json=args.json)
    return 0


async def _search_one(
    engine: SearchEngine, query: str, args: argparse.Namespace, out: TextIO, as_json: bool
) -> None:
    started = time.perf_counter()
    result = await engine.search(query, limit=args.limit)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if as_json:
        payload = result_json(result)
        if args.timing:
            payload["elapsed_ms"] = round(elapsed_ms, 3)
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
    elif not result.answered:
        out.write(nothing_found_text(result) + "\n")
    else:
        for rank, hit in enumerate(result.hits, start=1):
            out.write(f"{rank:2}. {hit.score:.3f}  {hit.title}  ({hit.source})\n")


def result_json(result: SearchResult) -> dict[str, object]:
    """The stable JSON shape of `articlebot search --json` and `--batch`."""
    return {
        "query": result.query,
        "answered": result.answered,
        "confidence": result.confidence,
        "hits": [
            {"id": h.article_id, "source": h.source, "title": h.title, "score": h.score}
            for h in result.hits
        ],
    }


async def _insights(args: argparse.Namespace, settings: Settings) -> int:
    days = args.days or settings.insights_retention_days
    if days < 1:
        print("articlebot insights: --days must be at least 1", file=sys.stderr)
        return 2
    # Merging by meaning needs the model; only when the operator turned it on.
    embedder = question_embedder(settings)  # None with semantic off or without onnxruntime
    similar = insights.meaning_similarity(embedder) if embedder else None
    merged_by = "meaning" if similar else "words"
    now = datetime.now(UTC)
    async with await Store.open(args.db or settings.db_path) as store:
        guilds = [args.guild] if args.guild else await store.insights.guilds()
        reports = []
        for guild_id in guilds:
            questions = await store.insights.questions(guild_id, since=now - timedelta(days=days))
            reports.append(
                insights.build_report(guild_id, questions, now, days, similar, merged_by)
            )
    if args.json:
        print("[" + ",\n".join(insights.to_json(r) for r in reports) + "]")
    elif not reports:
        print("No questions kept yet.")
    else:
        print("\n\n".join(insights_text(r) for r in reports))
    return 0


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    async with await _open(args, settings) as library:
        async for article in library.store.iter_articles():
            sys.stdout.write(json.dumps(asdict(article), ensure_ascii=False) + "\n")
    return 0


def format_report(report: ReloadReport) -> str:
    lines = [
        f"{report.total} articles loaded in {report.duration_s:.2f} s: "
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged, {len(report.removed)} removed, "
        f"{len(report.failed)} failed."
    ]
    if report.skipped_removed:
        lines.append(f"Marked removed in the corpus, not loaded ({len(report.skipped_removed)}):")
        lines += [f"  {source}" for source in report.skipped_removed]
    if report.failed:
        lines.append("Failed (the rest loaded):")
        lines += [f"  {f.source}: {f.reason}" for f in report.failed]
    return "\n".join(lines)


def _progress_bar(unit: str = "file") -> Progress:
    """A tqdm bar on stderr (silent when stderr is not a terminal)."""
    from tqdm import tqdm

    bar: tqdm | None = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit=unit, file=sys.stderr, disable=None, leave=False)
        bar.n = done
        if done == total or done % 50 == 0:
            bar.refresh()
        if done == total:
            bar.close()

    return update


if __name__ == "__main__":
    sys.exit(main())
