"""Conditional GETs: the ``ETag`` a request was last answered with, and "not modified".

The watchers (:mod:`._watch`) hand a :class:`Conditional` to the transport: it sends the
ETag it holds as ``If-None-Match``, keeps the ETag of each successful answer, and returns
:data:`NOT_MODIFIED` instead of a body when the server answers ``304``. Requests without
one are untouched, so a ``304`` can never reach an ordinary call as a success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, final

if TYPE_CHECKING:
    import aiohttp

__all__ = ["NOT_MODIFIED", "Conditional", "NotModified"]


class Conditional:
    """The validator of one repeated request.

    Attributes:
        etag: The ``ETag`` of the last successful answer, sent as ``If-None-Match`` next
            time; ``None`` until the server sends one.
    """

    __slots__ = ("etag",)

    def __init__(self, etag: str | None = None) -> None:
        self.etag = etag

    def headers(self, headers: Mapping[str, str]) -> Mapping[str, str]:
        """``headers`` with ``If-None-Match`` added when there is an ETag to send."""
        return headers if not self.etag else {**headers, "If-None-Match": self.etag}

    def unchanged(self, response: aiohttp.ClientResponse) -> bool:
        """Whether ``response`` says "not modified"; otherwise keep a success's ETag."""
        status = response.status
        if status == 304:
            return True
        if 200 <= status < 300:
            self.etag = response.headers.get("ETag")
        return False

    def __repr__(self) -> str:
        return f"Conditional(etag={self.etag!r})"


@final
class NotModified:
    """The outcome of a conditional request answered ``304 Not Modified``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_MODIFIED"


NOT_MODIFIED: Final = NotModified()
"""What the transport returns for a ``304`` to a conditional request."""
