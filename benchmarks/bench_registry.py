#!/usr/bin/env python3
"""Registry speed: register, load (cold, warm, by alias), search, import time, scale in tags.

    python benchmarks/bench_registry.py                 # gitprompts only
    python benchmarks/bench_registry.py --vs-mlflow     # plus MLflow, same run, with ratios
    python benchmarks/bench_registry.py --vs-mlflow --mlflow-python /path/to/venv/bin/python

MLflow runs with its sqlite backend in a child process of the given
interpreter (default: this one, if it can import mlflow), so both sides are
measured in the same run on the same machine. Medians of repeated samples.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _median_time(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _per_call(fn, calls: int, rounds: int = 5) -> float:
    """Seconds per call: the median over rounds of (time of ``calls`` calls) / calls."""

    def batch() -> None:
        for _ in range(calls):
            fn()

    return _median_time(batch, rounds) / calls


def _python(code: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **(env or {})})
    return time.perf_counter() - start


def _build(path: Path, prompts: int, versions: int) -> None:
    subprocess.run(
        [
            sys.executable,
            str(HERE / "build_registry.py"),
            str(path),
            "--prompts",
            str(prompts),
            "--versions",
            str(versions),
            "--notes",
            "0",
            "--force",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


# --------------------------------------------------------------------------- gitprompts


def bench_gitprompts(tmp: Path, quick: bool) -> dict[str, float]:
    import gitprompts
    from gitprompts import config

    out: dict[str, float] = {}
    base = _median_time(lambda: _python("pass"), 7)
    out["import_ms"] = (_median_time(lambda: _python("import gitprompts"), 7) - base) * 1e3

    # register with 10 / 1,000 / 10,000 versions already present
    for present in (10, 1000) if quick else (10, 1000, 10000):
        path = tmp / f"reg-{present}.git"
        _build(path, 1, present)
        config.forget_registries()
        gitprompts.set_registry(path)
        gitprompts.register_prompt("prompt-00000", "warm up")
        counter = iter(range(10**9))
        out[f"register_ms@{present}"] = (
            _per_call(
                lambda: gitprompts.register_prompt("prompt-00000", f"t {next(counter)}"), 20, 3
            )
            * 1e3
        )

    # loads on a registry of 1,000 prompts x 1 version (also the search corpus)
    path = tmp / "search-1000.git"
    _build(path, 1000, 1)
    config.forget_registries()
    gitprompts.set_registry(path)
    gitprompts.set_prompt_alias("prompt-00500", "production", 1)
    uri = "prompts:/prompt-00500/1"
    gitprompts.load_prompt(uri)
    out["load_warm_us"] = _per_call(lambda: gitprompts.load_prompt(uri), 20000) * 1e6
    out["load_alias_us"] = (
        _per_call(lambda: gitprompts.load_prompt("prompts:/prompt-00500@production"), 5000) * 1e6
    )

    def fresh_handle_load() -> None:
        gitprompts.Registry(path).get("prompt-00500", 1)

    out["load_fresh_handle_us"] = _per_call(fresh_handle_load, 200) * 1e6
    code = f"import gitprompts; gitprompts.set_registry({str(path)!r}); gitprompts.load_prompt({uri!r})"
    out["load_cold_process_ms"] = (_median_time(lambda: _python(code), 7) - base) * 1e3

    query = "name LIKE 'prompt-000%' AND tags.team != 'x'"
    config.forget_registries()
    gitprompts.set_registry(path)
    start = time.perf_counter()
    found = gitprompts.search_prompts(query)
    out["search_cold_ms"] = (time.perf_counter() - start) * 1e3
    assert len(found) == 100, len(found)
    out["search_warm_ms"] = _per_call(lambda: gitprompts.search_prompts(query), 20) * 1e3

    # load by version: 100 tags vs 100,000 tags in the repository
    # 100,000 tags as 1,000 prompts x 100 versions: the ref count is what a
    # lookup could scale with, and 10,000 x 10 takes ~40 min to build on 2 cores.
    sizes = {"100": (10, 10), "100k": (100, 1000) if quick else (1000, 100)}
    for label, (prompts, versions) in sizes.items():
        path = tmp / f"tags-{label}.git"
        _build(path, prompts, versions)
        target = f"prompts:/prompt-{prompts // 2:05d}/{versions // 2}"
        config.forget_registries()
        gitprompts.set_registry(path)
        gitprompts.load_prompt(target)
        out[f"load_warm_us@{label}tags"] = (
            _per_call(lambda: gitprompts.load_prompt(target), 20000) * 1e6
        )
        name, number = target[len("prompts:/") :].split("/")
        out[f"load_fresh_handle_us@{label}tags"] = (
            _per_call(lambda: gitprompts.Registry(path).get(name, number), 100) * 1e6
        )
        code = f"import gitprompts; gitprompts.set_registry({str(path)!r}); gitprompts.load_prompt({target!r})"
        out[f"load_cold_process_ms@{label}tags"] = (
            _median_time(lambda: _python(code), 5) - base
        ) * 1e3
    gitprompts.set_registry(None)
    return out


# --------------------------------------------------------------------------- MLflow

MLFLOW_WORKER = r"""
import json, logging, os, statistics, sys, tempfile, time, warnings
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
warnings.simplefilter("ignore"); logging.disable(logging.WARNING)
import mlflow
quick = sys.argv[1] == "1"
tmp = tempfile.mkdtemp(prefix="mlflow-bench-")
db = f"sqlite:///{tmp}/mlflow.db"
mlflow.set_tracking_uri(db); mlflow.set_registry_uri(db)
G = mlflow.genai

