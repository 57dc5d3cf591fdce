"""How a loaded models-from-code model imports its own modules: from verified bytes only.

``load_model`` verifies every file of the model against its manifest, then
hands the bytes to ``install``, which

1. writes them to a *private copy*: a new directory that this process made
   (``tempfile.mkdtemp``, mode 0o700, removed at exit) holding exactly the
   manifest's files. The model's ``__file__`` points there, so code that
   reads data beside itself reads what was verified, tracebacks show the
   source, and pins find the model's frames by this prefix. No two
   processes share a copy, so concurrent first loads cannot break each
   other (a shared ``unpacked/<id>/`` was rebuilt under running imports);
2. serves the model's modules from those bytes in memory, never from disk,
   through one finder on ``sys.meta_path`` (before the path finder, where
   ``sys.path[0]`` used to put them). A file added to or changed in any
   directory after verification is never imported, and ``sys.path`` is not
   touched. The finder answers only imports made by the model's own code (a
   frame of one of its files on the stack, as pins are found), at load time
   or lazily at call time; anyone else importing a module of the same name
   gets what they would have got without the model.

>>> root = install("ab" * 32, "code/m.py", {"code/m.py": b"", "code/helper.py": b"X = 1"})
>>> sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))
['code/helper.py', 'code/m.py']
>>> model_code = compile("import helper\\nx = helper.X", str(root / "code" / "m.py"), "exec")
>>> namespace = {}
>>> exec(model_code, namespace)      # an import made by the model's code
>>> namespace["x"], sys.modules.pop("helper").__file__ == str(root / "code" / "helper.py")
(1, True)
>>> import helper                    # anyone else: not the model's module
Traceback (most recent call last):
ModuleNotFoundError: No module named 'helper'
"""

from __future__ import annotations

import atexit
import importlib.abc
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import CodeType, ModuleType

from gitprompts.fs.atomic import write_files
from gitprompts.models.callers import nearest_model

__all__ = ["install"]

# A private copy holding more entries than the model has files is not reused.
_SLACK = 16


@dataclass(frozen=True)
class _Module:
    """One importable module of a model: its verified source and where it claims to live."""

    name: str
    path: Path  # in the private copy (for __file__ and tracebacks only)
    source: bytes | None  # None: a directory without __init__.py, a package with no code
    package_dir: Path | None  # set for packages


@dataclass(frozen=True, eq=False)
class _Model:
    model_id: str
    prefix: str  # the private copy's path with a trailing separator
    modules: dict[str, _Module]


class _Loader(importlib.abc.InspectLoader):
    """Executes one module of a model from the bytes its manifest verified."""

    def __init__(self, module: _Module) -> None:
        self.module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        exec(self.get_code(module.__name__), module.__dict__)

    def get_code(self, fullname: str) -> CodeType:
        return compile(self.module.source or b"", str(self.module.path), "exec", dont_inherit=True)

    def get_source(self, fullname: str) -> str:
        return importlib.util.decode_source(self.module.source or b"")

    def is_package(self, fullname: str) -> bool:
        return self.module.package_dir is not None


class _Finder(importlib.abc.MetaPathFinder):
    """Finds a module for the model whose code is importing it, and for nobody else."""

    def __init__(self) -> None:
        self.models: dict[str, _Model] = {}  # by prefix
        self.names: frozenset[str] = frozenset()  # every module name any of them has
        self.by_file: dict[str, _Model | None] = {}

    def add(self, model: _Model) -> None:
        # Keyed by copy, not by model id: functions of an earlier load of the
        # same model keep importing (from the same verified bytes) after a
        # later load made a new copy. Copy on write: imports on other threads
        # read these maps without the lock.
        models = {**self.models, model.prefix: model}
        names = {name for each in models.values() for name in each.modules}
        self.models, self.names, self.by_file = models, frozenset(names), {}

    def _importer(self) -> _Model | None:
        """The model whose code is nearest on the stack (the one importing), if any."""

        def owner(filename: str) -> _Model | None:
            return next((m for m in self.models.values() if filename.startswith(m.prefix)), None)

        # Skip this method and find_spec.
        return nearest_model(2, owner, self.by_file)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None  # the common case: not a module of any loaded model
        model = self._importer()
        module = model.modules.get(fullname) if model is not None else None
        if module is None:
            return None
        if "." in fullname and (path is None or str(module.path.parent) not in path):
            return None  # a submodule of a package that did not come from this model
        spec = importlib.util.spec_from_loader(
            fullname,
            _Loader(module),
            origin=str(module.path) if module.source is not None else None,
            is_package=module.package_dir is not None,
        )
        assert spec is not None
        if module.source is not None:
            spec.has_location = True  # sets __file__, as for a module found on sys.path
        if module.package_dir is not None:
            spec.submodule_search_locations = [str(module.package_dir)]
        return spec


