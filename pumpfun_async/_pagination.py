"""Walking offset-paginated endpoints item by item."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from ._validate import check_int

__all__ = ["check_max_items", "paginate"]

T = TypeVar("T")

Fetch = Callable[[int], Awaitable[tuple[Sequence[T], "bool | None"]]]


def check_max_items(value: object) -> int | None:
    """``None`` (no limit) or an integer of 0 or more."""
    if value is None:
        return None
    return check_int(value, "max_items", low=0)


async def paginate(
    fetch: Fetch[T], key: Callable[[T], Hashable], *, page_size: int, max_items: int | None
) -> AsyncIterator[T]:
    """Yield the items of successive pages until the server says there are no more.

    ``fetch(offset)`` returns a page's items and the server's "has more" flag (``None`` when
    the endpoint has none: then a short or empty page ends the walk). An item seen before,
    because the list moved while it was walked, is yielded once.

    Two full pages in a row with nothing new also end it: a server that ignores the offset
    would otherwise be asked for the same page forever. (One such page can happen when as
    many items as a page holds arrive at the head of the list meanwhile.)
    """
    if max_items == 0:
        return
    seen: set[Hashable] = set()
    offset = 0
    pages_without_news = 0
    while True:
        items, has_more = await fetch(offset)
        before = len(seen)
        for item in items:
            identity = key(item)
            if identity in seen:
                continue
            seen.add(identity)
            yield item
            if max_items is not None and len(seen) >= max_items:
                return
        offset += len(items)
        if not items or has_more is False or (has_more is None and len(items) < page_size):
            return
        pages_without_news = pages_without_news + 1 if len(seen) == before else 0
        if pages_without_news == 2:
            return
