"""benchmarks/out/targets/targets.json -> the "Targets of issue 9" section of RESULTS.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TARGETS_CMD = "python -m benchmarks.targets --base /tmp/base"


def _f(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if not a or not b else f"{a / b:.2f}x"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def _quality_rows(q: dict[str, Any]) -> list[list[str]]:
    cmd = "`python -m benchmarks.score_questions --db DB --split {split}` (ARTICLEBOT_SEMANTIC={s})"
    rows: list[list[str]] = []
    for split, target_all, target_para, target_na in (
        ("held_out", "≥ 0.92", "≥ 0.85", "≥ 0.90"),
        ("tuning", "(tuned on it)", "(tuned on it)", "(tuned on it)"),
    ):
        meaning, words = q.get(f"meaning/{split}"), q.get(f"words/{split}")
        if not meaning or not words:
            continue
        label = "held-out" if split == "held_out" else "tuning"

        def para(r: dict[str, Any]) -> float | None:
            return r["kinds"].get("paraphrase", {}).get("hit@1")

        figures = [
            (
                f"{label} hit@1, all kinds (n={meaning['overall']['n']})",
                target_all,
                meaning["overall"]["hit@1"],
                words["overall"]["hit@1"],
            ),
            (
                f"{label} hit@1, paraphrases (n={meaning['kinds']['paraphrase']['n']})",
                target_para,
                para(meaning),
                para(words),
            ),
            (
                f"{label} no-answer accuracy (n={meaning['kinds']['no_answer']['n']})",
                target_na,
                meaning["overall"]["no_answer_accuracy"],
                words["overall"]["no_answer_accuracy"],
            ),
            (
                f"{label} no-answer precision",
                target_na,
                meaning["overall"]["no_answer_precision"],
                words["overall"]["no_answer_precision"],
            ),
        ]
        for name, target, got, base in figures:
            rows.append(
                [
                    name,
                    target,
                    f"**{_f(got, 3)}**",
                    f"{_f(base, 3)} (words only)",
                    cmd.format(split=split, s="1 / 0"),
                ]
            )
    return rows


def render(results: dict[str, Any]) -> str:
    out = ["## Targets of issue 9: search by meaning", ""]
    m = results.get("machine", {})
    out.append(
        f"Produced by `{TARGETS_CMD}` (steps: {', '.join(k for k in STEP_ORDER if k in results)}; "
        "the commit each ran at is listed below), baseline = commit "
        f"{results.get('base_commit', '?')} (before this work) in its own checkout and venv, "
        "measured in the same run, the two taking turns. "
        f"Machine: {m.get('cores', '?')} cores, at times shared with other sessions: the "
        "load average during each step is given below; a step run under load is slower and "
        "noisier than on a quiet machine (medians of repeats; latencies are percentiles over "
        "every question of every round)."
    )
    out.append("")
    rows: list[list[str]] = []
    q = results.get("quality")
    if q:
        rows += _quality_rows(q)
    serve = results.get("serve")
    if serve:
        on, base, words = serve["meaning on"], serve.get("meaning on, base"), serve["words only"]
        cmd = "`python -m benchmarks.meaning_scale serve --db BIG --base /tmp/base`"
        rows.append(
            [
                "/ask p95 at 100k, question encoding included",
                "≤ 25 ms",
                f"**{_f(on['ask']['p95'], 1)} ms** (p50 {_f(on['ask']['p50'], 1)}; p95 "
                f"{_ratio(on['ask']['p95'], base['ask']['p95'] if base else None)} of base)",
                (
                    f"{_f(base['ask']['p95'], 1)} ms full scan (p50 {_f(base['ask']['p50'], 1)}); "
                    if base
                    else ""
                )
                + f"words only {_f(words['ask']['p95'], 1)} ms",
                cmd,
            ]
        )
        rows.append(
            [
                "peak RSS serving 100k",
                "≤ 300 MB",
                f"**{_f(on['peak_rss_mb'], 0)} MB** "
                f"({_ratio(on['peak_rss_mb'], base['peak_rss_mb'] if base else None)} of base)",
                (f"{_f(base['peak_rss_mb'], 0)} MB; " if base else "")
                + f"words only {_f(words['peak_rss_mb'], 0)} MB",
                cmd,
            ]
        )
    enc = results.get("encode")
    if enc:
        rows.append(
            [
                f"vectors encoded on {enc.get('cores', 2)} cores",
                "≥ 300 articles/s",
                f"**{_f(enc['this']['articles_per_s'], 0)} articles/s**",
                f"{_f(enc['base']['articles_per_s'], 0)} articles/s",
                "`articlebot ingest` (semantic on) of seeds + shared corpus, its `Vectors:` line",
            ]
        )
        model = enc.get("model")
        if model:
            cores = enc.get("cores", 2)
            rows.append(
                [
                    f"the model's own ceiling on {cores} cores",
                    "(what bounds the figure above)",
                    f"**{_f(model[f'ceiling_articles_per_s_{cores}_cores'], 0)} articles/s**",
                    f"{_f(model['ceiling_word_pieces_per_cpu_s'], 0)} word pieces per CPU-s; "
                    f"{_f(model['ceiling_word_pieces_per_article'], 0)} per article",
                    "`python -m benchmarks.model_cost`: every text alone on one thread, × cores",
                ]
            )
    ing = results.get("ingest")
    if ing:
        for n, r in ing.items():
            if not isinstance(r, dict) or "this_s" not in r:
                continue
            rows.append(
                [
                    f"words-only cold ingest, {int(n):,} articles",
                    "no slower than today",
                    f"**{_f(r['this_s'])} s** ({_ratio(r['this_s'], r['base_s'])} of base)",
                    f"{_f(r['base_s'])} s",
                    f"`python -m benchmarks.tasks ingest --corpus corpus-{n} --db DB`",
                ]
            )
    inst = results.get("install")
    if inst:
        rows.append(
            [
                "installed size of the default install",
                "reported",
                f"**{_f(inst['default_mb'], 0)} MB** site-packages",
                f"{_f(inst['without_meaning_mb'], 0)} MB without onnxruntime, tokenizers, numpy "
                f"(meaning costs {_f(inst['meaning_mb'], 0)} MB)",
                "`python -m benchmarks.install_size`",
            ]
        )
    out += _table(["figure", "target", "measured", "baseline (same run)", "command"], rows)
    out += ["", *_details(results)]
    return "\n".join(out) + "\n"


STEP_ORDER = ("quality", "encode", "ingest", "serve", "recall", "install")


def _load(results: dict[str, Any], step: str) -> str:
    r = results[step]
    return (
        f"{step}: {r.get('date', '?')} at commit {r.get('commit', '?')}, "
        f"{_f(r.get('elapsed_s'), 0)} s, load average "
        f"{_f(r.get('load_before'), 1)} before, {_f(r.get('load_after'), 1)} after"
    )


def _details(results: dict[str, Any]) -> list[str]:
    out = ["### How each figure was measured", ""]
    out.append("Steps, when they ran and the machine's load (1-minute load average, 2 cores):")
    out.append("")
    out += [f"- {_load(results, s)}" for s in STEP_ORDER if s in results]
    out.append("")
    q = results.get("quality")
    if q:
        ing = q.get("ingest", {})
        out.append(
            "**Quality.** The question set (`benchmarks/questions.jsonl`, split by the fixed "
            "SHA-256 rule into a tuning and a held-out half) over the seeds and the shared "
            "smartable-powerapps corpus, loaded by `articlebot ingest` with meaning on "
            f"({ing.get('articles', '?')} articles, {ing.get('texts', '?')} texts encoded). "
            "Words only is the same database and code with `ARTICLEBOT_SEMANTIC=0`. Per kind:"
        )
        out.append("")
        kinds = sorted(
            {k for key in q if "/" in key for k in q[key]["kinds"]},
            key=lambda k: (k == "no_answer", k),
        )
        rows = []
        for kind in kinds:
            row = [kind]
            for key in ("words/held_out", "meaning/held_out", "words/tuning", "meaning/tuning"):
                figures = q.get(key, {}).get("kinds", {}).get(kind, {})
                value = figures.get("hit@1", figures.get("no_answer_accuracy"))
                row.append(f"{_f(value, 3)} (n={figures.get('n', '?')})")
            rows.append(row)
        out += _table(
            [
                "kind (hit@1; no_answer: accuracy)",
                "held-out, words",
                "held-out, words+meaning",
                "tuning, words",
                "tuning, words+meaning",
            ],
            rows,
        )
        out.append("")
    serve = results.get("serve")
    if serve:
        out.append(
            "**/ask at 100k and memory.** `benchmarks.meaning_scale`: a words-only database of "
            "the seeds, the shared corpus and 100,000 generated articles "
            "(`benchmarks.generate`, seed 1). Encoding 100,000 generated articles with the real "
            "model would take too long here, so they get **synthetic vectors** built from the "
            "real ones (half a real article's vector plus noise, half a mix of two plus noise; "
            "int8 like the real ones; as many passage vectors as each body has passages); the "
            "real articles keep their real vectors, and every question is encoded by the real "
            "model on one thread, so its encoding is in the time. /ask = `Library.ask` (search "
            "and the first answer card) in a serving process; the three processes take turns "
            f"on {serve['questions']} questions (the question set, then /ask questions drawn "
            f"from generated titles), {serve['rounds']} rounds. Ready = spawn to first "
            "answer, with meaning's cells built."
        )
        out.append("")
        rows = []
        for name in ("words only", "meaning on", "meaning on, base"):
            if name not in serve:
                continue
            s = serve[name]
            label = {
                "meaning on": "words + meaning (cells)",
                "meaning on, base": "words + meaning, base (full scan)",
            }.get(name, name)
            rows.append(
                [
                    label,
                    _f(s["ready_s"], 1),
                    _f(s["rss_ready_mb"], 0),
                    _f(s["peak_rss_mb"], 0),
                    _f(s["ask"]["p50"], 1),
                    _f(s["ask"]["p95"], 1),
                    _f(s["ask"]["p99"], 1),
                ]
            )
        out += _table(
            ["system", "ready s", "RSS ready MB", "peak RSS MB", "/ask p50 ms", "p95 ms", "p99 ms"],
            rows,
        )
        out.append("")
    rec = results.get("recall")
    if rec:
        sc = rec.get("scored", {})

        def h(name: str, split: str, key: str = "hit@1") -> str:
            return _f(sc.get(name, {}).get(split, {}).get("overall", {}).get(key), 3)

        out.append(
            f"**The index against a full scan** at {rec['rows']:,} rows "
            "(`python -m benchmarks.meaning_scale recall --db BIG`): for the "
            f"{rec['questions']} real questions, {100 * rec['recall_at_20']:.1f}% of a full "
            f"scan's 20 nearest rows are found by the cells, and the nearest row is the same "
            f"for {100 * rec['top1_same']:.1f}%; the nearest-row lookup takes "
            f"{_f(rec['nearest_ms_cells']['p50'])} ms median (p95 "
            f"{_f(rec['nearest_ms_cells']['p95'])}) against {_f(rec['nearest_ms_full']['p50'])} "
            f"ms (p95 {_f(rec['nearest_ms_full']['p95'])}) for the full scan. The whole search "
            f"at this size, scored on the question set: hit@1 tuning {h('cells', 'tuning')} with "
            f"cells, {h('full scan', 'tuning')} with a full scan; held-out "
            f"{h('cells', 'held_out')} and {h('full scan', 'held_out')} (lower than on the real "
            "corpus alone: synthetic rows crowd the real ones by design)."
        )
        if sim := rec.get("similar"):
            out[-1] += (
                f" Each of the {sim['articles']} real articles' 3 nearest articles (its related "
                f'links and "More like this", with the cells\' SIMILAR_PROBES): '
                f"{100 * sim['recall_at_3']:.1f}% of a full scan's, in "
                f"{_f(sim['ms_cells']['p50'])} ms median (p95 {_f(sim['ms_cells']['p95'])}) "
                f"against {_f(sim['ms_full']['p50'])} ms."
            )
        out.append("")
    enc = results.get("encode")
    if enc:
        runs = enc.get("runs", {})
        out.append(
            "**Encoding.** `articlebot ingest` with meaning on, into a fresh database, of the "
            "seeds and the shared corpus, this code and the base taking turns; the rate is "
            "articles over the seconds its `Vectors:` line reports (every article's vector "
            "and its passages'). Runs: "
            + "; ".join(
                f"{name}: "
                + ", ".join(
                    f"{r.get('articles', '?')} articles ({r.get('texts', '?')} texts) in "
                    f"{_f(r.get('seconds'), 1)} s"
                    for r in done
                )
                for name, done in runs.items()
            )
            + "."
        )
        out.append("")
    ing = results.get("ingest")
    if ing:
        out.append(
            "**Words-only cold ingest.** `benchmarks.tasks ingest` (Store.reload into a fresh "
            "database, a fresh process, no vectors) of generated corpora, the base and this "
            "code taking turns (who goes first alternates; the disk is synced before each run, "
            "so none pays for the last one's writes); seconds of every run: "
            + "; ".join(
                f"{int(n):,}: this {', '.join(_f(t) for t in r['runs']['this'])}, base "
                f"{', '.join(_f(t) for t in r['runs']['base'])}"
                for n, r in ing.items()
                if isinstance(r, dict) and "runs" in r
            )
            + "."
        )
        out.append("")
    inst = results.get("install")
    if inst:
        biggest = ", ".join(f"{name} {mb:.0f} MB" for name, mb in inst["biggest_default"])
        out.append(
            "**Install.** `python -m benchmarks.install_size`: `du` of site-packages of a "
            "fresh venv after `pip install .`, beside a venv with the same dependencies less "
            f"{', '.join(inst['without'])} (and what only they pull in). Biggest in the "
            f"default install: {biggest}. No PyTorch."
        )
        out.append("")
    return out
