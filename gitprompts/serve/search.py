"""The prompts list's text search: which prompts' latest files contain some words.

``git grep`` over ``main``'s ``prompts/`` tree (``gitprompts.git.grep``):
the template text, and the rest of each file (commit message, tags, model
config), case-insensitively and literally.

>>> text_matches(Path("registry.git"), "plain words")   # doctest: +SKIP
['summarize']
"""

from __future__ import annotations

from pathlib import Path

from gitprompts.core.layout import MAIN, PROMPTS_DIR, name_from_path
from gitprompts.git.grep import files_containing


def text_matches(registry: Path, text: str) -> list[str]:
    """Names of the prompts whose file on ``main`` contains ``text``."""
    found = files_containing(registry, MAIN, PROMPTS_DIR, text)
    return [n for n in (name_from_path(p) for p in found) if n is not None]
