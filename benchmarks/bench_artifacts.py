"""Benchmark: models travelling through an S3-compatible store, beside boto3 in the same run.

    python benchmarks/bench_artifacts.py [--sizes 1,200] [--reps 3]

Starts moto's standalone S3 server on 127.0.0.1 (a subprocess, stopped at
the end) and, for an artifact of each size (MB of random bytes):

- upload of the model's artifact set (the artifact, the model's script, its
  pinned prompt copy, the manifest): gitprompts (``transfers.upload_model``:
  HEAD each object, a streamed multipart PUT through obstore hashing as it
  sends, then the manifest) beside boto3's ``upload_file`` of the same files
  to the same server, and ``aws s3 cp`` of the artifact alone when the AWS
  CLI is installed;
- download of the set into a cold cache, as ``load_model`` does it (manifest,
  then the objects side by side: stream, hash while writing a temp file,
  rename into the cache, then read and verify) beside boto3's
  ``download_file`` of the same files;
- peak RSS of a fresh process doing each gitprompts transfer, against the same
  process's RSS before it (``resource.getrusage``): memory stays flat if the
  difference does not grow with the artifact.

Then a re-push of an unchanged model (bytes and objects sent must be 0) and
``load_model`` of a small models-from-code model from a cold cache.
Medians of ``--reps``; ratios are boto3 / gitprompts (above 1: gitprompts faster).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRIPT = """\
import gitprompts

PROMPT = gitprompts.load_prompt("prompts:/bench-prompt@production")


def predict(model_input):
    return [PROMPT.format(question=q) for q in model_input]


gitprompts.set_model(predict)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto server did not start")


def make_bucket(endpoint: str) -> str:
    name = f"bench-{uuid.uuid4().hex[:10]}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{name}", method="PUT")).read()
    return name


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def object_digests(info: object) -> list[str]:
    manifest = info.manifest  # type: ignore[attr-defined]
    return sorted({f.sha256 for f in manifest.files} | {p.sha256 for p in manifest.prompts})


def boto_upload_set(s3: object, bucket: str, keys: dict[str, Path]) -> None:
    for key, path in keys.items():
        s3.upload_file(str(path), bucket, f"boto/{key}")  # type: ignore[attr-defined]


def boto_download_set(s3: object, bucket: str, keys: dict[str, Path], target: Path) -> None:
    for key in keys:
        path = target / key
        path.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, f"boto/{key}", str(path))  # type: ignore[attr-defined]


def fetch_set(cold: object, model_id: str) -> None:
    """What a cold ``load_model`` moves: the manifest, then every object, side by side."""
    from gitprompts.models.sources import locate

    located = locate(f"models:/{model_id}", cold)  # type: ignore[arg-type]
    located.read_all()


