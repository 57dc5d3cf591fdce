"""Which loaded model's code is running: found from the caller frames' file names.

Pins (``load_prompt`` at call time) and the verified-bytes importer both ask
"is a function from one of this model's files on the stack?", in any thread
and at any time, so they share this one walk. A model's files all live under
one directory prefix, and each file name's answer is cached.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# How far up the stack a model's own frame may be: LangChain and LangGraph put
# a few dozen frames between a model's function and the call it makes.
MAX_FRAMES = 64


def nearest_model(
    skip: int, owner: Callable[[str], T | None], cache: dict[str, T | None]
) -> T | None:
    """The owner of the nearest caller frame that has one, looking at most MAX_FRAMES up.

    ``skip`` frames above this function's caller are passed over first;
    ``owner(filename)`` says which model a file belongs to (None: none), and
    its answers are kept in ``cache`` (clear it when the models change).

    >>> nearest_model(0, lambda name: "this test" if "doctest" in name else None, {})
    'this test'
    """
    frame = sys._getframe(skip + 1)
    for _ in range(MAX_FRAMES):
        if frame is None:
            return None
        filename = frame.f_code.co_filename
        try:
            found = cache[filename]
        except KeyError:
            found = cache[filename] = owner(filename)
        if found is not None:
            return found
        frame = frame.f_back  # type: ignore[assignment]
    return None
