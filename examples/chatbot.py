"""Seed example 2, the model code: a LangGraph chatbot using a registered prompt.

Logged from code by ``log_chatbot.py``; gitprompts records the prompt it
loads. Runs on its own too: ``set_model`` does nothing outside logging.
"""

from typing import Annotated

from _common import chat_model
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

import gitprompts


class State(TypedDict):
    messages: Annotated[list, add_messages]


llm = chat_model(
    "Threads share one process's memory; processes each have their own, "
    "so they avoid the GIL but cost more to start and to talk between."
)
system_prompt = gitprompts.load_prompt("prompts:/chat-prompt@production")


def add_system_message(state: State):
    return {
        "messages": [
            {"role": "system", "content": system_prompt.to_single_brace_format()},
            *state["messages"],
        ]
    }


def chatbot(state: State):
    return {"messages": [llm.invoke(state["messages"])]}


graph_builder = StateGraph(State)
graph_builder.add_node("add_system_message", add_system_message)
graph_builder.add_node("chatbot", chatbot)
graph_builder.add_edge(START, "add_system_message")
graph_builder.add_edge("add_system_message", "chatbot")
graph_builder.add_edge("chatbot", END)

graph = graph_builder.compile()

gitprompts.set_model(graph)
