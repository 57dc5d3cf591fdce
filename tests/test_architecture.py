"""The architecture, enforced: layers point down, no import cycles, a small top level.

The layer contract itself is in pyproject.toml (``[tool.importlinter]``):
apps -> facades -> tracing -> models -> remote -> registry -> git -> core, with only
``git/`` importing pygit2, only ``cli/`` importing click, and ``core/`` doing
no I/O.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gitprompts"


def test_layer_contract_holds() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout and " KEPT" in run.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    # Function-level imports count: hiding a cycle inside a function is still a cycle.
    graph = grimp.build_graph("gitprompts", exclude_type_checking_imports=True, cache_dir=None)
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b"]]


def test_top_level_holds_only_facades_and_entry_points() -> None:
    modules = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert modules == [
        "__init__",
        "__main__",
        "api",
        "config",
        "demo",
        "dspy",
        "errors",
        "hooks",
        "langchain",
        "llama_index",
        "openai",
        "pyfunc",
        "sync",
        "types",
    ]
    layers = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    # interop/ is a facade (import/export mlflow), a package because it holds a reader,
    # an importer and an exporter.
    # tracing/ sits between the facades and models/ (it reads models/pins).
    assert layers == [
        "cli",
        "core",
        "fs",
        "git",
        "interop",
        "models",
        "registry",
        "remote",
        "serve",
        "tracing",
    ]
