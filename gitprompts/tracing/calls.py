"""Which traced call is running in this context, for tracers that must not trace it twice.

A LangChain chat model that wraps the ``openai`` client (``ChatOpenAI``)
would otherwise get two spans per request, in two traces: the LangChain
handler's (made later, on the writer's thread) and the OpenAI wrapper's. The
handler marks the model call here while it runs; the OpenAI wrapper makes no
span inside one (the LangChain span already has the messages, the reply and
the usage).

>>> in_langchain_model()
False
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_langchain_model: ContextVar[bool] = ContextVar("gitprompts_langchain_model", default=False)


def in_langchain_model() -> bool:
    """True while a LangChain model call traced by our handler runs in this context."""
    return _langchain_model.get()


def enter_langchain_model() -> Token[bool]:
    return _langchain_model.set(True)


def leave_langchain_model(token: Token[bool]) -> None:
    try:
        _langchain_model.reset(token)
    except ValueError:  # ended in another context (a callback on another task)
        _langchain_model.set(False)
