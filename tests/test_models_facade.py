"""models.facade routes every argument of the facades that hand it their locals()."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

import gitprompts.langchain
import gitprompts.pyfunc
from gitprompts.models import facade

FUNCTIONS: list[Callable[..., Any]] = [
    gitprompts.pyfunc.log_model,
    gitprompts.pyfunc.save_model,
    gitprompts.pyfunc.load_model,
    gitprompts.langchain.log_model,
    gitprompts.langchain.save_model,
    gitprompts.langchain.load_model,
]


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_every_argument_of_a_facade_is_routed(function: Callable[..., Any]) -> None:
    names = set(inspect.signature(function).parameters) - {"python_model", "lc_model"}
    checked, options, own = facade.route(function.__qualname__, dict.fromkeys(names))
    assert set(checked) | set(options) | set(own) | {"streamable"} >= names


def test_an_argument_routed_nowhere_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="'temperature' is routed nowhere"):
        facade.route("pyfunc.log_model", {"temperature": 0.2})