def rss_mb() -> float:
    """Peak RSS of this process since it started (exec), in MB.

    Linux's VmHWM, not ``getrusage``'s ru_maxrss: that one is inherited across
    fork and exec, so a child of a parent that held 200 MB would start at 200 MB.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, model_id: str, digest: str, size: int) -> None:
    """In a fresh process: RSS before (imports done) and peak after one transfer."""
    import gitprompts  # noqa: F401
    from gitprompts.models.store import Store
    from gitprompts.models.stores import location, transfers

    store = Store()
    remote = location.shared_store()
    assert remote is not None
    remote.exists("warm-up")  # the client and its imports, before the baseline
    before = rss_mb()
    if mode == "upload":
        transfers.upload_model(store, remote, model_id)
    else:
        transfers.fetch_object(store, digest, size, "bench")
    print(json.dumps({"before": before, "peak": rss_mb()}))


def run_child(mode: str, env: dict[str, str], model_id: str, digest: str, size: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, model_id, digest, str(size)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,200", help="artifact sizes in MB")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, model_id, digest, size = args.child
        child(mode, model_id, digest, int(size))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-artifacts-"))
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = start_moto(port)
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    try:
        import boto3

        s3 = boto3.client("s3", endpoint_url=endpoint)
        import gitprompts
        from gitprompts import config
        from gitprompts.models.store import Store
        from gitprompts.models.stores import location, transfers

        rows = []
        for size_mb in [int(s) for s in args.sizes.split(",")]:
            size = size_mb << 20
            data_dir = work / f"data-{size_mb}"
            data_dir.mkdir()
            blob = data_dir / "weights.bin"
            with open(blob, "wb") as f:
                for _ in range(size_mb):
                    f.write(os.urandom(1 << 20))
            home = work / f"home-{size_mb}"
            os.environ["GITPROMPTS_HOME"] = str(home)
            config.forget_registries()
            gitprompts.get_registry()
            script = work / f"bench_model_{size_mb}.py"
            script.write_text(SCRIPT)
            gitprompts.register_prompt("bench-prompt", "Answer: {{ question }}")
            gitprompts.set_prompt_alias("bench-prompt", "production", 1)
            info = gitprompts.log_model(str(script), name="m", code_paths=[str(data_dir)])
            digest = next(f.sha256 for f in info.files if f.path.endswith("weights.bin"))
            store = Store()
            # The artifact set: every object of the model, then its manifest (what
            # gitprompts moves); boto3 moves the same files one upload_file each.
            keys = {transfers.object_key(d): store.object_path(d) for d in object_digests(info)}
            keys[f"models/{info.model_id}.json"] = store.root / "models" / f"{info.model_id}.json"
            ups, downs, b_ups, b_downs, cli_ups = [], [], [], [], []
            for _ in range(args.reps):
                bucket = make_bucket(endpoint)
                os.environ["GITPROMPTS_ARTIFACTS"] = f"s3://{bucket}/gp"
                remote = location.shared_store()
                assert remote is not None
                ups.append(timed(lambda r=remote: transfers.upload_model(store, r, info.model_id)))
                b_ups.append(timed(lambda b=bucket: boto_upload_set(s3, b, keys)))
                if shutil.which("aws"):
                    cmd = ["aws", "s3", "cp", "--quiet", str(blob), f"s3://{bucket}/cli/w.bin"]
                    cli_ups.append(timed(lambda c=cmd: subprocess.run(c, env=env, check=True)))
                cold = Store(work / f"cold-{uuid.uuid4().hex}")
                cold.shared = True  # a fresh cache of the same shared store
                downs.append(timed(lambda c=cold: fetch_set(c, info.model_id)))
                target = work / "boto-download"
                b_downs.append(timed(lambda b=bucket: boto_download_set(s3, b, keys, target)))
                shutil.rmtree(target)
                shutil.rmtree(cold.root)
            child_env = {
                **env,
                "GITPROMPTS_HOME": str(home),
                "GITPROMPTS_ARTIFACTS": f"s3://{make_bucket(endpoint)}/gp",
            }
            up_rss = run_child("upload", child_env, info.model_id, digest, size)
            os.unlink(Store().object_path(digest))
            down_rss = run_child("download", child_env, info.model_id, digest, size)
            # The object is back in the cache, fetched by the child.
            rows.append((size_mb, ups, b_ups, cli_ups, downs, b_downs, up_rss, down_rss))

        # A re-push of an unchanged model, and load_model from a cold cache.
        os.environ["GITPROMPTS_HOME"] = str(work / "repush")
        os.environ["GITPROMPTS_ARTIFACTS"] = f"s3://{make_bucket(endpoint)}/gp"
        config.forget_registries()
        reg = gitprompts.get_registry()
        gitprompts.register_prompt("bench-prompt", "Answer: {{ question }}")
        gitprompts.set_prompt_alias("bench-prompt", "production", 1)
        script = work / "bench_model_small.py"
        script.write_text(SCRIPT)
        shared = os.environ.pop("GITPROMPTS_ARTIFACTS")  # logged here only, pushed later
        small = gitprompts.log_model(str(script), name="m", prompts=["bench-prompt/1"])
        os.environ["GITPROMPTS_ARTIFACTS"] = shared
        first = transfers.ensure_pushed(reg)
        start = time.perf_counter()
        again = transfers.ensure_pushed(reg)
        repush_s = time.perf_counter() - start
        loads = []
        for rep in range(args.reps):
            os.environ["GITPROMPTS_HOME"] = str(work / f"cold-load-{rep}")
            config.forget_registries()
            loads.append(timed(lambda: gitprompts.load_model(small.model_uri)))
    finally:
        moto.terminate()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)

    med = statistics.median
    print(f"moto S3 server on 127.0.0.1, medians of {args.reps}; ratio = boto3 / gitprompts")
    print(f"{'artifact':>9} | {'op':8} | all runs (s): gitprompts / boto3")
    for size_mb, ups, b_ups, _, downs, b_downs, _, _ in rows:
        for op, ours, theirs in (("upload", ups, b_ups), ("download", downs, b_downs)):
            print(
                f"{size_mb:>6} MB | {op:8} | {' '.join(f'{t:.2f}' for t in ours)} / "
                f"{' '.join(f'{t:.2f}' for t in theirs)}"
            )
    print(
        f"{'artifact':>9} | {'op':8} | {'gitprompts':>10} | {'boto3':>8} | {'ratio':>5} | aws cli"
    )
    for size_mb, ups, b_ups, cli_ups, downs, b_downs, up_rss, down_rss in rows:
        cli = f"{med(cli_ups):.2f} s" if cli_ups else "not installed"
        print(
            f"{size_mb:>6} MB | upload   | {med(ups):>8.3f} s | {med(b_ups):>6.3f} s | "
            f"{med(b_ups) / med(ups):>5.2f} | {cli}"
        )
        print(
            f"{size_mb:>6} MB | download | {med(downs):>8.3f} s | {med(b_downs):>6.3f} s | "
            f"{med(b_downs) / med(downs):>5.2f} |"
        )
        for mode, r in (("upload", up_rss), ("download", down_rss)):
            print(
                f"{size_mb:>6} MB | {mode} RSS: {r['before']:.0f} MB before, peak "
                f"{r['peak']:.0f} MB (+{r['peak'] - r['before']:.0f} MB)"
            )
    print(f"first push of a small model: {first.objects} objects, {first.bytes} bytes")
    print(
        f"re-push of it unchanged: {again.objects} objects, {again.bytes} bytes sent, "
        f"{repush_s * 1000:.1f} ms (one LIST)"
    )
    print(f"load_model of it from a cold cache: {med(loads) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
