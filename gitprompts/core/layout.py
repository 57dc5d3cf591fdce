"""The repository contract: where everything lives in a registry, in one module.

Plain git users and other tools rely on this layout, and the writer, the
reader, sync and the server hook must agree on it to the letter, so every
path, ref name and numbering rule is spelled here and nowhere else:

- ``main`` holds ``prompts/<h1>/<h2>/<name>.prompt`` (the newest version's
  file) and ``state/<h1>/<h2>/<name>.json`` (aliases, deleted versions, edited
  tags, the highest number given out), where ``<h1>`` and ``<h2>`` are the
  first and the second hex digit of the SHA-256 of the name (``shard``):
  16 × 16 directories, so no tree has one entry per prompt and a version
  rewrites a bounded number of tree entries. A registry from before
  (``prompts/<name>.prompt``, ``state/<name>.json``: the flat layout) is
  still read, and written flat until ``gitprompts migrate``;
- version N of ``name`` is the annotated tag ``prompts/<name>/<N>``;
- which models use a version is a git note in ``refs/notes/gitprompts-models``;
- a remote's ``main`` and notes are tracked under ``refs/remotes/<remote>/``.

>>> tag_ref("greet", 3)
'refs/tags/prompts/greet/3'
>>> parse_tag_ref("refs/tags/prompts/greet/3")
('greet', 3)
>>> parse_tag_ref("refs/tags/prompts/greet/03") is None
True
>>> prompt_path("greet")
'prompts/2/3/greet.prompt'
>>> name_from_path("state/2/3/greet.json"), name_from_path("state/greet.json")
('greet', 'greet')
>>> name_from_path("state/0/0/greet.json") is None   # not greet's shard
True
>>> name_from_path("state/23/greet.json") is None    # one level: never a layout
True
>>> next_number(2, lambda n: n == 3)
4
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from gitprompts.core.uri import SCHEME, parse_version, validate_name
from gitprompts.errors import InvalidPromptNameError, InvalidVersionError

MAIN_BRANCH = "main"
MAIN = f"refs/heads/{MAIN_BRANCH}"
MODELS_NOTES = "refs/notes/gitprompts-models"
TAGS = "refs/tags/"
VERSION_TAGS = f"{TAGS}prompts/"
PROMPTS_DIR = "prompts"
PROMPT_SUFFIX = ".prompt"
STATE_DIR = "state"
STATE_SUFFIX = ".json"
# Files inside the bare repository that only gitprompts writers use.
LOCK_FILE = "gitprompts.lock"
TXN_FILE = "gitprompts.txn"


# The directory levels between prompts/ (state/) and a prompt's file: one hex
# digit each, two levels, 16 × 16 = 256 leaf directories. At 10,000 prompts a
# leaf holds ~40 files, so a version rewrites 16 + 16 + ~40 entries per side
# instead of 20,000 (flat) or 256 + ~40 (one level of two hex digits, which
# made a clone of 10,000 × 10 versions 1.7× the clone of 100 × 1,000: clone
# inflates and hashes every tree of every commit); measured side by side in
# benchmarks/bench_scale.py --levels (README "Scale"). A hash, not the name's
# first letters (crates.io, Homebrew): prompt names share prefixes
# ("team-..."), and a prefix shard would put them all in one tree again.
SHARD_LEVELS = 2
SHARD_HEX = 1  # hex digits per level
# Files inside the bare repository that only gitprompts readers use: the
# listing index (derived from main, never the source of truth) and when
# maintenance last started.
INDEX_FILE = "gitprompts.index"
MAINTENANCE_FILE = "gitprompts.maintenance"


def shard(name: str) -> str:
    """The shard directories of ``name``: ``<h1>/<h2>``, the first two hex digits of sha256(name).

    The same as ``printf %s NAME | sha256sum | cut -c1`` and ``cut -c2`` in a shell.

    >>> shard("greet")
    '2/3'
    """
    digest = hashlib.sha256(name.encode()).hexdigest()
    return "/".join(digest[i * SHARD_HEX : (i + 1) * SHARD_HEX] for i in range(SHARD_LEVELS))


def prompt_path(name: str) -> str:
    """``prompts/<h1>/<h2>/<name>.prompt``: the newest version's file on ``main``."""
    return f"{PROMPTS_DIR}/{shard(name)}/{name}{PROMPT_SUFFIX}"


def state_path(name: str) -> str:
    """``state/<h1>/<h2>/<name>.json``: what changes about a prompt after its versions are made."""
    return f"{STATE_DIR}/{shard(name)}/{name}{STATE_SUFFIX}"


def flat_prompt_path(name: str) -> str:
    """``prompts/<name>.prompt``: where the flat layout (before sharding) keeps the file."""
    return f"{PROMPTS_DIR}/{name}{PROMPT_SUFFIX}"


def flat_state_path(name: str) -> str:
    """``state/<name>.json``: where the flat layout keeps the state file."""
    return f"{STATE_DIR}/{name}{STATE_SUFFIX}"


def prompt_paths(name: str) -> tuple[str, str]:
    """Where a commit may hold ``name``'s file, in the order readers look: sharded, then flat.

    Version tags of a migrated registry point at commits of both layouts.
    """
    return prompt_path(name), flat_prompt_path(name)


