"""The prompt half of the public API, shaped like ``mlflow.genai``.

Every function works on the current registry (see ``config``); replace
``mlflow.genai.`` with ``gitprompts.`` and the same calls work.

>>> import gitprompts
>>> p = gitprompts.register_prompt("greet", "Hello {{ name }}!")
>>> gitprompts.load_prompt("prompts:/greet/1").format(name="Ada")
'Hello Ada!'
"""

from __future__ import annotations

from typing import Any

from gitprompts.core.paging import PagedList, next_token, offset_of
from gitprompts.core.prompt import Prompt, PromptVersion
from gitprompts.core.search import compile_filter, compile_order_by
from gitprompts.core.uri import PromptRef, resolve_ref
from gitprompts.errors import InvalidInputError, NotFoundError
from gitprompts.models import current, pins
from gitprompts.remote.location import get_registry


def register_prompt(
    name: str,
    template: str | list[dict[str, str]],
    commit_message: str | None = None,
    tags: dict[str, str] | None = None,
    response_format: Any = None,
    model_config: dict[str, Any] | None = None,
) -> PromptVersion:
    """Register a new version of ``name`` (version 1 if the prompt is new).

    ``template`` is a string with ``{{ variables }}`` or a chat template (a list
    of ``{"role": ..., "content": ...}``); ``response_format`` is a dict or a
    pydantic model class (stored as its JSON schema).

    >>> register_prompt("summarize", "Summarize {{ text }}.")
    <PromptVersion: name='summarize', version=1, template='Summarize {{ text }}.'>
    >>> register_prompt("summarize", [{"role": "user", "content": "Sum up {{ text }}"}]).version
    2
    """
    return get_registry().register(
        name, template, commit_message, tags, response_format, model_config
    )


def load_prompt(
    name_or_uri: str,
    version: str | int | None = None,
    allow_missing: bool = False,
    link_to_model: bool = True,
    model_id: str | None = None,
    cache_ttl_seconds: float | None = None,
) -> PromptVersion | None:
    """Load ``prompts:/name/N``, ``prompts:/name@alias``, ``@latest``, or ``name`` + ``version``.

    With ``allow_missing=True`` a prompt, version or alias that does not exist
    gives None instead of an error (a malformed URI still raises). As in
    MLflow, a prompt loaded while a run is active is linked to the run
    (``run.data.prompts``), and with ``model_id`` or an active model
    (``set_active_model``), unless ``link_to_model=False``, to that logged
    model (``search_models(prompt=...)`` finds it).
    ``cache_ttl_seconds`` is accepted and has nothing to do: every load reads
    the alias afresh (one ref, a few µs), so no answer is ever stale.

    >>> _ = register_prompt("summarize", "Summarize {{ text }}.")
    >>> set_prompt_alias("summarize", "production", 1)
    >>> load_prompt("prompts:/summarize@production", cache_ttl_seconds=0).template
    'Summarize {{ text }}.'
    >>> load_prompt("summarize", version="staging", allow_missing=True) is None
    True
    """
    if cache_ttl_seconds is not None and (
        isinstance(cache_ttl_seconds, bool)
        or not isinstance(cache_ttl_seconds, (int, float))
        or not cache_ttl_seconds >= 0
    ):
        raise InvalidInputError(
            f"cache_ttl_seconds must be a number >= 0 or None, not {cache_ttl_seconds!r}"
        )
    ref = resolve_ref(name_or_uri, version)
    # The model hook (pinned answers for loaded models, recording for
    # models-from-code) costs one flag check until a model is involved.
    if pins.hooked:
        written = pins.quote(ref, name_or_uri, version)
        found = pins.intercept(ref, written, allow_missing, _from_registry)
    else:
        found = _from_registry(ref, allow_missing)
    if link_to_model and model_id is None and current.model:
        model_id = current.model[0]
    if found is not None and (current.runs or (link_to_model and model_id)):
        _link(found, model_id if link_to_model else None)
    return found


def _link(found: PromptVersion, model_id: str | None) -> None:
    # Imported here: only a load inside a run or for a model pays for them.
    from gitprompts.models import runs
    from gitprompts.models.manifest import SHA256

    if model_id is not None and (not isinstance(model_id, str) or not SHA256.fullmatch(model_id)):
        raise InvalidInputError(
            f"model_id must be the 64 hex digits of a logged model (ModelInfo.model_id), "
            f"not {model_id!r}"
        )
    runs.link_prompt(found.uri)
    if model_id is not None and found.commit_id is not None:
        get_registry().link_model([found.commit_id], model_id)


def _from_registry(ref: PromptRef, allow_missing: bool) -> PromptVersion | None:
    try:
        return get_registry().resolve(ref)
    except NotFoundError:
        if allow_missing:
            return None
        raise


