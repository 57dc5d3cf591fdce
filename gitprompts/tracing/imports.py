"""Run a function right after a module is first imported (a post-import hook).

``gitprompts.autolog()`` traces every flavor whose library is installed, but
importing DSPy and LlamaIndex to hook them costs about 3 s on this machine;
a process that never uses them must not pay it. So a library not imported
yet is hooked when the application imports it: a finder at the front of
``sys.meta_path`` notices the import of a watched module, and runs the
function once the module has executed (as MLflow's autolog does with its
own post-import hooks).

>>> ran = []
>>> when_imported("json", lambda: ran.append("json"))   # already imported: runs now
>>> ran
['json']
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

log = logging.getLogger("gitprompts.tracing")


class _Watcher(MetaPathFinder):
    def __init__(self) -> None:
        self.pending: dict[str, Callable[[], None]] = {}
        self.lock = threading.Lock()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        with self.lock:
            then = self.pending.pop(fullname, None)
        if then is None:
            return None
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        loader: Any = spec.loader if spec is not None else None
        # A loader that is a class (built-in and frozen modules) is shared: not touched.
        if loader is None or isinstance(loader, type) or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        # On this module's own loader object only: everything else about the import
        # (the spec, __loader__, resource readers) stays the library's.
        def exec_module(module: ModuleType) -> None:
            try:
                run(module)
            finally:
                del loader.exec_module  # back to the class's method
            try:
                then()
            except Exception:  # tracing must never break the application's import
                log.warning("could not trace %s", fullname, exc_info=True)

        loader.exec_module = exec_module
        return spec


_watcher = _Watcher()


def when_imported(module: str, then: Callable[[], None]) -> None:
    """Call ``then()`` now if ``module`` is imported, else right after it is first imported."""
    if module in sys.modules:
        then()
        return
    with _watcher.lock:
        _watcher.pending[module] = then
    if _watcher not in sys.meta_path:
        sys.meta_path.insert(0, _watcher)


def cancel(module: str) -> None:
    """Forget what ``when_imported(module, ...)`` was to run."""
    with _watcher.lock:
        _watcher.pending.pop(module, None)
