#!/usr/bin/env python3
"""Scale: a registry of 10,000 prompts against one of 100, same number of versions.

    python benchmarks/bench_scale.py --dir /tmp/scale            # 10,000 x 10 and 100 x 1,000
    python benchmarks/bench_scale.py --dir /tmp/scale --small    # 1,000 x 10 and 10 x 1,000
    python benchmarks/bench_scale.py --dir /tmp/scale --check    # fast-import == the API, then stop

Builds both registries with ``git fast-import`` writing exactly what
``register_prompt`` writes (gitprompts' own encoders, paths, messages, an
annotated tag per version; ``--check`` builds a small one both ways and
compares the trees and the tags' targets), then measures, side by side:

- a fresh ``gitprompts list``, ``list --filter``, ``show`` and a tab
  completion (start-up included; median of runs, bytecode compiled into a
  private ``PYTHONPYCACHEPREFIX``); the first ``list`` after a write too;
- a warm ``search_prompts``;
- ``register_prompt`` (median of 50) at 10,000 prompts and at 50;
- disk (``du``) while registering 2,000 versions through the API with the
  background maintenance on, against what ``git gc`` makes of it;
- ``git clone --bare`` of both, and ``gitprompts pull`` of one new version.

Figures go to stdout as a table; nothing here is part of the test run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from build_registry import pack_header, read_marks, write_packed_refs

from gitprompts.core import fields, layout, state

AUTHOR = "Bench Bot <bench@example.invalid>"
T0 = 1_700_000_000


def name_of(i: int) -> str:
    return f"prompt-{i:05d}"


def template(i: int, v: int) -> str:
    return (
        f"You are assistant #{i} (version {v}). Answer the question about {{{{ topic }}}} "
        f"in {{{{ style }}}} style.\nQuestion: {{{{ question }}}}\nKeep it under {50 + v} words."
    )


def one_level_paths(name: str) -> tuple[str, str]:
    """The one-level layout main had before (``prompts/<2 hex>/<name>.prompt``): --levels."""
    folder = hashlib.sha256(name.encode()).hexdigest()[:2]
    return (
        f"{layout.PROMPTS_DIR}/{folder}/{name}{layout.PROMPT_SUFFIX}",
        f"{layout.STATE_DIR}/{folder}/{name}{layout.STATE_SUFFIX}",
    )


def version_files(
    name: str, i: int, v: int, *, flat: bool, one_level: bool = False
) -> list[tuple[str, bytes]]:
    """The two files ``register_prompt(name, template(i, v), model_config=...)`` writes."""
    data = fields.encode(fields.prompt_file(template(i, v), model_config={"temperature": 0.2}))
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    st = state.State(latest=v, latest_blob=blob, prompt_tags={})
    prompt_path, state_path = one_level_paths(name) if one_level else layout.paths(name, flat=flat)
    return [(prompt_path, data), (state_path, state.encode(st, state_path))]


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def build(
    out: Path, prompts: int, versions: int, *, flat: bool = False, one_level: bool = False
) -> float:
    """A registry of ``prompts`` x ``versions`` (v1 of every prompt, then v2, ...); seconds."""
    start = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(out)], check=True)
    marks = out / "marks"
    env = {**os.environ, "GIT_DIR": str(out)}
    fi = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done", f"--export-marks={marks}"],
        stdin=subprocess.PIPE,
        env=env,
    )
    assert fi.stdin is not None
    tags = []
    mark = 0
    buf: list[bytes] = []
    for v in range(1, versions + 1):
        for i in range(prompts):
            mark += 1
            name = name_of(i)
            when = b"%d +0000" % (T0 + mark)
            message = layout.default_message(name, v).encode()
            buf.append(b"commit refs/heads/main\nmark :%d\n" % mark)
            buf.append(
                b"author %s %s\ncommitter %s %s\n" % (AUTHOR.encode(), when, AUTHOR.encode(), when)
            )
            buf.append(_data(message))
            for path, payload in version_files(name, i, v, flat=flat, one_level=one_level):
                buf.append(b"M 100644 inline %s\n" % path.encode())
                buf.append(_data(payload))
            buf.append(b"\n")
            tags.append((name, v, mark, when, message))
            if len(buf) > 4000:
                fi.stdin.write(b"".join(buf))
                buf.clear()
    buf.append(b"done\n")
    fi.stdin.write(b"".join(buf))
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("fast-import failed")
    commits = read_marks(str(marks))
    marks.unlink()
    _write_tags(out, tags, commits)
    subprocess.run(["git", "pack-refs", "--all"], env=env, check=True)
    return time.perf_counter() - start


def _write_tags(out: Path, tags: list, commits: dict[int, str]) -> None:
    """Every version's annotated tag, byte for byte as ``GitRepo.write_tag_object`` writes it."""
    import struct
    import zlib

    chunks = [b"PACK" + struct.pack(">II", 2, len(tags))]
    refs = {}
    for name, v, mark, when, message in tags:
        commit = commits[mark]
        raw = b"object %s\ntype commit\ntag %s\ntagger %s %s\n\n%s\n" % (
            commit.encode(),
            layout.tag_name(name, v).encode(),
            AUTHOR.encode(),
            when,
            message,
        )
        oid = hashlib.sha1(b"tag %d\0" % len(raw) + raw).hexdigest()
        refs[layout.tag_ref(name, v)] = (oid, commit)
        chunks.append(pack_header(4, len(raw)) + zlib.compress(raw, 1))
    body = b"".join(chunks)
    subprocess.run(
        ["git", "index-pack", "--stdin"],
        input=body + hashlib.sha1(body).digest(),
        check=True,
        env={**os.environ, "GIT_DIR": str(out)},
        stdout=subprocess.DEVNULL,
    )
    refs[layout.MAIN] = (commits[max(commits)], None)
    write_packed_refs(str(out), refs)


