"""Running the measured jobs and serving processes as subprocesses of the benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _env(root: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env.setdefault("ARTICLEBOT_LOG_LEVEL", "WARNING")
    return env


def run_json(
    args: list[str], timeout: float = 3600, root: Path = ROOT, python: str = sys.executable
) -> dict[str, Any]:
    """Run `python -m ARGS...` in the project root (or `root`, with `python`: another
    checkout's code); its last stdout line is JSON."""
    started = time.perf_counter()
    result = json.loads(run_text(args, timeout, root, python).strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    return result


def run_text(
    args: list[str],
    timeout: float = 3600,
    root: Path = ROOT,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
) -> str:
    """Run `python -m ARGS...` in the project root (or `root`), `env` added to its
    environment, and return its stdout."""
    done = subprocess.run(
        [python, "-m", *args],
        cwd=root,
        env=_env(root) | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


class Server:
    """A `benchmarks.serve` subprocess; `ready_s` is the time from spawn to its ready line."""

    def __init__(
        self, mode: str, db: Path, root: Path = ROOT, python: str = sys.executable
    ) -> None:
        """`root` and `python`: another checkout and its interpreter (a baseline's code)."""
        self.mode = mode
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [python, "-m", "benchmarks.serve", "--mode", mode, "--db", str(db)],
            cwd=root,
            env=_env(root),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ready = self._read()
        self.ready_s = time.perf_counter() - started

    def footprint(self) -> dict[str, float]:
        """Its start time and memory: at ready, and the peak so far."""
        return {
            "ready_s": self.ready_s,
            "load_s": self.ready["load_s"],
            "rss_ready_mb": self.ready["rss_mb"],
            "peak_rss_mb": self.request("stats")["hwm_mb"],
        }

    def request(self, op: str, items: list[str] | None = None) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, "items": items or []}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait(timeout=10)
            raise RuntimeError(f"serve --mode {self.mode} exited ({code}) without answering")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
