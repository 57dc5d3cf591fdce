"""Shared set-up for the examples: a private GITPROMPTS_HOME and an offline chat model."""

from __future__ import annotations

import os
import tempfile
from typing import Any


def use_private_home() -> str:
    """Keep the examples off ``~/.gitprompts`` unless GITPROMPTS_HOME says otherwise."""
    if not os.environ.get("GITPROMPTS_HOME"):
        os.environ["GITPROMPTS_HOME"] = tempfile.mkdtemp(prefix="gitprompts-example-")
    return os.environ["GITPROMPTS_HOME"]


def chat_model(*replies: str) -> Any:
    """``ChatOpenAI`` when OPENAI_API_KEY is set, else a fake model that answers ``replies``."""
    if os.environ.get("OPENAI_API_KEY"):
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model="gpt-4o-mini", temperature=0.1)
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    return FakeListChatModel(responses=list(replies) or ["(a fake answer)"])
