"""Shared set-up for the examples: a private GITPROMPTS_HOME and an offline chat model."""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
from typing import Any

EXTRA = "pip install '.[langchain]'  (or: pip install 'gitprompts[langchain]')"


def require_langchain(example: str) -> None:
    """Exit with one line naming the extra when LangChain or LangGraph is not installed.

    The examples need the ``langchain`` extra; the demo install (``pip install .``)
    does not bring it, and a bare ``ModuleNotFoundError`` traceback does not say so.
    """
    missing = []
    for module in ("langchain_core", "langgraph"):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(module)
    if missing:
        print(
            f"{example} needs LangChain ({', '.join(missing)} not installed): {EXTRA}",
            file=sys.stderr,
        )
        raise SystemExit(1)


def use_private_home() -> str:
    """Keep the examples off ``~/.gitprompts`` unless GITPROMPTS_HOME says otherwise.

    The scratch home is removed when the example exits, so runs leave nothing
    behind in the temporary directory.
    """
    if not os.environ.get("GITPROMPTS_HOME"):
        home = tempfile.mkdtemp(prefix="gitprompts-example-")
        atexit.register(shutil.rmtree, home, ignore_errors=True)
        os.environ["GITPROMPTS_HOME"] = home
    return os.environ["GITPROMPTS_HOME"]


def chat_model(*replies: str) -> Any:
    """``ChatOpenAI`` when OPENAI_API_KEY is set, else a fake model that answers ``replies``."""
    if os.environ.get("OPENAI_API_KEY"):
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model="gpt-4o-mini", temperature=0.1)
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    return FakeListChatModel(responses=list(replies) or ["(a fake answer)"])


def require_extra(example: str, extra: str, *modules: str) -> None:
    """Exit with one line naming ``extra`` when one of ``modules`` is not installed."""
    missing = []
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(module)
    if missing:
        print(
            f"{example} needs {', '.join(missing)}, not installed: pip install '.[{extra}]'  "
            f"(or: pip install 'gitprompts[{extra}]')",
            file=sys.stderr,
        )
        raise SystemExit(1)
