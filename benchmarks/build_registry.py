#!/usr/bin/env python3
"""Build a synthetic gitprompts registry (bare git repo) with git fast-import.

Shape (matches the gitprompts registry contract):
  * branch `main`, linear, one commit per prompt version;
    each commit writes `prompts/<name>.prompt` (YAML front matter + body) and the
    prompt's small state file (default `state/<name>.json`, holding the latest
    version number), so a client can tell from main's tree which versions exist;
  * version N of prompt `name` is the annotated tag `prompts/<name>/<N>` on the
    commit that wrote it;
  * model links: notes on some version commits in `refs/notes/gitprompts-models`;
  * tag objects are written as one extra pack and all refs as packed-refs,
    then `git pack-refs --all` (optionally `--gc`: repack -adb + commit-graph,
    i.e. what `git gc` on a server would leave).

Usage:
  build_registry.py OUT.git [--prompts 10000] [--versions 10] [--notes 1000]
                    [--order prompt-major|round-robin] [--state-path TEMPLATE] [--gc]

Only the git CLI (fast-import, pack-refs) is needed; no third-party packages.
Deterministic: same arguments -> same object ids.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import struct
import subprocess
import sys
import time
import zlib

AUTHOR = b"Prompt Bot <bot@example.com>"
T0 = 1_600_000_000  # base timestamp, +60 s per commit


def name_of(i: int) -> str:
    return f"prompt-{i:05d}"


def prompt_file(name: str, i: int, v: int) -> bytes:
    body = (
        f"You are assistant #{i} (version {v}). Answer the user's question "
        f"about {{{{ topic }}}} in {{{{ style }}}} style.\n"
        f"Question: {{{{ question }}}}\n"
        f"Keep it under {50 + v} words. Revision note {i * 131 + v * 7}.\n"
    )
    return (
        "---\n"
        "type: text\n"
        f"commit_message: v{v} of {name}\n"
        "model_config: {temperature: 0.2}\n"
        "---\n" + body
    ).encode()


def state_file(name: str, v: int, prompt: bytes) -> bytes:
    """The state record exactly as gitprompts.state.encode writes it."""
    blob = hashlib.sha1(b"blob %d\0" % len(prompt) + prompt).hexdigest()
    return (
        '{\n  "aliases": {},\n  "deleted": [],\n  "latest": %d,\n  "latest_blob": "%s",\n'
        '  "schema_version": 1,\n  "version_tags": {}\n}\n' % (v, blob)
    ).encode()


def data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def stream(args, out, tags):
    """Write the fast-import stream (commits, blobs, notes) to `out`.

    Tags are not emitted: fast-import would write 100k loose ref files (slow on
    this filesystem, ~0.6 ms each) and then pack-refs would delete them again.
    Instead (name, version, commit mark, timestamp) is appended to `tags`.
    """
    P, V = args.prompts, args.versions
    if args.order == "round-robin":
        order = ((i, v) for v in range(1, V + 1) for i in range(P))
    else:
        order = ((i, v) for i in range(P) for v in range(1, V + 1))
    mark = 0
    note_every = max(1, (P * V) // args.notes) if args.notes else 0
    noted = []  # commit marks that get a model note
    buf = []
    for i, v in order:
        mark += 1
        name = name_of(i)
        ts = b"%d +0000" % (T0 + 60 * mark)
        msg = f"register {name} v{v}\n".encode()
        buf.append(b"commit refs/heads/main\nmark :%d\n" % mark)
        buf.append(b"author %s %s\ncommitter %s %s\n" % (AUTHOR, ts, AUTHOR, ts))
        buf.append(data(msg))
        prompt = prompt_file(name, i, v)
        buf.append(b"M 100644 inline prompts/%s.prompt\n" % name.encode())
        buf.append(data(prompt))
        sp = args.state_path.format(name=name, shard=name[-2:]).encode()
        buf.append(b"M 100644 inline %s\n" % sp)
        buf.append(data(state_file(name, v, prompt)))
        buf.append(b"\n")
        tags.append((name, v, mark, ts))
        if note_every and mark % note_every == 0 and len(noted) < args.notes:
            noted.append(mark)
        if len(buf) > 4000:
            out.write(b"".join(buf))
            buf.clear()
    # model links as git notes, 100 per notes commit
    for k in range(0, len(noted), 100):
        ts = b"%d +0000" % (T0 + 60 * (mark + 1 + k))
        buf.append(b"commit refs/notes/gitprompts-models\n")
        buf.append(b"committer %s %s\n" % (AUTHOR, ts))
        buf.append(data(b"log models\n"))
        for m in noted[k : k + 100]:
            buf.append(b"N inline :%d\n" % m)
            buf.append(data(b"models:/m-%06d\n" % m))
        buf.append(b"\n")
    buf.append(b"done\n")
    out.write(b"".join(buf))


def tag_object(commit_hex: str, name: str, v: int, ts: bytes) -> bytes:
    """Bytes of the annotated tag object, exactly as `git tag -a`/fast-import write it."""
    return b"object %s\ntype commit\ntag prompts/%s/%d\ntagger %s %s\n\n%s version %d\n" % (
        commit_hex.encode(),
        name.encode(),
        v,
        AUTHOR,
        ts,
        name.encode(),
        v,
    )


def pack_header(obj_type: int, size: int) -> bytes:
    b = bytearray()
    c = (obj_type << 4) | (size & 15)
    size >>= 4
    while size:
        b.append(c | 0x80)
        c = size & 0x7F
        size >>= 7
    b.append(c)
    return bytes(b)


def write_tags(git_dir: str, tags, marks: dict) -> dict:
    """Write all tag objects as one pack (git index-pack makes the .idx); return refname -> (tag, commit)."""
    OBJ_TAG = 4
    h = hashlib.sha1()
    chunks = [b"PACK" + struct.pack(">II", 2, len(tags))]
    refs = {}
    for name, v, mark, ts in tags:
        commit = marks[mark]
        raw = tag_object(commit, name, v, ts)
        oid = hashlib.sha1(b"tag %d\0" % len(raw) + raw).hexdigest()
        refs[f"refs/tags/prompts/{name}/{v}"] = (oid, commit)
        chunks.append(pack_header(OBJ_TAG, len(raw)) + zlib.compress(raw, 1))
    body = b"".join(chunks)
    h.update(body)
    env = dict(os.environ, GIT_DIR=git_dir)
    subprocess.run(
        ["git", "index-pack", "--stdin"],
        input=body + h.digest(),
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return refs


def write_packed_refs(git_dir: str, refs: dict) -> None:
    """packed-refs with peeled lines, sorted, as `git pack-refs` writes it."""
    lines = [b"# pack-refs with: peeled fully-peeled sorted \n"]
    for ref in sorted(refs, key=str.encode):
        oid, peeled = refs[ref]
        lines.append(f"{oid} {ref}\n".encode())
        if peeled:
            lines.append(f"^{peeled}\n".encode())
    tmp = os.path.join(git_dir, "packed-refs.new")
    with open(tmp, "wb") as f:
        f.writelines(lines)
    os.replace(tmp, os.path.join(git_dir, "packed-refs"))


def read_marks(path: str) -> dict:
    marks = {}
    with open(path) as f:
        for line in f:
            m, oid = line.split()
            marks[int(m[1:])] = oid
    return marks


def run(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, **kw)
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("out")
    ap.add_argument("--prompts", type=int, default=10_000)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--notes", type=int, default=1000, help="version commits carrying a model note")
    ap.add_argument(
        "--order",
        choices=["round-robin", "prompt-major"],
        default="prompt-major",
        help="round-robin: v1 of every prompt, then v2 ... (mature registry); "
        "prompt-major: all versions of prompt 0, then prompt 1 ...",
    )
    ap.add_argument(
        "--state-path",
        default="state/{name}.json",
        help="state file path template; {name}, {shard} (last 2 chars) available",
    )
    ap.add_argument("--gc", action="store_true", help="also repack -adb and write a commit-graph")
    ap.add_argument("--force", action="store_true", help="replace OUT if it exists")
    a = ap.parse_args(argv)

    if os.path.exists(a.out):
        if not a.force:
            sys.exit(f"{a.out} exists (use --force)")
        subprocess.run(["rm", "-rf", a.out], check=True)
    times = {}
    t_all = time.perf_counter()
    times["init"] = run(["git", "init", "-q", "--bare", "-b", "main", a.out])
    env = dict(os.environ, GIT_DIR=a.out)
    t = time.perf_counter()
    marks_file = os.path.join(a.out, "fast-import.marks")
    fi = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done", f"--export-marks={marks_file}"],
        stdin=subprocess.PIPE,
        env=env,
    )
    tags = []
    stream(a, fi.stdin, tags)
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("fast-import failed")
    times["fast-import"] = time.perf_counter() - t
    t = time.perf_counter()
    marks = read_marks(marks_file)
    os.unlink(marks_file)
    refs = write_tags(a.out, tags, marks)
    write_packed_refs(a.out, refs)
    times["tags+packed-refs"] = time.perf_counter() - t
    times["pack-refs"] = run(["git", "pack-refs", "--all"], env=env)
    if a.gc:
        times["repack -adb"] = run(["git", "repack", "-q", "-a", "-d", "-b"], env=env)
        times["commit-graph"] = run(["git", "commit-graph", "write", "--reachable"], env=env)
    times["total"] = time.perf_counter() - t_all
    n_refs = subprocess.run(
        ["git", "for-each-ref", "--format=x"], env=env, check=True, capture_output=True
    ).stdout.count(b"\n")
    n_commits = subprocess.run(
        ["git", "rev-list", "--count", "main"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    print(f"{a.out}: {n_refs} refs, {n_commits} commits on main")
    for k, v in times.items():
        print(f"{k:14s} {v:8.2f} s")


if __name__ == "__main__":
    main()