def search_prompts(
    filter_string: str | None = None,
    max_results: int | None = None,
    order_by: list[str] | None = None,
    *,
    page_token: str | None = None,
) -> PagedList[Prompt]:
    """Prompts matching an MLflow-style filter, sorted by name unless ``order_by`` says otherwise.

    ``order_by`` is MLflow's: a list of ``"name"``, ``"creation_timestamp"``
    or ``"last_updated_timestamp"``, each optionally followed by ``ASC`` or
    ``DESC``. The result is a list with a ``token``: None when every match
    is in it, else what ``page_token=`` takes to get the next page.

    >>> _ = register_prompt("summarize", "Summarize {{ text }}.", tags={"team": "nlp"})
    >>> _ = register_prompt("translate", "Translate {{ text }}.", tags={"team": "nlp"})
    >>> search_prompts("name LIKE 'summ%' AND tags.team = 'nlp'")
    [<Prompt: name='summarize', latest_version=1>]
    >>> page = search_prompts("tags.team = 'nlp'", max_results=1, order_by=["name DESC"])
    >>> page, page.token
    ([<Prompt: name='translate', latest_version=1>], '1')
    >>> search_prompts("tags.team = 'nlp'", max_results=1, page_token=page.token).token is None
    True
    """
    if max_results is not None and (
        isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1
    ):
        raise InvalidInputError(f"max_results must be a positive integer, not {max_results!r}")
    key = compile_order_by(order_by)
    start = offset_of(page_token)
    matches = compile_filter(filter_string)
    found = [p for p in get_registry().prompts() if matches(p.name, p.tags)]
    found = key(found)
    end = len(found) if max_results is None else min(len(found), start + max_results)
    return PagedList(found[start:end], next_token(end, len(found)))


def set_prompt_alias(name: str, alias: str, version: int | str) -> None:
    """Point ``prompts:/name@alias`` at ``version`` (a commit on main records the move).

    >>> for text in ("First {{ text }}", "Second {{ text }}"):
    ...     _ = register_prompt("summarize", text)
    >>> set_prompt_alias("summarize", "production", 1)
    >>> load_prompt("prompts:/summarize@production").version
    1
    """
    get_registry().set_alias(name, alias, version)


def delete_prompt_alias(name: str, alias: str) -> None:
    """Remove an alias; loading ``@alias`` afterwards raises AliasNotFoundError."""
    get_registry().delete_alias(name, alias)


def delete_prompt_version(name: str, version: int | str) -> None:
    """Delete a version: it no longer loads and its number is never reused."""
    get_registry().delete_version(name, version)


def set_prompt_version_tag(name: str, version: int | str, key: str, value: str) -> None:
    """Set tag ``key`` on a version (the version's template stays immutable)."""
    get_registry().set_version_tag(name, version, key, value)


def delete_prompt_version_tag(name: str, version: int | str, key: str) -> None:
    """Remove tag ``key`` from a version."""
    get_registry().delete_version_tag(name, version, key)


def get_prompt_tags(name: str) -> dict[str, str]:
    """The tags of the prompt itself (``register_prompt(tags=...)`` sets them too).

    >>> _ = register_prompt("summarize", "Sum up {{ text }}", tags={"team": "nlp"})
    >>> _ = register_prompt("summarize", "Summarize {{ text }}")
    >>> get_prompt_tags("summarize")
    {'team': 'nlp'}
    """
    return get_registry().prompt_tags(name)


def set_prompt_tag(name: str, key: str, value: str) -> None:
    """Set tag ``key`` on the prompt; ``search_prompts("tags.key = ...")`` filters on these.

    >>> _ = register_prompt("summarize", "Sum up {{ text }}")
    >>> set_prompt_tag("summarize", "owner", "ada")
    >>> [p.tags for p in search_prompts("tags.owner = 'ada'")]
    [{'owner': 'ada'}]
    """
    get_registry().set_prompt_tag(name, key, value)


def delete_prompt_tag(name: str, key: str) -> None:
    """Remove tag ``key`` from the prompt (the versions' own tags stay)."""
    get_registry().delete_prompt_tag(name, key)


def set_prompt_model_config(name: str, version: int | str, model_config: dict[str, Any]) -> None:
    """Set the model config version ``version`` loads with; its template stays immutable.

    >>> _ = register_prompt("summarize", "Sum up {{ text }}", model_config={"temperature": 0.1})
    >>> set_prompt_model_config("summarize", 1, {"temperature": 0.5})
    >>> load_prompt("prompts:/summarize/1").model_config
    {'temperature': 0.5}
    """
    get_registry().set_model_config(name, version, model_config)


def delete_prompt_model_config(name: str, version: int | str) -> None:
    """Version ``version`` loads with ``model_config`` None from now on."""
    get_registry().delete_model_config(name, version)


def delete_prompt(name: str) -> None:
    """Delete the prompt: no version of it loads or lists; its numbers are never reused.

    Published version tags stay in the repository (as for a deleted version);
    registering ``name`` again continues the numbering.

    >>> _ = register_prompt("summarize", "Sum up {{ text }}")
    >>> delete_prompt("summarize")
    >>> load_prompt("summarize", version="latest", allow_missing=True) is None
    True
    >>> register_prompt("summarize", "Summarize {{ text }}").version
    2
    """
    get_registry().delete_prompt(name)