def state_paths(name: str) -> tuple[str, str]:
    """Where a commit may hold ``name``'s state file: sharded, then flat."""
    return state_path(name), flat_state_path(name)


def paths(name: str, *, flat: bool) -> tuple[str, str]:
    """``(prompt file, state file)`` of ``name`` in the sharded layout, or the flat one."""
    if flat:
        return flat_prompt_path(name), flat_state_path(name)
    return prompt_path(name), state_path(name)


def name_from_path(path: str) -> str | None:
    """The prompt a ``prompts/`` or ``state/`` path on ``main`` belongs to; None for other paths.

    Both layouts: ``prompts/<name>.prompt`` and ``prompts/<h1>/<h2>/<name>.prompt``
    (only in the name's own shard; any other depth is no prompt's file).
    """
    for directory, suffix in ((PROMPTS_DIR, PROMPT_SUFFIX), (STATE_DIR, STATE_SUFFIX)):
        if path.startswith(directory + "/") and path.endswith(suffix):
            rest = path[len(directory) + 1 : -len(suffix)]
            folder, _, name = rest.rpartition("/")
            if not name:
                return None
            if folder and folder != shard(name):
                return None
            return name
    return None


def is_flat_path(path: str) -> bool:
    """Whether ``path`` is a file directly under ``prompts/`` or ``state/`` (the flat layout)."""
    directory, _, rest = path.partition("/")
    return directory in (PROMPTS_DIR, STATE_DIR) and bool(rest) and "/" not in rest


def tag_name(name: str, version: int) -> str:
    """``prompts/<name>/<version>``: the version's tag, as ``git tag`` shows it."""
    return f"prompts/{name}/{version}"


def tag_ref(name: str, version: int) -> str:
    """``refs/tags/prompts/<name>/<version>``."""
    return TAGS + tag_name(name, version)


def tag_glob(name: str) -> str:
    """``refs/tags/prompts/<name>/*``: every version tag of ``name`` (a refspec pattern)."""
    return f"{VERSION_TAGS}{name}/*"


def parse_tag_ref(ref: str) -> tuple[str, int] | None:
    """``(name, version)`` of a version tag ref; None unless the name is valid and N = 1, 2, ..."""
    if not ref.startswith(VERSION_TAGS):
        return None
    name, _, number = ref[len(VERSION_TAGS) :].rpartition("/")
    try:
        validate_name(name)
    except InvalidPromptNameError:
        return None
    if not number.isdigit() or not number.isascii() or number.startswith("0"):
        return None
    try:
        return name, parse_version(number)
    except InvalidVersionError:
        return None  # past MAX_VERSION: no writer makes such a tag


def tag_uri(ref: str) -> str:
    """The ``prompts:/name/N`` URI of a version tag ref."""
    return SCHEME + ref[len(VERSION_TAGS) :]


def default_message(name: str, version: int) -> str:
    """The commit and tag message of a version registered without one (it names the number)."""
    return f"Register {name} version {version}"


def renumbered_message(message: str, name: str, old: int, new: int) -> str:
    """``message`` after version ``old`` became ``new``: a default message names the new number.

    >>> renumbered_message("Register greet version 3", "greet", 3, 4)
    'Register greet version 4'
    >>> renumbered_message("Ask for plain words", "greet", 3, 4)
    'Ask for plain words'
    """
    old_default = default_message(name, old)
    if old != new and (message == old_default or message.startswith(old_default + "\n")):
        return default_message(name, new) + message[len(old_default) :]
    return message


def tracking_main(remote: str) -> str:
    """Where this registry remembers ``remote``'s ``main``."""
    return f"refs/remotes/{remote}/{MAIN_BRANCH}"


def tracking_notes(remote: str) -> str:
    """Where this registry remembers ``remote``'s models notes."""
    return f"refs/remotes/{remote}/notes/gitprompts-models"


def next_number(recorded: int, tag_exists: Callable[[int], bool]) -> int:
    """The number the next version of a prompt gets; the writer and the server hook both use it.

    One past the highest number ever given out: ``recorded`` (``latest`` in
    the state file) or a version tag found past it (versions made by hand
    or by another tool tag without touching the state file). Numbers of
    deleted versions are never given out again.
    """
    number = recorded + 1
    while tag_exists(number):
        number += 1
    return number


def note_ids(note: str) -> list[str]:
    """The model ids in a models note: one per line, sorted, without duplicates."""
    return sorted({line.strip() for line in note.splitlines() if line.strip()})


def note_text(ids: Iterable[str]) -> str:
    """A models note holding ``ids`` (one per line, sorted, so notes merge line by line)."""
    return "".join(f"{i}\n" for i in sorted(set(ids)))


# -- shared artifact stores ---------------------------------------------------

# The registry's shared artifact store (``gitprompts artifacts set URL``): a
# small record on main, so every clone uploads to and fetches from the same one.
ARTIFACTS_FILE = "artifacts.json"
# Where ``gitprompts serve`` puts git and its artifact endpoint: a registry
# cloned from ``<base>/git/registry.git`` finds the server's store at
# ``<base>/artifacts``.
SERVE_GIT_PATH = "/git/registry.git"
SERVE_ARTIFACTS_PATH = "/artifacts"