def check(base: Path) -> None:
    """Build 3 prompts x 2 versions both ways; the trees of main must be the same objects."""
    import gitprompts
    from gitprompts.registry import Registry

    fast = base / "check-fast.git"
    build(fast, 3, 2)
    api = Registry(base / "check-api.git")
    for v in (1, 2):
        for i in range(3):
            api.register(name_of(i), template(i, v), model_config={"temperature": 0.2})
    tree = ["git", "rev-parse", "main^{tree}"]
    a = subprocess.run(tree, cwd=fast, capture_output=True, text=True, check=True).stdout
    b = subprocess.run(tree, cwd=api.path, capture_output=True, text=True, check=True).stdout
    assert a == b, f"fast-import tree {a} != API tree {b}"
    loaded = Registry(fast).get(name_of(2), 2)
    assert loaded.template == template(2, 2) and loaded.commit_message is None, loaded
    listed = [(p.name, p.latest_version) for p in Registry(fast).prompts()]
    assert listed == [(name_of(i), 2) for i in range(3)], listed
    print(f"check: fast-import main tree == API main tree ({a.strip()[:12]}); reads back")
    del gitprompts


def du(path: Path) -> int:
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


CPU: dict[int, list[float]] = {}


def fresh(argv: list[str], env: dict[str, str], runs: int, cwd: Path | None = None) -> list[float]:
    """Wall milliseconds of each run; the CPU milliseconds (user + system) go to ``CPU``.

    On a machine other jobs keep busy, wall time also counts waiting for a
    core: CPU time is what the process itself costs.
    """
    import resource

    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, cwd=cwd)
        times.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    CPU[id(times)] = cpu
    return times


