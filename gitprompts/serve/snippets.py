"""Code that loads a prompt version, as the playground shows it: Python, CLI, LangChain.

>>> print(snippets(PromptVersion("greet", 2, "Hi {{ name }}"), {"name": "Ada"})[1][1])
gitprompts render greet/2 -v name=Ada
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from gitprompts.core.prompt import PromptVersion


def snippets(version: PromptVersion, values: Mapping[str, str]) -> list[tuple[str, str]]:
    """Python, CLI and LangChain code that loads ``version`` (and each alias on it).

    >>> [label for label, _ in snippets(PromptVersion("greet", 2, "Hi {{ name }}"), {})]
    ['Python', 'Command line', 'LangChain']
    """
    uris = [version.uri] + [f"prompts:/{version.name}@{a}" for a in version.aliases]
    args = ", ".join(f"{k}={values.get(k, '')!r}" for k in sorted(version.variables))
    loads = f'prompt = gitprompts.load_prompt("{uris[0]}")' + "".join(
        f'\n# or, following the alias: prompt = gitprompts.load_prompt("{u}")' for u in uris[1:]
    )
    python = f"import gitprompts\n\n{loads}\nprompt.format({args})"
    cli_vars = " ".join(f"-v {k}={_shell(values.get(k, ''))}" for k in sorted(version.variables))
    refs = [f"{version.name}/{version.version}"] + [f"{version.name}@{a}" for a in version.aliases]
    cli = "\n".join(f"gitprompts render {_shell(r)} {cli_vars}".rstrip() for r in refs)
    if version.is_text_prompt:
        chain = "template = PromptTemplate.from_template(prompt.to_single_brace_format())"
        imports = "from langchain_core.prompts import PromptTemplate"
    else:
        chain = (
            "template = ChatPromptTemplate.from_messages(\n"
            '    [(m["role"], m["content"]) for m in prompt.to_single_brace_format()]\n)'
        )
        imports = "from langchain_core.prompts import ChatPromptTemplate"
    langchain = (
        f'{imports}\nimport gitprompts\n\nprompt = gitprompts.load_prompt("{uris[-1]}")\n{chain}'
    )
    return [("Python", python), ("Command line", cli), ("LangChain", langchain)]


def _shell(text: str) -> str:
    return shlex.quote(text)
