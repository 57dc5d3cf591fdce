"""The ``dspy`` flavor: DSPy modules and programs, saved with DSPy's own ``save``/``load``.

A program object is saved as ``save(path, save_program=True)`` saves it (its
architecture and state: an optimized program's demos and instructions
travel with it) and loaded as ``dspy.load`` loads it; a script (models-from-code)
that builds the program from registry prompts is stored as code, its
prompts captured and pinned. ``forward``/``aforward`` (what ``__call__`` and
``acall`` run) are pinned on the loaded program. The language model is not
stored (it holds keys): configure it where the model is loaded
(``dspy.configure(lm=...)``), as MLflow's ``dspy.settings`` would be.

Needs the ``dspy`` extra: ``pip install 'gitprompts[dspy]'``.

>>> info = gitprompts.dspy.log_model(program, name="qa")           # doctest: +SKIP
>>> gitprompts.dspy.load_model(info.model_uri)(question="Why?")    # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gitprompts.errors import InvalidInputError, InvalidModelError, ModelError
from gitprompts.models.flavors import bundle, pyfunc
from gitprompts.models.flavors.extras import require
from gitprompts.models.flavors.pinning import pin_methods

if TYPE_CHECKING:
    from gitprompts.models.info import ModelInfo
    from gitprompts.models.pins import PinSet

PACKAGES: tuple[str, ...] = ("dspy", "cloudpickle")
EXTRA = "dspy"
FEATURE = "the dspy flavor"
ENTRY = "dspy.bundle"
LOADER = "dspy-program"
METHODS = ("forward", "aforward")
_log = logging.getLogger("dspy.primitives.base_module")  # where dspy.load warns


def owns(model: Any) -> bool:
    """True for a DSPy module (DSPy loaded already: never imported to find out)."""
    dspy = sys.modules.get("dspy")
    return dspy is not None and isinstance(model, dspy.Module)


def serialise(model: Any) -> tuple[str, str, dict[str, bytes]]:
    """What DSPy's ``save(path, save_program=True)`` writes, as one bundle file.

    The two files of that directory (``program.pkl``: cloudpickle of the
    program; ``metadata.json``: the dependency versions ``dspy.load`` checks)
    are made in memory with DSPy's own pieces: the temporary directory that
    ``save`` needs cost 10-40 ms per ``log_model`` on a busy disk (measured:
    more than all the rest of logging), and ``dspy.load`` reads them back.
    """
    dspy = require("dspy", EXTRA, FEATURE)
    if not isinstance(model, dspy.Module):
        raise InvalidModelError(
            model, "expected a DSPy module or program (dspy.Module), or a script path"
        )
    import cloudpickle
    from dspy.utils.saving import get_dependency_versions

    try:
        program = cloudpickle.dumps(model)
    except Exception as exc:
        reason = f"DSPy programs are saved with cloudpickle ({exc})"
        raise InvalidModelError(model, reason) from None
    metadata = json.dumps({"dependency_versions": get_dependency_versions()}, indent=2)
    files = {"program.pkl": program, "metadata.json": metadata.encode() + b"\n"}
    return LOADER, ENTRY, {ENTRY: bundle.pack_files(files)}


def deserialise(loader: str, data: bytes, where: str) -> Any:
    """What ``dspy.load(path, allow_pickle=True)`` does, from the verified bytes in memory.

    It checks the saved dependency versions (a mismatch is DSPy's warning,
    logged as DSPy logs it) and unpickles ``program.pkl``; writing the two
    files to a temporary directory for ``dspy.load`` to read back cost 7 ms
    per load here (its removal alone), more than everything else a load does.
    """
    if loader != LOADER:
        return pyfunc.deserialise(loader, data, where)
    require("dspy", EXTRA, FEATURE)
    import cloudpickle
    from dspy.utils.saving import get_dependency_versions

    files = bundle.unpack(data, where)
    try:
        saved = json.loads(files["metadata.json"])["dependency_versions"]
        program = files["program.pkl"]
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        raise ModelError(f"{where}: not a saved DSPy program ({reason})") from None
    here = get_dependency_versions()
    for key, version in sorted(saved.items()) if isinstance(saved, dict) else []:
        if here.get(key) != version:
            _log.warning(
                "%s was saved with %s==%s and is loaded with %s==%s",
                where,
                key,
                version,
                key,
                here.get(key),
            )
    try:
        # The bytes were verified against the manifest; loading a model runs
        # its code (see the README's "Loading a model runs its code").
        return cloudpickle.loads(program)
    except Exception as exc:
        raise ModelError(f"{where}: DSPy could not load the program ({exc})") from exc


def predict(model: Any, data: Any, params: dict[str, Any] | None) -> Any:
    """``PyFuncModel.predict``: the program called with a dict of inputs; its outputs as a dict."""
    if isinstance(data, list):
        return [predict(model, item, params) for item in data]
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            f"predict input {data!r}: a DSPy program takes a dict of its input fields"
        )
    result = model(**data)
    return result.toDict() if callable(getattr(result, "toDict", None)) else result


def wrap(model: Any, pins: PinSet, info: ModelInfo) -> Any:
    """The program itself, its ``forward``/``aforward`` running with its prompts pinned."""
    return pin_methods(model, METHODS, pins)
