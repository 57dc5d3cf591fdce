"""MLflow interop, side by side with MLflow itself, in one run (needs a Python with MLflow).

``load``: MLflow's own client (``mlflow.genai.load_prompt``, its cache off so
every load is a request) against ``gitprompts serve`` and against ``mlflow
server`` (sqlite), both started here as child processes on 127.0.0.1 and
holding the same prompt; loads alternate between the two, medians and the
ratio are printed.

``import``: fills an MLflow sqlite store with PROMPTS x VERSIONS through
MLflow's own store API (its REST API would take hours for 10,000 versions),
serves it with ``mlflow server`` and times ``gitprompts import mlflow URL``
into an empty registry, then a second (no-op) import.

    python benchmarks/bench_mlflow_interop.py load --reps 200
    python benchmarks/bench_mlflow_interop.py import --prompts 1000 --versions 10
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server for {url} exited")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_mlflow(db: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{db}",
         "--default-artifact-root", str(db.parent / "artifacts"), "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait(url + "/health", proc)
    return url, proc


def start_serve(registry: Path, token_file: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), GITPROMPTS_REGISTRY=str(registry))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitprompts", "serve", "--port", str(port), "--token-file", str(token_file)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait(url + "/api/2.0/mlflow/registered-models/get?name=x", proc)
    return url, proc


def bench_load(reps: int) -> None:
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run([sys.executable, "-m", "gitprompts", "init", str(work / "r.git")], check=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True)  # fmt: skip
        (work / "token").write_text(TOKEN)
        ml_url, ml_proc = start_mlflow(work / "mlflow.db")
        gp_url, gp_proc = start_serve(work / "r.git", work / "token")
        try:
            os.environ["MLFLOW_TRACKING_TOKEN"] = TOKEN
            for url in (ml_url, gp_url):
                mlflow.set_tracking_uri(url)
                mlflow.genai.register_prompt("bench", "Summarize {{ text }} in {{ n }} sentences.",
                                             commit_message="v1", tags={"team": "nlp"})  # fmt: skip
                mlflow.genai.set_prompt_alias("bench", "production", 1)
            results = {}
            for uri in ("prompts:/bench/1", "prompts:/bench@production"):
                times: dict[str, list[float]] = {"mlflow server": [], "gitprompts serve": []}
                for i in range(reps + 5):
                    for label, url in (("mlflow server", ml_url), ("gitprompts serve", gp_url)):
                        mlflow.set_tracking_uri(url)
                        start = time.perf_counter()
                        pv = mlflow.genai.load_prompt(uri, cache_ttl_seconds=0)
                        elapsed = time.perf_counter() - start
                        assert pv.template.startswith("Summarize")
                        if i >= 5:  # warm-up
                            times[label].append(elapsed)
                results[uri] = {k: statistics.median(v) for k, v in times.items()}
            print(f"load_prompt through MLflow's client, median of {reps} (cache off):")
            print(f"{'URI':32} {'mlflow server':>14} {'gitprompts serve':>17} {'mlflow/serve':>13}")
            for uri, r in results.items():
                ratio = r["mlflow server"] / r["gitprompts serve"]
                print(
                    f"{uri:32} {r['mlflow server'] * 1e3:11.1f} ms {r['gitprompts serve'] * 1e3:14.1f} ms {ratio:12.2f}x"
                )
        finally:
            for proc in (ml_proc, gp_proc):
                stop(proc)


def bench_import(prompts: int, versions: int) -> None:
    from mlflow.entities.model_registry import ModelVersionTag, RegisteredModelTag
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    from gitprompts.core.mlflow_wire import IS_PROMPT_TAG, TEXT_TAG, TYPE_TAG

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "mlflow.db"
        start = time.perf_counter()
        store = SqlAlchemyStore(f"sqlite:///{db}")
        for p in range(prompts):
            name = f"prompt-{p:05d}"
            store.create_registered_model(name, tags=[RegisteredModelTag(IS_PROMPT_TAG, "true"),
                                                      RegisteredModelTag("team", f"t{p % 7}")])  # fmt: skip
            for v in range(versions):
                store.create_model_version(name, "dummy-source", tags=[
                    ModelVersionTag(IS_PROMPT_TAG, "true"), ModelVersionTag(TYPE_TAG, "text"),
                    ModelVersionTag(TEXT_TAG, f"Version {v + 1} of {name}: {{{{ text }}}}")],
                    description=f"version {v + 1}")  # fmt: skip
            store.set_registered_model_alias(name, "production", str(versions))
        built = time.perf_counter() - start
        print(
            f"built MLflow store: {prompts} prompts x {versions} versions in {built:.0f} s (MLflow's store API)"
        )
        ml_url, ml_proc = start_mlflow(db)
        try:
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            registry = work / "r.git"
            subprocess.run([sys.executable, "-m", "gitprompts", "init", str(registry)], check=True, env=env,
                           capture_output=True)  # fmt: skip
            for label in ("first import", "re-import (no-op)"):
                start = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "gitprompts", "--registry", str(registry), "import", "mlflow",
                     ml_url, "--json"], env=env, capture_output=True, text=True, check=True)  # fmt: skip
                elapsed = time.perf_counter() - start
                count = done.stdout.count("prompts:/")
                print(f"{label}: {elapsed:.1f} s ({count} URIs reported)")
        finally:
            stop(ml_proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    load = sub.add_parser("load")
    load.add_argument("--reps", type=int, default=200)
    imp = sub.add_parser("import")
    imp.add_argument("--prompts", type=int, default=1000)
    imp.add_argument("--versions", type=int, default=10)
    args = parser.parse_args()
    if args.what == "load":
        bench_load(args.reps)
    else:
        bench_import(args.prompts, args.versions)


if __name__ == "__main__":
    main()
