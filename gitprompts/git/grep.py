"""Which files of a commit's directory contain a string: ``git grep`` over the tree.

The prompts list searches template text with it: git reads the blobs in C,
without a work tree, and answers in about a tenth of a second at 10,000
prompts (README, "Serve"), where parsing every prompt file in Python
takes tens of seconds.

>>> files_containing(Path("registry.git"), "refs/heads/main", "prompts", "plain")  # doctest: +SKIP
['prompts/summarize.prompt']
"""

from __future__ import annotations

from pathlib import Path

from gitprompts.git import command

MAX_NEEDLE = 1000


def files_containing(repo: Path, ref: str, directory: str, needle: str) -> list[str]:
    """Paths under ``directory/`` at ``ref`` whose bytes contain ``needle`` (any case, literally).

    An unknown ``ref`` or an empty ``needle`` finds nothing.
    """
    if not needle or "\0" in needle or "\n" in needle:
        return []
    out = command.run_bytes(
        [
            "--literal-pathspecs",
            "grep",
            "-z",
            "-l",
            "-i",
            "-F",
            "-e",
            needle[:MAX_NEEDLE],
            ref,
            "--",
            directory + "/",
        ],
        git_dir=repo,
        check=False,  # exit 1 means no match
    )
    prefix = ref + ":"
    return [
        line.decode("utf-8", "replace").removeprefix(prefix) for line in out.split(b"\0") if line
    ]
