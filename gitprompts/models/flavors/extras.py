"""Optional libraries of the flavors: imported on use, or one line naming the extra to install.

Each flavor's library lives in its own extra (``gitprompts[openai]``,
``[llama-index]``, ``[dspy]``, ``[langchain]``), so ``import gitprompts``
never imports any of them, and a flavor used without its library says
which extra brings it instead of showing a bare ``ModuleNotFoundError``.

>>> require("json", "openai", "the openai flavor").__name__
'json'
>>> require("no_such_module_x", "dspy", "the dspy flavor")  # doctest: +ELLIPSIS
Traceback (most recent call last):
gitprompts.errors.MissingExtraError: the dspy flavor needs ... pip install 'gitprompts[dspy]'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from gitprompts.errors import MissingExtraError


def require(module: str, extra: str, feature: str) -> ModuleType:
    """``module`` imported; MissingExtraError naming ``extra`` if it is not installed."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        # Only a missing module is the extra's fault; a library that is there but
        # fails to import shows its own error.
        raise MissingExtraError(extra, module, feature) from None