_finder = _Finder()
_lock = threading.Lock()
_copies: dict[str, Path] = {}


def _modules(root: Path, entry: str, files: dict[str, bytes]) -> dict[str, _Module]:
    """The modules importable from the entry's directory, as ``sys.path[0]`` would see them.

    As the path finder ranks them: a directory with ``__init__.py`` beats a
    ``.py`` file of the same name, which beats a directory without one (a
    namespace package).
    """
    base = PurePosixPath(entry).parent
    found: dict[str, tuple[int, _Module]] = {}

    def offer(rank: int, module: _Module) -> None:
        if module.name not in found or found[module.name][0] < rank:
            found[module.name] = (rank, module)

    for rel in files:
        pure = PurePosixPath(rel)
        if pure.suffix != ".py" or base not in pure.parents:
            continue
        parts = pure.relative_to(base).with_suffix("").parts
        if not all(part.isidentifier() for part in parts):
            continue
        for depth in range(1, len(parts)):
            directory = root.joinpath(*base.parts, *parts[:depth])
            offer(0, _Module(".".join(parts[:depth]), directory, None, directory))
        path = root.joinpath(*pure.parts)
        if parts[-1] != "__init__":
            offer(1, _Module(".".join(parts), path, files[rel], None))
        elif len(parts) > 1:
            offer(2, _Module(".".join(parts[:-1]), path, files[rel], path.parent))
    return {name: module for name, (_, module) in found.items()}


def _holds_exactly(root: Path, files: dict[str, bytes]) -> bool:
    """Whether ``root`` holds ``files`` and nothing else (read back, with a bounded walk)."""
    seen = 0
    for directory, _, names in os.walk(root):
        for name in names:
            seen += 1
            rel = Path(directory, name).relative_to(root).as_posix()
            if seen > len(files) + _SLACK or rel not in files:
                return False
            try:
                if Path(directory, name).read_bytes() != files[rel]:
                    return False
            except OSError:
                return False
    return seen == len(files)


def _remove(root: Path, owner: int) -> None:
    # A forked child runs its parent's exit handlers too; the copy is the parent's.
    if os.getpid() == owner:
        shutil.rmtree(root, ignore_errors=True)


def _private_copy(model_id: str, files: dict[str, bytes]) -> Path:
    """This process's copy of ``files``: reused while it still holds exactly them."""
    root = _copies.get(model_id)
    if root is not None and _holds_exactly(root, files):
        return root
    # A new directory, never a shared one: mkdtemp makes it 0o700 with a
    # random name. Once per model per process: a copy of 11 small files took
    # 4 ms on 2 busy cores, checking it again on a later load 0.25 ms (the
    # shared copy it replaces cost the same to write and to check).
    root = Path(tempfile.mkdtemp(prefix=f"gitprompts-model-{model_id[:12]}-"))
    atexit.register(_remove, root, os.getpid())
    write_files(root, files)
    _copies[model_id] = root
    return root


def install(model_id: str, entry: str, files: dict[str, bytes]) -> Path:
    """Make the verified ``files`` of a model importable by its own code; returns its copy's root.

    ``entry`` is the script's path among ``files`` (``code/bot.py``): the
    modules beside it and below it are importable, as they were when it was
    logged. Call again for every load: a copy that no longer holds exactly
    ``files`` is replaced by a new one.
    """
    with _lock:
        root = _private_copy(model_id, files)
        prefix = str(root).rstrip("/\\") + os.sep
        _finder.add(_Model(model_id, prefix, _modules(root, entry, files)))
        if _finder not in sys.meta_path:
            where = next(
                (i for i, f in enumerate(sys.meta_path) if f is importlib.machinery.PathFinder),
                len(sys.meta_path),
            )
            sys.meta_path.insert(where, _finder)
    return root


def private_copy(model_id: str, files: dict[str, bytes]) -> Path:
    """This process's private copy of a model's verified ``files`` (``install`` uses the same)."""
    with _lock:
        return _private_copy(model_id, files)
