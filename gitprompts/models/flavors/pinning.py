"""Entry points of a loaded model that run with its prompts pinned, for every flavor.

A flavor's ``wrap`` replaces a model's methods (``invoke``, ``query``,
``forward`` ...) with these: each call, each step of a stream and each
awaited coroutine runs with the model's ``PinSet`` active, so a prompt the
model loads at call time is the pinned one, in whatever thread or asyncio
task it is called from (contextvars follow both).

>>> from gitprompts.models.pins import PinSet, current
>>> class Bot:
...     def ask(self):
...         return current()
>>> bot = pin_methods(Bot(), ("ask", "missing"), PinSet("m", [], {}))
>>> bot.ask().model
'm'
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import types
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from gitprompts.models.pins import PinSet, activate


def pinned(method: Callable[..., Any], pins: PinSet) -> Callable[..., Any]:
    """``method`` run with ``pins`` active."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        with activate(pins):
            return method(*args, **kwargs)

    return call


def pinned_async(method: Callable[..., Any], pins: PinSet) -> Callable[..., Any]:
    """The coroutine function ``method``, awaited with ``pins`` active."""

    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        with activate(pins):
            return await method(*args, **kwargs)

    return call


def pinned_stream(method: Callable[..., Iterator[Any]], pins: PinSet) -> Callable[..., Any]:
    """The generator function ``method``, each step with ``pins`` active."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with activate(pins):
            iterator = method(*args, **kwargs)
        # Each step runs the model's code, so each gets the pins (a context
        # set across a yield would leak into the consumer's code).
        while True:
            with activate(pins):
                try:
                    item = next(iterator)
                except StopIteration:
                    return
            yield item

    return call


def pinned_astream(method: Callable[..., AsyncIterator[Any]], pins: PinSet) -> Callable[..., Any]:
    """The async generator function ``method``, each step with ``pins`` active."""

    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        iterator = method(*args, **kwargs)
        while True:
            with activate(pins):
                try:
                    item = await iterator.__anext__()
                except StopAsyncIteration:
                    return
            yield item

    return call


def wrapper_for(method: Callable[..., Any]) -> Callable[[Callable[..., Any], PinSet], Any]:
    """The wrapper that fits ``method``: coroutine, generator, async generator or plain."""
    target = inspect.unwrap(method)
    if inspect.isasyncgenfunction(target):
        return pinned_astream
    if inspect.iscoroutinefunction(target):
        return pinned_async
    if inspect.isgeneratorfunction(target):
        return pinned_stream
    return pinned


def pin_methods(model: Any, names: Iterable[str], pins: PinSet) -> Any:
    """``model`` itself, with each of its methods in ``names`` running under ``pins``."""
    for name in names:
        # From the class, not through the instance: DSPy warns when ``forward``
        # is read from a program outside its ``__call__``.
        function = getattr(type(model), name, None)
        if not inspect.isfunction(function):
            continue
        method = types.MethodType(function, model)
        # object.__setattr__: pydantic-based objects refuse plain assignment
        # of non-fields, but an instance attribute shadows the class method.
        # Slotted objects cannot take one and keep import-time pins only.
        with contextlib.suppress(AttributeError, TypeError, ValueError):
            object.__setattr__(model, name, wrapper_for(method)(method, pins))
    return model
