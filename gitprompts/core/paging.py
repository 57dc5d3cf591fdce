"""``PagedList``: a list of results that also carries the ``token`` of the next page (MLflow's).

The token is opaque to callers; here it is the offset of the next result,
so it stays valid while the listing does not change.

>>> page = PagedList(["a", "b"], next_token(2, 5))
>>> page, page.token, offset_of(page.token)
(['a', 'b'], '2', 2)
>>> PagedList(["a"], next_token(1, 1)).token is None
True
"""

from __future__ import annotations

from typing import TypeVar

from gitprompts.errors import InvalidInputError

T = TypeVar("T")


class PagedList(list[T]):
    """A ``list`` with ``token``: None on the last page, else what fetches the next one."""

    def __init__(self, items: list[T], token: str | None) -> None:
        super().__init__(items)
        self.token = token

    def to_list(self) -> list[T]:
        return list(self)


def next_token(end: int, total: int) -> str | None:
    """The token of the page after results ``[..end)`` of ``total``; None if there is none."""
    return str(end) if end < total else None


def offset_of(token: str | None) -> int:
    """The offset a token names; InvalidInputError for anything a search did not return."""
    if token is None:
        return 0
    if not isinstance(token, str) or not token.isdigit() or len(token) > 12:
        raise InvalidInputError(
            f"page_token {token!r} is not a token returned by search_prompts (.token of a page)"
        )
    return int(token)