def cli_env(registry: Path, cache: Path) -> dict[str, str]:
    env = {**os.environ, "GITPROMPTS_REGISTRY": str(registry), "PYTHONPYCACHEPREFIX": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


def ms(values: list[float]) -> str:
    cpu = CPU.get(id(values))
    if cpu is None:
        return f"{statistics.median(values):.0f} ms"
    return f"{statistics.median(values):.0f} ms (cpu {statistics.median(cpu):.0f})"


def measure_reads(label: str, registry: Path, cache: Path, runs: int) -> dict[str, str]:
    env = cli_env(registry, cache)
    cli = [sys.executable, "-m", "gitprompts"]
    (registry / layout.INDEX_FILE).unlink(missing_ok=True)
    first = fresh([*cli, "list"], env, 1)  # computes the rows, writes the index
    figures = {
        "python -c pass (the floor)": ms(fresh([sys.executable, "-c", "pass"], env, runs)),
        "gitprompts --help": ms(fresh([*cli, "--help"], env, runs)),
        "list, no index yet (fresh process)": ms(first),
        "list (fresh process)": ms(fresh([*cli, "list"], env, runs)),
        "list --filter (fresh process)": ms(
            fresh([*cli, "list", "--filter", "name LIKE 'prompt-000%'"], env, runs)
        ),
        "show NAME (fresh process)": ms(fresh([*cli, "show", name_of(42 % 100)], env, runs)),
    }
    completion = {
        **env,
        "_GITPROMPTS_COMPLETE": "bash_complete",
        "COMP_WORDS": "gitprompts show prompt-0",
        "COMP_CWORD": "2",
    }
    figures["tab completion of a name (fresh process)"] = ms(fresh(cli, completion, runs))
    script = (
        "import time, gitprompts\n"
        f"gitprompts.set_registry({str(registry)!r})\n"
        "gitprompts.search_prompts()\n"
        "t = []\n"
        "for _ in range(20):\n"
        "    s = time.perf_counter(); gitprompts.search_prompts(\"name LIKE 'prompt-0%'\")\n"
        "    t.append(time.perf_counter() - s)\n"
        "t.sort(); print(t[len(t) // 2] * 1000)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    figures["search_prompts, warm"] = f"{float(out.stdout):.1f} ms"
    print(label, figures, flush=True)
    return figures


def register_median(registry: Path, prompts: int, cache: Path, reps: int = 50) -> float:
    script = (
        "import time, statistics, gitprompts\n"
        f"gitprompts.set_registry({str(registry)!r})\n"
        "t = []\n"
        f"for k in range({reps}):\n"
        f"    name = 'prompt-%05d' % ((k * 7919) % {prompts})\n"
        "    s = time.perf_counter(); gitprompts.register_prompt(name, 'bench %d {{ x }}' % k)\n"
        "    t.append(time.perf_counter() - s)\n"
        "print(statistics.median(t) * 1000)\n"
    )
    env = {**cli_env(registry, cache), "GITPROMPTS_MAINTENANCE": "0"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def disk_while_writing(
    registry: Path, prompts: int, cache: Path, writes: int
) -> tuple[float, int, int]:
    """Register ``writes`` versions with maintenance on; worst du / (du after git gc) seen."""
    script = (
        "import sys, subprocess, gitprompts\n"
        f"gitprompts.set_registry({str(registry)!r})\n"
        f"for k in range({writes}):\n"
        f"    gitprompts.register_prompt('prompt-%05d' % ((k * 7919) % {prompts}), 'disk %d {{{{ x }}}}' % k)\n"
        "    if k % 50 == 49:\n"
        "        print(int(subprocess.run(['du', '-sb', sys.argv[1]], capture_output=True, text=True).stdout.split()[0]), flush=True)\n"
    )
    env = {**cli_env(registry, cache), "GITPROMPTS_MAINTENANCE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", script, str(registry)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    sizes = [int(line) for line in out.stdout.split()]
    time.sleep(5)
    copy = registry.with_name(registry.name + "-gc")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(registry, copy)
    subprocess.run(["git", "--git-dir", str(copy), "gc", "--quiet"], check=True)
    gc_size = du(copy)
    shutil.rmtree(copy)
    return max(sizes) / gc_size, max(sizes), gc_size


def disk_from_scratch(base: Path, prompts: int, cache: Path) -> None:
    """Register ``prompts`` prompts through the API into a new registry, maintenance on:
    the worst ``du`` seen against ``du`` after ``git gc``, and the same with it off."""
    for setting in ("1", "0"):
        registry = base / f"scratch-{setting}.git"
        shutil.rmtree(registry, ignore_errors=True)
        script = (
            "import sys, subprocess, gitprompts\n"
            f"gitprompts.get_registry({str(registry)!r}, create=True)\n"
            f"gitprompts.set_registry({str(registry)!r})\n"
            f"for k in range({prompts}):\n"
            "    gitprompts.register_prompt('prompt-%05d' % k, 'scratch %d {{ x }}' % k)\n"
            "    if k % 100 == 99:\n"
            "        du = subprocess.run(['du', '-sb', sys.argv[1]], capture_output=True, text=True)\n"
            "        print(int(du.stdout.split()[0]), flush=True)\n"
        )
        env = {**cli_env(registry, cache), "GITPROMPTS_MAINTENANCE": setting}
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", script, str(registry)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        took = time.perf_counter() - start
        sizes = [int(line) for line in out.stdout.split()]
        time.sleep(10)  # let a last background run finish
        final = du(registry)
        subprocess.run(["git", "--git-dir", str(registry), "gc", "--quiet"], check=True)
        gc_size = du(registry)
        print(
            f"{prompts:,} prompts through the API, maintenance {'on' if setting == '1' else 'off'}: "
            f"{took:.0f} s; worst du {max(sizes) / 2**20:.1f} MiB, at the end {final / 2**20:.1f} MiB, "
            f"after git gc {gc_size / 2**20:.1f} MiB: worst {max(sizes) / gc_size:.1f}x",
            flush=True,
        )


def clone_seconds(registry: Path, target: Path) -> float:
    return clone_times(registry, target)[0]


def clone_times(registry: Path, target: Path) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of ``git clone --bare``; cpu (user + sys of git and its
    children) is what the clone costs itself, steadier than wall on a loaded machine."""
    shutil.rmtree(target, ignore_errors=True)
    before = os.times()
    start = time.perf_counter()
    subprocess.run(["git", "clone", "-q", "--bare", f"file://{registry}", str(target)], check=True)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def compare_levels(base: Path, rounds: int, *, rebuild: bool) -> None:
    """``git clone --bare`` of both shapes, one-level shards vs two-level, alternating.

    The one-level registries are written with ``one_level_paths`` (what main
    had before); only git reads them here, so this one gitprompts need not.
    Sources are ``git gc``'d first, as the maintenance leaves them.
    """
    sources = []
    for prompts, versions in [(10_000, 10), (100, 1000)]:
        for one_level in (True, False):
            tag = "l1" if one_level else "l2"
            path = base / f"{tag}-r{prompts}x{versions}.git"
            if rebuild or not path.exists():
                took = build(path, prompts, versions, one_level=one_level)
                subprocess.run(["git", "--git-dir", str(path), "gc", "--quiet"], check=True)
                print(f"built {path.name} in {took:.0f} s, {du(path) / 2**20:.0f} MiB", flush=True)
            sources.append(path)
    times: dict[str, list[tuple[float, float]]] = {p.name: [] for p in sources}
    for round_ in range(rounds):
        order = sources if round_ % 2 == 0 else sources[::-1]  # the load moves
        for source in order:
            wall, cpu = clone_times(source, base / "clone.git")
            times[source.name].append((wall, cpu))
            print(
                f"round {round_ + 1}: git clone --bare {source.name}: {wall:.1f} s "
                f"(cpu {cpu:.1f} s, load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    wall_median = {name: statistics.median(w for w, _ in t) for name, t in times.items()}
    cpu_median = {name: statistics.median(c for _, c in t) for name, t in times.items()}
    for name in times:
        print(f"{name}: median {wall_median[name]:.1f} s (cpu {cpu_median[name]:.1f} s)")
    for tag in ("l1", "l2"):
        big, small = f"{tag}-r10000x10.git", f"{tag}-r100x1000.git"
        print(
            f"{tag}: clone 10,000 x 10 / 100 x 1,000 = "
            f"{wall_median[big] / wall_median[small]:.2f}x wall, "
            f"{cpu_median[big] / cpu_median[small]:.2f}x cpu"
        )


def compare_register(base: Path, cache: Path, rounds: int) -> None:
    """``register_prompt`` median of 50 at 10,000 prompts and at 50, alternating (--register)."""
    big, small = base / "l2-r10000x10.git", base / "r50.git"
    if not big.exists():
        build(big, 10_000, 10)
    if not small.exists():
        build(small, 50, 10)
    times: dict[int, list[float]] = {10_000: [], 50: []}
    for round_ in range(rounds):
        for prompts, path in [(10_000, big), (50, small)][:: 1 if round_ % 2 == 0 else -1]:
            took = register_median(path, prompts, cache)
            times[prompts].append(took)
            print(f"round {round_ + 1}: register at {prompts:,}: {took:.2f} ms", flush=True)
    at_big, at_small = statistics.median(times[10_000]), statistics.median(times[50])
    print(
        f"register median: {at_big:.2f} ms at 10,000, {at_small:.2f} ms at 50 "
        f"({at_big / at_small:.2f}x; load {os.getloadavg()[0]:.1f})"
    )


def pull_seconds(server: Path, client: Path, cache: Path) -> float:
    env = cli_env(client, cache)
    subprocess.run(  # registered on the server
        [
            sys.executable,
            "-c",
            f"import gitprompts; gitprompts.set_registry({str(server)!r}); "
            "gitprompts.register_prompt('prompt-00001', 'pulled {{ x }}')",
        ],
        env=env,
        check=True,
    )
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "gitprompts", "pull"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def compare_old(
    base: Path, old_tree: Path, cache: Path, prompts: int, runs: int, *, rebuild: bool = True
) -> None:
    """The previous release on a flat registry vs this one on the same flat and on a sharded one.

    ``old_tree`` holds the previous release's ``gitprompts`` package (e.g.
    ``git archive cf1450d gitprompts | tar -x -C /tmp/old``).
    """
    flat = base / f"flat{prompts}.git"
    sharded = base / f"sharded{prompts}.git"
    if rebuild or not flat.exists():
        build(flat, prompts, 1, flat=True)
    if rebuild or not sharded.exists():
        build(sharded, prompts, 1)
    here = Path(__file__).resolve().parent.parent
    results: dict[str, dict[str, str]] = {}
    for label, tree, path in (
        ("previous release, flat", old_tree, flat),
        ("this one, same flat registry", here, flat),
        ("this one, sharded", here, sharded),
    ):
        env = {**cli_env(path, cache), "PYTHONPATH": str(tree), "GITPROMPTS_MAINTENANCE": "0"}
        (path / layout.INDEX_FILE).unlink(missing_ok=True)
        cli = [sys.executable, "-m", "gitprompts", "list"]
        # Run from base: ``python -m`` puts the working directory first on sys.path.
        first = fresh(cli, env, 1, cwd=base)
        again = fresh(cli, env, runs, cwd=base)
        script = (
            "import time, statistics, gitprompts\n"
            f"gitprompts.set_registry({str(path)!r})\n"
            "t = []\n"
            "for k in range(50):\n"
            f"    name = 'prompt-%05d' % ((k * 7919) % {prompts})\n"
            "    s = time.perf_counter(); gitprompts.register_prompt(name, 'bench %d {{ x }}' % k)\n"
            "    t.append(time.perf_counter() - s)\n"
            "print(statistics.median(t) * 1000)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=base,
        )
        results[label] = {
            "fresh list, first": ms(first),
            "fresh list, again": ms(again),
            "register (median of 50)": f"{float(out.stdout):.1f} ms",
        }
        print(label, results[label], flush=True)
    for path in (flat, sharded, flat, sharded):  # alternating: the load moves
        took = clone_seconds(path, base / "clone-cmp.git")
        print(f"git clone --bare {path.name}: {took:.1f} s (load {os.getloadavg()[0]:.1f})")
    print(f"\n{prompts:,} prompts x 1 version; load {os.getloadavg()[0]:.2f}")
    print("| measure | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for key in next(iter(results.values())):
        print(f"| {key} | " + " | ".join(r[key] for r in results.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "gitprompts-scale"
    )
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--old-tree", type=Path, help="the previous release's tree: compare")
    parser.add_argument("--old-prompts", type=int, default=10_000)
    parser.add_argument("--disk", type=int, help="register N prompts from scratch: disk")
    parser.add_argument("--clones", type=int, help="clone both built registries N times each")
    parser.add_argument("--gc-first", action="store_true", help="git gc both before --clones")
    parser.add_argument("--reads-only", action="store_true")
    parser.add_argument("--register", type=int, help="register at 10,000 vs 50, N rounds")
    parser.add_argument(
        "--levels", type=int, help="clone one-level vs two-level shards, N rounds alternating"
    )
    args = parser.parse_args()
    base = args.dir
    base.mkdir(parents=True, exist_ok=True)
    cache = base / "pycache"
    if args.check:
        check(base)
        return
    if args.old_tree:
        compare_old(
            base, args.old_tree, cache, args.old_prompts, args.runs, rebuild=not args.skip_build
        )
        return
    if args.disk:
        disk_from_scratch(base, args.disk, cache)
        return
    if args.register:
        compare_register(base, cache, args.register)
        return
    if args.levels:
        compare_levels(base, args.levels, rebuild=not args.skip_build)
        return
    if args.clones:
        # Side by side, alternating, each source as maintenance leaves it (git gc'd).
        sources = [base / "r10000x10.git", base / "r100x1000.git"]
        if args.gc_first:
            for source in sources:
                subprocess.run(["git", "--git-dir", str(source), "gc", "--quiet"], check=True)
        for round_ in range(args.clones):
            for source in sources:
                took = clone_seconds(source, base / "clone.git")
                print(
                    f"round {round_ + 1}: git clone --bare {source.name}: {took:.1f} s "
                    f"(load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
        return
    if args.reads_only:
        for prompts, versions in [(10_000, 10), (100, 1000)]:
            path = base / f"r{prompts}x{versions}.git"
            measure_reads(f"{prompts:,} x {versions:,}", path, cache, args.runs)
        return
    shapes = [(1000, 10), (10, 1000)] if args.small else [(10_000, 10), (100, 1000)]
    rows: dict[str, dict[str, str]] = {}
    for prompts, versions in shapes:
        label = f"{prompts:,} x {versions:,}"
        path = base / f"r{prompts}x{versions}.git"
        figures: dict[str, str] = {}
        if not args.skip_build:
            figures["build (fast-import)"] = f"{build(path, prompts, versions):.0f} s"
        figures["repository on disk as built (packed)"] = f"{du(path) / 2**20:.0f} MiB"
        figures["git clone --bare"] = f"{clone_seconds(path, base / 'clone.git'):.1f} s"
        figures.update(measure_reads(label, path, cache, args.runs))
        client = base / "client.git"
        shutil.rmtree(client, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "gitprompts", "clone", str(path), str(client)],
            env=cli_env(path, cache),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        figures["gitprompts clone"] = f"{time.perf_counter() - start:.1f} s"
        figures["pull of one new version"] = f"{pull_seconds(path, client, cache) * 1000:.0f} ms"
        figures["register_prompt (median of 50)"] = (
            f"{register_median(path, prompts, cache):.1f} ms"
        )
        ratio, worst, after = disk_while_writing(path, prompts, cache, args.writes)
        figures[f"disk while registering {args.writes:,}: worst / after git gc"] = (
            f"{worst / 2**20:.0f} / {after / 2**20:.0f} MiB ({ratio:.2f}x)"
        )
        rows[label] = figures
        print(label, figures, flush=True)
    small = base / "r50.git"
    if not args.skip_build:
        build(small, 50, 10)
    rows["50 x 10"] = {
        "register_prompt (median of 50)": f"{register_median(small, 50, cache):.1f} ms"
    }
    labels = list(rows)
    keys = list(dict.fromkeys(k for r in rows.values() for k in r))
    print(f"\n{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print("| measure | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for key in keys:
        print(f"| {key} | " + " | ".join(rows[lab].get(key, "") for lab in labels) + " |")


if __name__ == "__main__":
    main()
