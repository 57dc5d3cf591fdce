"""Start-up time of the ``gitprompts`` command line (a hyperfine-like loop).

Targets on a 2-core machine: ``gitprompts --help`` under 150 ms and
``gitprompts show x/1`` under 300 ms (median wall time of a fresh process).

    python benchmarks/bench_cli.py            # 20 runs of each, after 3 warm-ups
    python benchmarks/bench_cli.py --runs 50

Runs the console script beside ``sys.executable`` (``python -m gitprompts``
when there is none) in a temporary GITPROMPTS_HOME holding one prompt, and
``python -c pass`` as the floor no Python program can beat.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS_MS = {"--help": 150.0, "show x/1": 300.0}


def command() -> list[str]:
    script = Path(sys.executable).with_name("gitprompts")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gitprompts"]


def measure(
    argv: list[str], runs: int, warmup: int, env: dict[str, str]
) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) milliseconds of each run.

    CPU time is what the process itself costs; on a loaded machine wall time
    also counts waiting for a core, so both are shown.
    """
    wall, cpu = [], []
    for i in range(warmup + runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        elapsed = (time.perf_counter() - start) * 1000
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i >= warmup:
            wall.append(elapsed)
            used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            cpu.append(used * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "GITPROMPTS_HOME": home}
        env.pop("GITPROMPTS_REGISTRY", None)
        subprocess.run(
            [*command(), "register", "x", "-t", "Hello {{ name }}!"],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "--help": [*command(), "--help"],
            "show x/1": [*command(), "show", "x/1"],
            "show x/1 --raw": [*command(), "show", "x/1", "--raw"],
        }
        print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; {' '.join(command())}")
        print(f"{'command':<16} {'wall median':>11} {'min':>8} {'cpu median':>10}  target")
        for label, argv in cases.items():
            wall, cpu = measure(argv, args.runs, args.warmup, env)
            target = TARGETS_MS.get(label)
            verdict = "" if target is None else f"< {target:.0f} ms"
            if target is not None:
                verdict += " ok" if statistics.median(wall) < target else " MISSED"
            print(
                f"{label:<16} {statistics.median(wall):>9.1f}ms {min(wall):>6.1f}ms "
                f"{statistics.median(cpu):>8.1f}ms  {verdict}"
            )


if __name__ == "__main__":
    main()
