"""What is active in this process: the run stack and the active model.

Kept apart, with no imports, so that ``load_prompt`` can ask "is a run or a
model active?" without importing the run records, the artifact store and the
manifest types (~100 ms more of imports in a fresh process when measured).
``runs`` and ``active`` own the values; this module only holds them.

>>> runs, model
([], [])
"""

from __future__ import annotations

from typing import Any

runs: list[Any] = []  # the active ``Run`` objects, innermost last (see ``runs``)
model: list[str] = []  # the active model id, or nothing (see ``active``)
