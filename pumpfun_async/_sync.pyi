"""PumpFunClient's types, written by ``python -m pumpfun_async._sync_stub``."""

import asyncio
import threading
from collections.abc import Coroutine, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future
from datetime import date, datetime
from types import TracebackType
from typing import Any, TypeVar

import aiohttp

from ._bulk import BulkResult, Progress
from ._cache import StateCache
from ._wallet import Wallet
from ._captcha import CaptchaProvider
from ._options import DEFAULT, Timeout, _Default
from ._ratelimit import RateLimiter, RateLimitSetting
from ._retry import RetryPolicy
from .models import Coin, RepliesPage, Reply, Report, ReportAction, ReportsPage, ReportType

__all__ = ["PumpFunClient", "sync_method_names"]

_SyncT = TypeVar("_SyncT", bound="PumpFunClient")

_T = TypeVar("_T")

def sync_method_names() -> list[str]: ...
def _submit(
    coroutine: Coroutine[Any, Any, _T],
    loop: asyncio.AbstractEventLoop,
    tasks: set[asyncio.Task[Any]] | None = None,
) -> tuple[Future[_T], threading.Event]: ...
def _wait(future: Future[_T], settled: threading.Event | None = None) -> _T: ...

class PumpFunClient:
    """A synchronous client for the pump.fun frontend API, for scripts and notebooks.

    It takes the same arguments as :class:`AsyncPumpFunClient` and has a blocking twin of
    each of its methods, with the same name, parameters and return type::

        with PumpFunClient(token="…") as client:
            client.like("CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump")
            page = client.get_replies("CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump")

    Calls run on one background event-loop thread per client, started on first use. It
    works from plain scripts, from Jupyter and IPython (where the calling thread already
    runs an event loop), and from many threads at once. Ctrl-C during a call cancels the
    call, and returns once it has stopped (a bulk call's requests included). Close it with
    :meth:`close` or a ``with`` block; a client dropped without closing is closed when it is
    garbage collected or when the interpreter exits. In a forked child process the client
    starts a loop thread of its own.
    """

    _loops: list[Any]
    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        client_key: str | None = None,
        captcha: str | CaptchaProvider | None = None,
        timeout: float | Timeout | None = 30.0,
        max_retries: int | RetryPolicy = 3,
        rate_limit: RateLimitSetting | _Default = DEFAULT,
        session: aiohttp.ClientSession | None = None,
        wallet: Wallet | None = None,
        state_cache: StateCache | None = None,
        max_response_bytes: int = 16777216,
    ) -> None: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self: _SyncT) -> _SyncT: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def login(
        self,
    ) -> str:
        """Sign in with the client's wallet now: ``POST /auth/login``; returns the new token.

        The client does this by itself when needed; call it to sign in ahead of time or to
        get a token to store. Concurrent calls share one sign-in.

        Raises:
            ValidationError: The client has no wallet.
            AuthenticationError: The server refused the signature (its message included).
        """

    def like(
        self,
        target_id: str | int,
    ) -> None:
        """Like a coin (by mint) or a reply (by id): ``POST /likes/{targetId}``.

        Liking something already liked changes nothing. With a ``state_cache`` that knows
        the target is liked, no request is sent.

        Args:
            target_id: The coin's mint address (32 to 44 base58 characters) or the reply's
                id (a non-negative ``int``, or its digits as a string). Anything else
                raises :class:`~pumpfun_async.ValidationError` without a request.
        """

    def unlike(
        self,
        target_id: str | int,
    ) -> None:
        """Remove a like from a coin or a reply: ``DELETE /likes/{targetId}``.

        Args:
            target_id: The coin's mint address or the reply's id, as for :meth:`like`.
        """

    def follow(
        self,
        user_id: str,
        captcha_token: str | None = None,
    ) -> None:
        """Follow a user: ``POST /following/{userId}?captchaToken=…``.

        Args:
            user_id: The user to follow (their wallet address or user id).
            captcha_token: A captcha token for this call; defaults to the client's
                ``captcha``. Without one, the parameter is left out.
        """

    def unfollow(
        self,
        user_id: str,
    ) -> None:
        """Stop following a user: ``DELETE /following/{userId}``.

        Args:
            user_id: The user to unfollow (their wallet address or user id).
        """

    def add_bookmark_items(
        self,
        item_id: str,
        bookmark_ids: Iterable[str],
    ) -> None:
        """Add an item (a coin mint) to bookmark collections: ``POST /bookmarks/items/add``.

        Args:
            item_id: The item to bookmark, usually a coin mint.
            bookmark_ids: The collections to add it to (ids, or the name ``default``).
        """

    def remove_bookmark_items(
        self,
        item_id: str,
        bookmark_ids: Iterable[str],
    ) -> None:
        """Remove an item from bookmark collections: ``POST /bookmarks/items/remove``.

        Args:
            item_id: The item to remove, usually a coin mint.
            bookmark_ids: The collections to remove it from.
        """

    def get_bookmark_items(
        self,
        bookmark_id: str,
        limit: int = 50,
        offset: int = 0,
        include_nsfw: bool = False,
    ) -> list[Coin]:
        """List the coins in a bookmark collection: ``GET /coins/bookmarks/{bookmarkId}``.

        Args:
            bookmark_id: The collection's id, or ``default``.
            limit: Page size, 1 to 1,000.
            offset: How many items to skip.
            include_nsfw: Whether to include coins marked NSFW.
        """

    def create_reply(
        self,
        mint: str,
        text: str,
        captcha_token: str | None = None,
    ) -> Reply | None:
        """Post a reply to a coin's thread: ``POST /replies``.

        Args:
            mint: The coin's mint address.
            text: The reply, 1 to 2,000 characters and not blank. Mention another reply
                with ``#<replyId>``.
            captcha_token: A captcha token for this call; defaults to the client's
                ``captcha``. Without one, the field is left out.

        Returns:
            The created reply, or ``None`` when the server answered without one.
        """

    def get_replies(
        self,
        mint: str,
        limit: int = 50,
        offset: int = 0,
    ) -> RepliesPage:
        """Read one page of a coin's replies: ``GET /replies/{mint}``.

        Args:
            mint: The coin's mint address.
            limit: Page size, 1 to 1,000.
            offset: How many replies to skip.
        """

    def create_report(
        self,
        target_id: str | int,
        type: ReportType | str,
        reason: str,
    ) -> Report | None:
        """Report a coin, reply or user: ``POST /reports``.

        Args:
            target_id: The mint or id of what is reported.
            type: A :class:`ReportType` or its value (``"scam"``, ``"spam"``, …).
            reason: Why, in words; must not be blank.

        Returns:
            The created report, or ``None`` when the server answered without one.
        """

    def report_comment(
        self,
        comment_id: str | int,
        reason: str,
    ) -> Report | None:
        """Report a comment: ``POST /reports/reportComment`` with the ``x-client-key`` header.

        Needs the client's ``client_key`` (or ``PUMPFUN_CLIENT_KEY``).

        Args:
            comment_id: The id of the comment (reply) to report.
            reason: Why, in words; must not be blank.

        Returns:
            The created report, or ``None`` when the server answered without one.
        """

    def get_reports(
        self,
        limit: int = 50,
        offset: int = 0,
        type: ReportType | str = 'all',
        done: bool = False,
        created_from: datetime | date | str | None = None,
        created_to: datetime | date | str | None = None,
        is_currently_live: bool = False,
    ) -> ReportsPage:
        """List reports for review (admin): ``GET /reports``.

        Every documented query parameter is always sent; an unset date goes as empty.

        Args:
            limit: Page size, 1 to 1,000.
            offset: How many reports to skip.
            type: A :class:`ReportType`, its value, or ``"all"``.
            done: ``True`` for resolved reports, ``False`` for pending ones.
            created_from: Only reports created at or after this moment (naive means UTC).
            created_to: Only reports created at or before this moment (naive means UTC).
            is_currently_live: Only reports on content that is live right now.
        """

    def update_report(
        self,
        report_id: str | int,
        done: bool,
        action: ReportAction | str,
        notes: str | None = None,
    ) -> Report | None:
        """Resolve or annotate a report (admin): ``POST /reports/update``.

        Args:
            report_id: The report to update.
            done: Whether the report is resolved.
            action: A :class:`ReportAction` or its value (``"banned"``, ``"no_action"``, …).
            notes: Notes on the decision; left out of the request when ``None``.

        Returns:
            The updated report, or ``None`` when the server answered without one.
        """

    def delete_report(
        self,
        report_id: str | int,
    ) -> None:
        """Delete a report for good (admin): ``DELETE /reports/{id}``.

        Args:
            report_id: The report to delete.
        """

    def like_many(
        self,
        targets: Iterable[str | int],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str | int]:
        """Like many coins or replies, ``concurrency`` at a time, through the rate limiter.

        Targets are read lazily (a generator of any length is fine); one failure is
        recorded in its :class:`BulkItem` and never stops the others unless ``fail_fast``,
        which cancels the calls in flight and raises it. A target that is neither a mint
        nor a reply id (see :meth:`like`) is such a failure: a ``ValidationError`` in its
        item, and no request for it.

        Args:
            targets: Mints and reply ids.
            concurrency: The most calls in flight at once.
            fail_fast: Raise the first failure instead of recording it.
            progress: A callback ``(done, total or None)``, or ``True`` for a progress bar
                (needs the ``tqdm`` extra).
        """

    def unlike_many(
        self,
        targets: Iterable[str | int],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str | int]:
        """Remove many likes; works like :meth:`like_many`."""

    def follow_many(
        self,
        user_ids: Iterable[str],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str]:
        """Follow many users (a fresh captcha token each); works like :meth:`like_many`."""

    def unfollow_many(
        self,
        user_ids: Iterable[str],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str]:
        """Unfollow many users; works like :meth:`like_many`."""

    def add_bookmark_items_many(
        self,
        item_ids: Iterable[str],
        bookmark_ids: Iterable[str],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str]:
        """Add many items to the same bookmark collections; works like :meth:`like_many`."""

    def remove_bookmark_items_many(
        self,
        item_ids: Iterable[str],
        bookmark_ids: Iterable[str],
        *,
        concurrency: int = 16,
        fail_fast: bool = False,
        progress: Progress | bool | None = None,
    ) -> BulkResult[str]:
        """Remove many items from bookmark collections; works like :meth:`like_many`."""

    def iter_replies(
        self,
        mint: str,
        *,
        page_size: int = 50,
        max_items: int | None = None,
    ) -> Generator[Reply, None, None]:
        """Every reply in a coin's thread, fetching pages of ``page_size`` as needed.

        Stops when the server says there are no more; a reply seen twice because the
        thread moved while it was read is yielded once. ::

            async for reply in client.iter_replies(mint, max_items=500):
                print(reply.text)

        Args:
            mint: The coin's mint address.
            page_size: Replies per request, 1 to 1,000.
            max_items: Stop after this many replies; ``None`` for all of them.
        """

    def iter_bookmark_items(
        self,
        bookmark_id: str,
        *,
        include_nsfw: bool = False,
        page_size: int = 50,
        max_items: int | None = None,
    ) -> Generator[Coin, None, None]:
        """Every coin in a bookmark collection, page by page until a short or empty page.

        Args:
            bookmark_id: The collection's id, or ``default``.
            include_nsfw: Whether to include coins marked NSFW.
            page_size: Coins per request, 1 to 1,000.
            max_items: Stop after this many coins; ``None`` for all of them.
        """

    def iter_reports(
        self,
        *,
        type: ReportType | str = 'all',
        done: bool = False,
        created_from: datetime | date | str | None = None,
        created_to: datetime | date | str | None = None,
        is_currently_live: bool = False,
        page_size: int = 50,
        max_items: int | None = None,
    ) -> Generator[Report, None, None]:
        """Every report matching the filters (admin), as :meth:`get_reports` pages them.

        Args:
            type: A :class:`ReportType`, its value, or ``"all"``.
            done: ``True`` for resolved reports, ``False`` for pending ones.
            created_from: Only reports created at or after this moment (naive means UTC).
            created_to: Only reports created at or before this moment (naive means UTC).
            is_currently_live: Only reports on content that is live right now.
            page_size: Reports per request, 1 to 1,000.
            max_items: Stop after this many reports; ``None`` for all of them.
        """
