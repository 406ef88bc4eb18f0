"""What the shipped sentence model costs: load time, memory, encode time, size on disk.

    python -m benchmarks.model_cost [--questions N] [--articles N] [--json]

Runs in this process, which has imported nothing heavy before it starts measuring: the
resident-memory growth is from importing onnxruntime, tokenizers and numpy, loading the
model (SHA-256 check included) and encoding. A question is encoded alone on one thread, as
the bot does; articles (title and summary, from the seeds and the shared corpus, or
--corpus) in batches, on one thread and on every core. Last, the ceiling: every text of
those articles (their own and their passages) run alone on one thread gives the model's own
rate, and that rate on every core is the most articles a second any encoding code could
reach on this CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from benchmarks.stats import median, percentile, proc_status_mb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _articles(corpora: list[Path], limit: int) -> list[list[str]]:
    """Each of the corpora's articles as the texts the bot embeds: its title, summary and
    topics, then its passages."""
    from bot.ingest import IngestError, iter_corpus_files, parse_file
    from bot.passages import article_text, passages

    texts: list[list[str]] = []
    for corpus in corpora:
        for path in iter_corpus_files(corpus) if corpus.is_dir() else ():
            if len(texts) >= limit:
                break
            try:
                article = parse_file(path, corpus)
            except IngestError:  # a file the parser rejects is not an article to encode
                continue
            own = article_text(article.title, article.summary, article.topics)
            texts.append([own, *passages(article.body)])
    return texts


def measure(n_questions: int, corpora: list[Path], n_articles: int) -> dict[str, Any]:
    rss_start = proc_status_mb("VmRSS")
    started = time.perf_counter()
    from bot.embed import MODEL_DIR, MODEL_FILE, OnnxEmbedder

    imported_s = time.perf_counter() - started
    started = time.perf_counter()
    embedder = OnnxEmbedder(threads=1)
    load_s = time.perf_counter() - started
    rss_loaded = proc_status_mb("VmRSS")

    questions = [
        json.loads(line)["q"]
        for line in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ][:n_questions]
    embedder.encode(questions[:5])  # the first runs allocate; not counted
    # Wall time, and this process's CPU time: on a machine shared with other work the
    # CPU time is what one question costs, the wall time what it waited besides.
    times: list[float] = []
    cpu_times: list[float] = []
    for question in questions:
        started, cpu_started = time.perf_counter(), time.process_time()
        embedder.encode([question])
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu_started) * 1000)
    rss_questions = proc_status_mb("VmRSS")

    per_article = _articles(corpora, n_articles)
    articles = [texts[0] for texts in per_article]
    started, cpu_started = time.perf_counter(), time.process_time()
    embedder.encode(articles)
    one_thread_s = time.perf_counter() - started
    one_thread_cpu_s = time.process_time() - cpu_started
    cores = os.cpu_count() or 1
    every_core = OnnxEmbedder(threads=cores)
    started = time.perf_counter()
    every_core.encode(articles)
    every_core_s = time.perf_counter() - started
    ceiling = _ceiling(embedder, per_article, cores)

    model_dir_bytes = sum(p.stat().st_size for p in MODEL_DIR.iterdir() if p.is_file())
    return {
        "questions": len(questions),
        "question_ms_median": median(times),
        "question_ms_p95": percentile(times, 95),
        "question_cpu_ms_median": median(cpu_times),
        "import_s": imported_s,
        "load_s": load_s,
        "rss_start_mb": rss_start,
        "rss_growth_loaded_mb": rss_loaded - rss_start,
        "rss_growth_after_questions_mb": rss_questions - rss_start,
        "rss_peak_mb": proc_status_mb("VmHWM"),
        "articles": len(articles),
        "articles_per_s_1_thread": len(articles) / one_thread_s if one_thread_s else 0.0,
        "articles_per_cpu_s_1_thread": len(articles) / one_thread_cpu_s
        if one_thread_cpu_s
        else 0.0,
        f"articles_per_s_{cores}_threads": len(articles) / every_core_s if every_core_s else 0.0,
        **ceiling,
        "model_file_mb": (MODEL_DIR / MODEL_FILE).stat().st_size / 1e6,
        "model_dir_mb": model_dir_bytes / 1e6,
        "load_average": os.getloadavg()[0],
    }


def _ceiling(embedder: Any, per_article: list[list[str]], cores: int) -> dict[str, Any]:
    """The most articles a second the model allows on `cores`, whatever the code around it.

    Every text of the articles (their own and their passages, as `articlebot ingest` encodes
    them) is run alone on one thread, in this process: its CPU time over the word pieces read
    is the model's own rate. Times `cores` is the ceiling: every core running the model all
    the time, nothing else (parsing, tokenising, saving) costing anything."""
    from tokenizers import Tokenizer

    from bot.embed import MAX_TOKENS, MODEL_DIR, TOKENIZER_FILE

    texts = [text for article in per_article for text in article]
    tokenizer = Tokenizer.from_file(str(MODEL_DIR / TOKENIZER_FILE))
    tokenizer.enable_truncation(MAX_TOKENS)  # as the embedder reads them
    pieces = sum(sum(e.attention_mask) for e in tokenizer.encode_batch(texts))  # no padding
    started = time.process_time()
    for text in texts:
        embedder.encode([text])
    cpu_s = time.process_time() - started
    per_cpu_s = len(per_article) / cpu_s if cpu_s else 0.0
    return {
        "ceiling_texts": len(texts),
        "ceiling_word_pieces_per_article": pieces / len(per_article) if per_article else 0.0,
        "ceiling_word_pieces_per_cpu_s": pieces / cpu_s if cpu_s else 0.0,
        "ceiling_articles_per_cpu_s": per_cpu_s,
        f"ceiling_articles_per_s_{cores}_cores": per_cpu_s * cores,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.model_cost", description=__doc__)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        help="corpus directory whose articles are encoded (repeatable); default: the seeds and "
        "../shared/corpora/smartable-powerapps",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    corpora = args.corpus or [ROOT / "seeds", ROOT.parent / "shared/corpora/smartable-powerapps"]
    figures = measure(args.questions, corpora, args.articles)
    if args.json:
        print(json.dumps(figures))
        return 0
    for key, value in figures.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
