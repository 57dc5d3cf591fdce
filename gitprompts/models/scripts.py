"""Models-from-code: run a model script and take the object it passes to ``set_model``.

The script runs as a real module (in ``sys.modules`` under a unique name), so
type hints, pickling and dataclasses that look their module up keep working
after it has run. ``set_model`` outside ``log_model``/``load_model`` does
nothing, so the same script also runs on its own with ``python chatbot.py``::

    # chatbot.py
    graph = builder.compile()
    gitprompts.set_model(graph)

>>> script = b"import gitprompts\\ngitprompts.set_model(len)\\n"
>>> run(tmp_path / "chatbot.py", script, "chatbot")
<built-in function len>
>>> sys.modules.pop("chatbot").__file__ == str(tmp_path / "chatbot.py")  # a real module
True
"""

from __future__ import annotations

import importlib.util
import re
import sys
import traceback
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from gitprompts.errors import InvalidInputError, InvalidModelError, ModelScriptError

_slot: ContextVar[list[Any] | None] = ContextVar("gitprompts_set_model", default=None)


def set_model(model: Any) -> None:
    """Name the model object of a models-from-code script (as ``mlflow.models.set_model``).

    >>> set_model(len)      # outside log_model and load_model: does nothing
    """
    if model is None:
        raise InvalidInputError("set_model(None): pass the model object the script defines")
    slot = _slot.get()
    if slot is not None:
        slot.append(model)


def run(
    path: Path,
    source: bytes,
    module_name: str,
    sys_path: list[str] | None = None,
) -> Any:
    """Run ``source`` as module ``module_name`` (file ``path``); return what it passed to set_model.

    ``sys_path`` entries are put in front of ``sys.path`` while the script
    runs, so that at logging time it imports its ``code_paths`` from where
    they are. A loaded model passes none: its modules come from its verified
    bytes (``importer``).
    """
    module_name = re.sub(r"\W", "_", module_name)
    spec = importlib.util.spec_from_loader(module_name, loader=None, origin=str(path))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    added = [p for p in (sys_path or []) if p not in sys.path]
    sys.path[:0] = added
    sys.modules[module_name] = module
    slot: list[Any] = []
    token = _slot.set(slot)
    try:
        code = compile(source, str(path), "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        raise ModelScriptError(str(path), f"syntax error on line {exc.lineno}: {exc.msg}") from exc
    except Exception as exc:
        sys.modules.pop(module_name, None)
        where = traceback.extract_tb(exc.__traceback__)[-1]
        raise ModelScriptError(
            str(path), f"{type(exc).__name__}: {exc} (at {where.filename}:{where.lineno})"
        ) from exc
    finally:
        _slot.reset(token)
        for p in added:
            if p in sys.path:
                sys.path.remove(p)
    if not slot:
        sys.modules.pop(module_name, None)
        raise InvalidModelError(
            str(path), "the script never called gitprompts.set_model(model) to name its model"
        )
    return slot[-1]
