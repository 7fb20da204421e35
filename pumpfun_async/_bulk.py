"""Running one operation over many targets with bounded concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar, overload

import attrs

from ._display import ModelMixin, TableMixin
from ._extras import missing_extra
from ._repr import robust_repr
from ._validate import check_bool, check_int
from .errors import ClientClosedError, PumpFunError, ValidationError

__all__ = ["BulkItem", "BulkResult", "Progress", "run_bulk"]

T = TypeVar("T")
Progress = Callable[[int, "int | None"], object]
"""A progress callback: called with (items done, total or ``None`` when unknown)."""


@robust_repr
@attrs.frozen
class BulkItem(ModelMixin, Generic[T]):
    """The outcome for one target of a bulk call.

    Attributes:
        target: The target, as given.
        ok: Whether the call succeeded.
        value: What the call returned (``None`` for likes, follows and bookmarks).
        error: The :class:`~pumpfun_async.PumpFunError` it failed with, if it failed.
    """

    target: T
    ok: bool
    value: Any = None
    error: PumpFunError | None = None


class _Failed:
    """A failure as :class:`BulkResult` stores it, told apart from any returned value."""

    __slots__ = ("error",)

    def __init__(self, error: PumpFunError) -> None:
        self.error = error


_PENDING: Any = object()


class BulkResult(TableMixin, Sequence[BulkItem[T]]):
    """The outcomes of a bulk call, one :class:`BulkItem` per target, in input order.

    It keeps two references per target and builds each :class:`BulkItem` when it is read,
    so a result over 100,000 targets stays small. In Jupyter it shows as a table (and
    ``str()`` gives one as text); ``repr()`` counts the outcomes.
    """

    __slots__ = ("_outcomes", "_targets")

    def __init__(self, targets: list[T], outcomes: list[Any]) -> None:
        self._targets = targets
        self._outcomes = outcomes

    @classmethod
    def from_items(cls, items: Iterable[BulkItem[T]]) -> BulkResult[T]:
        """A result holding these items, in this order."""
        targets: list[T] = []
        outcomes: list[Any] = []
        for item in items:
            targets.append(item.target)
            if item.ok:
                outcomes.append(item.value)
            elif item.error is None:
                raise ValidationError("items", "a failed BulkItem must carry its error")
            else:
                outcomes.append(_Failed(item.error))
        return cls(targets, outcomes)

    def _item(self, index: int) -> BulkItem[T]:
        outcome = self._outcomes[index]
        if isinstance(outcome, _Failed):
            return BulkItem(self._targets[index], False, error=outcome.error)
        return BulkItem(self._targets[index], True, outcome)

    @overload
    def __getitem__(self, index: int) -> BulkItem[T]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[BulkItem[T]]: ...
    def __getitem__(self, index: int | slice) -> BulkItem[T] | Sequence[BulkItem[T]]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self._targets)))]
        if index < 0:
            index += len(self._targets)
        if not 0 <= index < len(self._targets):
            raise IndexError("BulkResult index out of range")
        return self._item(index)

    def __len__(self) -> int:
        return len(self._targets)

    def __iter__(self) -> Iterator[BulkItem[T]]:
        return (self._item(i) for i in range(len(self._targets)))

    @property
    def succeeded(self) -> list[BulkItem[T]]:
        """The items that succeeded, in input order."""
        return [self._item(i) for i, o in enumerate(self._outcomes) if not isinstance(o, _Failed)]

    @property
    def failed(self) -> list[BulkItem[T]]:
        """The items that failed, in input order."""
        return [self._item(i) for i, o in enumerate(self._outcomes) if isinstance(o, _Failed)]

    @property
    def ok(self) -> bool:
        """Whether every call succeeded."""
        return not any(isinstance(o, _Failed) for o in self._outcomes)

    def to_dict(self, *, raw: bool = False) -> dict[str, Any]:
        """The result as JSON-ready data: ``{"ok": ..., "items": [item.to_dict(), ...]}``.

        Args:
            raw: Include what the server sent in the items' values that are models.
        """
        return {"ok": self.ok, "items": [item.to_dict(raw=raw) for item in self]}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BulkResult):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        outcomes = getattr(self, "_outcomes", None)
        if outcomes is None:
            return "BulkResult(<not initialised>)"  # made with __new__ alone
        failed = sum(isinstance(o, _Failed) for o in outcomes)
        return f"BulkResult({len(outcomes) - failed} succeeded, {failed} failed)"


def _check(concurrency: object, fail_fast: object) -> int:
    check_bool(fail_fast, "fail_fast")
    return check_int(concurrency, "concurrency", low=1)


def _progress_callback(
    progress: Progress | bool | None, total: int | None
) -> tuple[Progress | None, Callable[[], None]]:
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ValidationError("progress", missing_extra("progress=True", "tqdm")) from None
        bar = tqdm(total=total, unit="call")

        def advance(done: int, _total: int | None) -> None:
            bar.update(done - bar.n)

        return advance, bar.close
    if not callable(progress):
        raise ValidationError("progress", "expected a callable, True, or None")
    return progress, lambda: None


async def run_bulk(
    call: Callable[[T], Awaitable[Any]],
    targets: Iterable[T],
    *,
    concurrency: int,
    fail_fast: bool,
    progress: Progress | bool | None,
    keep_values: bool = True,
) -> BulkResult[T]:
    """Call ``call(target)`` for every target, at most ``concurrency`` at a time.

    Targets are drawn lazily, one each time a call is about to start, so at most
    ``concurrency`` calls (and worker tasks: fewer when there are fewer targets) exist at
    once. A :class:`~pumpfun_async.PumpFunError` is recorded in the target's item; with
    ``fail_fast`` the first one is raised instead. A
    :class:`~pumpfun_async.ClientClosedError` (the client was closed during the batch) is
    always raised: every later call would fail the same way. Anything raised (that error, another
    exception from ``call``, from iterating ``targets`` or from the ``progress`` callback)
    and cancelling the bulk call alike stop it the same way: no further target is drawn,
    the calls in flight are cancelled and waited for, and the exception propagates, so no
    task is left behind. Without ``keep_values`` each success is recorded as ``None``
    (likes and follows answer with bodies nobody needs to keep 100,000 of).
    """
    workers_wanted = _check(concurrency, fail_fast)
    total = len(targets) if isinstance(targets, Sized) else None
    report, finish = _progress_callback(progress, total)
    drawn: list[T] = []
    outcomes: list[Any] = []
    done = 0
    stopping = False
    source = iter(targets)

    def draw() -> int | None:
        """The index of the next target, or ``None`` when none is left or the batch stops."""
        if stopping:
            return None
        for target in source:
            drawn.append(target)
            outcomes.append(_PENDING)
            return len(drawn) - 1
        return None

    async def worker(index: int | None) -> None:
        nonlocal done, stopping
        try:
            while index is not None:
                try:
                    value = await call(drawn[index])
                    outcomes[index] = value if keep_values else None
                except PumpFunError as error:
                    # A closed client fails every call that follows: the batch is over.
                    if fail_fast or isinstance(error, ClientClosedError):
                        raise
                    outcomes[index] = _Failed(error)
                done += 1
                if report is not None:
                    report(done, total)
                index = draw()
        except BaseException:
            stopping = True  # set before any other worker can draw again
            raise

    # A worker is started only for a target already drawn: three targets, three tasks.
    workers: list[asyncio.Future[None]] = []
    try:
        while len(workers) < workers_wanted and (first := draw()) is not None:
            workers.append(asyncio.ensure_future(worker(first)))
        await asyncio.gather(*workers)
    except BaseException:
        stopping = True
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    finally:
        finish()
    return BulkResult(drawn, outcomes)
