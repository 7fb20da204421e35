"""Running one operation over many targets with bounded concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar, overload

import attrs

from .errors import PumpFunError, ValidationError

__all__ = ["BulkItem", "BulkResult", "Progress", "run_bulk"]

T = TypeVar("T")
Progress = Callable[[int, "int | None"], object]
"""A progress callback: called with (items done, total or ``None`` when unknown)."""


@attrs.frozen
class BulkItem(Generic[T]):
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


class BulkResult(Sequence[BulkItem[T]]):
    """The outcomes of a bulk call, one :class:`BulkItem` per target, in input order."""

    def __init__(self, items: list[BulkItem[T]]) -> None:
        self._items = items

    @overload
    def __getitem__(self, index: int) -> BulkItem[T]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[BulkItem[T]]: ...
    def __getitem__(self, index: int | slice) -> BulkItem[T] | Sequence[BulkItem[T]]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    @property
    def succeeded(self) -> list[BulkItem[T]]:
        """The items that succeeded, in input order."""
        return [item for item in self._items if item.ok]

    @property
    def failed(self) -> list[BulkItem[T]]:
        """The items that failed, in input order."""
        return [item for item in self._items if not item.ok]

    def __repr__(self) -> str:
        return f"BulkResult({len(self.succeeded)} succeeded, {len(self.failed)} failed)"


def _check(concurrency: object, fail_fast: object) -> int:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError(
            "concurrency", f"expected an integer of 1 or more, got {concurrency!r}"
        )
    if not isinstance(fail_fast, bool):
        raise ValidationError("fail_fast", f"expected True or False, got {fail_fast!r}")
    return concurrency


def _progress_callback(
    progress: Progress | bool | None, total: int | None
) -> tuple[Progress | None, Callable[[], None]]:
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ValidationError(
                "progress", "progress=True needs tqdm: pip install 'pumpfun-async[tqdm]'"
            ) from None
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
) -> BulkResult[T]:
    """Call ``call(target)`` for every target, at most ``concurrency`` at a time.

    Targets are drawn lazily, so only ``concurrency`` calls (and tasks) exist at once.
    A :class:`~pumpfun_async.PumpFunError` is recorded in the target's item; with
    ``fail_fast`` the first one cancels the calls in flight and is raised. Cancelling the
    bulk call cancels every call in flight.
    """
    workers_wanted = _check(concurrency, fail_fast)
    total = len(targets) if isinstance(targets, Sized) else None
    report, finish = _progress_callback(progress, total)
    results: dict[int, BulkItem[T]] = {}
    source: Iterator[tuple[int, T]] = enumerate(targets)

    async def worker() -> None:
        for index, target in source:
            try:
                item: BulkItem[T] = BulkItem(target, True, await call(target))
            except PumpFunError as error:
                if fail_fast:
                    raise
                item = BulkItem(target, False, error=error)
            results[index] = item
            if report is not None:
                report(len(results), total)

    workers = [asyncio.ensure_future(worker()) for _ in range(workers_wanted)]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    finally:
        finish()
    return BulkResult([results[i] for i in range(len(results))])