def per_call(fn, calls, rounds=5):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)

out = {}
for present in ((10, 1000) if quick else (10, 1000)):
    name = f"p{present}"
    for i in range(present):
        G.register_prompt(name, f"t {i}")
    counter = iter(range(10**9))
    out[f"register_ms@{present}"] = per_call(lambda: G.register_prompt(name, f"x {next(counter)}"), 20, 3) * 1e3
for i in range(1000):
    G.register_prompt(f"prompt-{i:05d}", f"Prompt {i} {{{{ topic }}}}")
G.set_prompt_alias("prompt-00500", "production", 1)
uri = "prompts:/prompt-00500/1"
G.load_prompt(uri)
out["load_warm_us"] = per_call(lambda: G.load_prompt(uri), 2000) * 1e6
out["load_alias_us"] = per_call(lambda: G.load_prompt("prompts:/prompt-00500@production"), 200) * 1e6
query = "name LIKE 'prompt-000%'"
found = G.search_prompts(query, max_results=1000)
assert len(found) == 100, len(found)
out["search_warm_ms"] = per_call(lambda: G.search_prompts(query, max_results=1000), 20) * 1e3
out["mlflow_version"] = mlflow.__version__
print(json.dumps(out))
"""


def bench_mlflow(python: str, quick: bool) -> dict[str, float]:
    result = subprocess.run(
        [python, "-c", MLFLOW_WORKER, "1" if quick else "0"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report

TARGETS = {  # key: (what, minimum speed-up over MLflow)
    "register_ms@10": ("register, 10 versions present (ms/version)", 8),
    "register_ms@1000": ("register, 1,000 versions present (ms/version)", 8),
    "load_warm_us": ("load by version, warm (µs)", 10),
    "load_alias_us": ("load by @alias (µs)", None),
    "search_warm_ms": ("search_prompts over 1,000 prompts (ms)", 5),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vs-mlflow", action="store_true", help="run the same workload on MLflow")
    parser.add_argument(
        "--mlflow-python", default=sys.executable, help="interpreter that has mlflow"
    )
    parser.add_argument("--quick", action="store_true", help="smaller registries (a smoke run)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gitprompts-bench-") as tmp:
        os.environ["GITPROMPTS_HOME"] = str(Path(tmp) / "home")
        ours = bench_gitprompts(Path(tmp), args.quick)
    theirs = bench_mlflow(args.mlflow_python, args.quick) if args.vs_mlflow else {}

    print(f"{'measure':52s} {'gitprompts':>12s} {'MLflow':>10s} {'speed-up':>9s} {'target':>7s}")
    for key, value in ours.items():
        what, target = TARGETS.get(key, (key, None))
        other = theirs.get(key)
        ratio = f"{other / value:8.1f}x" if isinstance(other, float) else ""
        mine = f"{value:12.2f}"
        goal = f"≥{target}x" if target and other else ""
        print(
            f"{what:52s} {mine} {other if other is None else round(other, 2)!s:>10s} {ratio:>9s} {goal:>7s}".replace(
                " None", "     "
            )
        )
    if "load_warm_us@100tags" in ours:
        scale = ours["load_fresh_handle_us@100ktags"] / ours["load_fresh_handle_us@100tags"]
        print(
            f"{'load by version, 100k tags / 100 tags (fresh handle)':52s} {scale:11.2f}x {'':>10s} {'':>9s} {'≤2x':>7s}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"gitprompts": ours, "mlflow": theirs}, indent=2))


if __name__ == "__main__":
    main()
