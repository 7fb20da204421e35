"""PumpFunClient: the synchronous facade, generated from AsyncPumpFunClient.

Every public coroutine method of :class:`AsyncPumpFunClient` gets a blocking twin with the
same name, signature and docstring, built when this module is imported; async iterator
methods become plain iterators. The twins hand each call to one background event-loop
thread (anyio's blocking portal) that owns the async client and everything bound to its
loop: the aiohttp session, the rate limiters, the retry sleeps.

Type checkers read ``_sync.pyi``, which ``python -m pumpfun_async._tools.sync_stub`` writes from
the async client; a test fails when it is out of date.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import functools
import inspect
import operator
import os
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from anyio.from_thread import BlockingPortal, start_blocking_portal

from ._client import AsyncPumpFunClient
from ._options import DEFAULT_BASE_URL
from ._secrets import forget_secrets
from .errors import ClientClosedError

if TYPE_CHECKING:
    from ._raw_ops import RawResponses

__all__ = ["PumpFunClient", "sync_method_names", "sync_property_names"]

_T = TypeVar("_T")
_SyncT = TypeVar("_SyncT", bound="PumpFunClient")
_NOT_WRAPPED = frozenset({"aclose"})
_CLOSED = "this client has been closed; create a new PumpFunClient to send requests"
_CLOSED_WHILE_BUSY = (
    "this client was closed while the call was in progress; "
    "create a new PumpFunClient to send requests"
)


class _Loop:
    """One event-loop thread and the async client living on it.

    Every call handed to the loop goes through :meth:`submit`, which refuses new calls once
    :meth:`close` has begun; ``close`` then closes the async client (which interrupts the
    calls in progress with :class:`ClientClosedError`), waits for the calls to end, stops
    the thread, and fails with ``ClientClosedError`` any call the loop never got to run.
    """

    def __init__(self, client: AsyncPumpFunClient) -> None:
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._closing = False
        # Calls handed to the loop and not yet answered (any thread), and their tasks
        # (the loop thread only).
        self._calls: set[concurrent.futures.Future[Any]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._manager: AbstractContextManager[BlockingPortal] = start_blocking_portal(
            name="pumpfun-async"
        )
        self.portal = self._manager.__enter__()
        self.thread_id: int = self.portal.call(threading.get_ident)
        self.loop: asyncio.AbstractEventLoop = self.portal.call(_running_loop)
        # Built in the caller's thread: nothing of it is bound to a loop until first use.
        self.client = client

    def submit(
        self, coroutine: Coroutine[Any, Any, _T]
    ) -> tuple[concurrent.futures.Future[_T], threading.Event]:
        """Run ``coroutine`` on the loop (see :func:`_submit`), unless the client is closing."""
        with self._lock:
            if self._closing:
                coroutine.close()
                raise ClientClosedError(_CLOSED)
            future, settled = _submit(coroutine, self.loop, self._tasks)
            calls = self._calls
            calls.add(future)
        future.add_done_callback(calls.discard)
        return future, settled

    def close(self) -> None:
        with self._lock:
            self._closing = True  # from here on, submit() refuses: the set of calls is final
        try:
            self.portal.call(self._aclose)
        finally:
            self._manager.__exit__(None, None, None)
            # The thread has stopped: a call whose task never started would wait for ever.
            for future in list(self._calls):
                if not future.done() and future.set_running_or_notify_cancel():
                    future.set_exception(ClientClosedError(_CLOSED_WHILE_BUSY))

    async def _aclose(self) -> None:
        await self.client.aclose()
        # Calls between two requests (a bulk call's own task, an iterator's next page)
        # meet the closed client and end; the loop's shutdown cancels any that does not.
        running = [task for task in self._tasks if not task.done()]
        if running:
            await asyncio.wait(running, timeout=_SETTLE_SECONDS)


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


class _State:
    """What a client and its ``with_options`` views share: the loop thread, closing."""

    def __init__(self) -> None:
        self.loops: list[_Loop] = []
        self.lock = threading.Lock()
        self.closing = threading.Lock()
        self.closed = False


def _shutdown(loops: list[_Loop]) -> None:
    """Close whatever loop a client still holds (at close, collection or exit)."""
    while loops:
        loop = loops.pop()
        if loop.pid == os.getpid():
            loop.close()


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            bound = inspect.signature(AsyncPumpFunClient).bind(*args, **kwargs)
            root = AsyncPumpFunClient(**bound.arguments)  # checked now, in this thread
        except BaseException as error:
            # The token and the proxy among them: reporters capture locals.
            args, kwargs, bound = (), {}, None  # type: ignore[assignment]
            forget_secrets(error)
            raise
        self._kwargs = dict(bound.arguments)
        self._root = root  # the async client the loop thread runs (until a fork)
        self._client = root  # what this facade's calls go to: root, or a view of it
        self._options: dict[str, Any] = {}  # the with_options() that made the view
        self._state = _State()
        # Tied to what the client and its views share: the thread lives while any of them.
        self._finalizer = weakref.finalize(self._state, _shutdown, self._state.loops)

    def with_options(self, **options: Any) -> PumpFunClient:
        """A light copy with other options, as :meth:`AsyncPumpFunClient.with_options`.

        It shares this client's loop thread, session, secrets and, unless ``rate_limit`` is
        given, its rate limiters; closing either closes both.
        """
        try:
            client = self._client.with_options(**options)
        except BaseException as error:
            options = {}  # a proxy's password among them: reporters capture locals
            forget_secrets(error)
            raise
        view = copy.copy(self)
        view._client = client
        view._options = {**self._options, **options}
        return view

    @property
    def _loops(self) -> list[_Loop]:
        """The loop thread, while it runs (a list: empty before first use and after close)."""
        return self._state.loops

    def _target(self, loop: _Loop) -> AsyncPumpFunClient:
        """The async client (or view) this facade's calls go to on ``loop``."""
        if loop.client is self._root:
            return self._client
        return loop.client.with_options(**self._options) if self._options else loop.client

    def _loop(self) -> _Loop:
        state = self._state
        loops = state.loops
        try:
            loop = loops[-1]
        except IndexError:  # none yet, or close() has just taken it
            pass
        else:
            if loop.pid == os.getpid():
                return loop  # if it is closing, its submit() refuses the call
        with state.lock:
            if state.closed:
                raise ClientClosedError(_CLOSED)
            if loops and loops[-1].pid != os.getpid():
                # A forked child: the parent's loop thread (and the session bound to its
                # loop) does not exist here; a client of its own takes over.
                loops.clear()
                loops.append(_Loop(AsyncPumpFunClient(**self._kwargs)))
            if not loops:
                loops.append(_Loop(self._root))
            return loops[-1]

    def _run(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        loop = self._loop()
        if threading.get_ident() == loop.thread_id:
            raise RuntimeError(
                f"PumpFunClient.{method}() was called from the client's own event-loop thread, "
                "where it would deadlock; await AsyncPumpFunClient there instead"
            )
        # The portal owns the thread; calls go straight to its loop, which costs less per
        # call than the portal's own task machinery.
        # operator.attrgetter: with_raw_response's methods come as "with_raw_response.like".
        coroutine = operator.attrgetter(method)(self._target(loop))(*args, **kwargs)
        return _wait(*loop.submit(coroutine))

    def _iterate(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Iterator[Any]:
        loop = self._loop()
        iterator: AsyncIterator[Any] = getattr(self._target(loop), method)(*args, **kwargs)
        try:
            while True:
                try:
                    yield _wait(*loop.submit(_next(iterator)))
                except StopAsyncIteration:
                    return
        finally:
            if hasattr(iterator, "aclose"):
                # Closed client: its loop has finalised the iterator, or never started it.
                with contextlib.suppress(ClientClosedError):
                    _wait(*loop.submit(_finalise(iterator)))

    @property
    def with_raw_response(self) -> RawResponses:
        """Every operation (and :meth:`request`), returning the server's raw answer.

        ``client.with_raw_response.get_replies(mint)`` sends what ``client.get_replies(mint)``
        sends and returns a :class:`~pumpfun_async.RawResponse`, as
        :attr:`AsyncPumpFunClient.with_raw_response` does.
        """
        from ._raw_ops import RawResponses

        return RawResponses(self)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called (on this client or a view of it)."""
        return self._state.closed

    def close(self) -> None:
        """Close the client: stop its calls, close the HTTP session, stop its thread.

        Calls in progress in other threads (iterators and bulk calls included) raise
        :class:`~pumpfun_async.ClientClosedError`, as does every later call; no request
        reaches the network once ``close()`` has begun. It returns once the loop thread
        has stopped; calling it again, or from several threads at once, is harmless.
        """
        state = self._state
        with state.lock:
            state.closed = True
        with state.closing:  # a second close() returns only once the first has finished
            self._finalizer()

    def __enter__(self: _SyncT) -> _SyncT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        # Also for a client whose constructor raised (error reporters show its locals).
        kwargs = getattr(self, "_kwargs", None)
        if not isinstance(kwargs, dict):
            return "PumpFunClient(<not initialised>)"
        client = getattr(self, "_client", None)
        base_url = client.base_url if isinstance(client, AsyncPumpFunClient) else None
        state = getattr(self, "_state", None)
        closed = state.closed if isinstance(state, _State) else None
        return f"PumpFunClient(base_url={base_url or DEFAULT_BASE_URL!r}, closed={closed})"


# How long Ctrl-C waits for the cancelled call to finish unwinding on the loop thread.
_SETTLE_SECONDS = 5.0


def _submit(
    coroutine: Coroutine[Any, Any, _T],
    loop: asyncio.AbstractEventLoop,
    tasks: set[asyncio.Task[Any]] | None = None,
) -> tuple[concurrent.futures.Future[_T], threading.Event]:
    """Run ``coroutine`` as a task on ``loop`` (another thread's) and return its future.

    Like ``asyncio.run_coroutine_threadsafe``, and cancelling the future cancels the task;
    the event is set once the task has finished, cancellation and clean-up included. The
    task is kept in ``tasks`` while it runs. A task cancelled by anything but the future
    (the loop shutting down) fails the future with :class:`ClientClosedError`.
    """
    future: concurrent.futures.Future[_T] = concurrent.futures.Future()
    settled = threading.Event()

    def finish(task: asyncio.Task[_T]) -> None:
        try:
            if task.cancelled():
                if future.set_running_or_notify_cancel():  # not the caller's cancel
                    future.set_exception(ClientClosedError(_CLOSED_WHILE_BUSY))
                return
            error = task.exception()  # retrieved even when nobody waits any more
            if future.set_running_or_notify_cancel():
                if error is None:
                    future.set_result(task.result())
                else:
                    future.set_exception(error)
        finally:
            settled.set()

    def start() -> None:
        if future.cancelled():
            coroutine.close()
            settled.set()
            return
        task = loop.create_task(coroutine)
        if tasks is not None:
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        task.add_done_callback(finish)

        def cancel_task(done: concurrent.futures.Future[_T]) -> None:
            if done.cancelled():
                # A loop already closed has nothing left to cancel.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(task.cancel)

        future.add_done_callback(cancel_task)

    loop.call_soon_threadsafe(start)
    return future, settled


async def _next(iterator: AsyncIterator[_T]) -> _T:
    return await iterator.__anext__()


async def _finalise(iterator: AsyncIterator[Any]) -> None:
    await iterator.aclose()  # type: ignore[attr-defined]  # checked by the caller


def _wait(future: concurrent.futures.Future[_T], settled: threading.Event | None = None) -> _T:
    try:
        return future.result()
    except KeyboardInterrupt:
        future.cancel()
        # Back to the caller only once the call has stopped: no request of it in flight.
        if settled is not None:
            settled.wait(_SETTLE_SECONDS)
        raise


def _twin(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isasyncgenfunction(original):

        def iterate(self: PumpFunClient, *args: Any, **kwargs: Any) -> Any:
            return self._iterate(name, args, kwargs)

        method = iterate
    else:

        def call(self: PumpFunClient, *args: Any, **kwargs: Any) -> Any:
            try:
                return self._run(name, args, kwargs)
            except BaseException as error:
                args, kwargs = (), {}  # a captcha token among them: reporters capture locals
                forget_secrets(error)
                raise

        method = call
    functools.update_wrapper(method, original)
    del method.__wrapped__  # type: ignore[attr-defined]  # inspect must not see the coroutine
    method.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]
    method.__qualname__ = f"PumpFunClient.{name}"
    return method


def _mirror(name: str) -> property:
    """A read-only property of PumpFunClient showing its async client's ``name``."""
    original: property = getattr(AsyncPumpFunClient, name)

    def get(self: PumpFunClient) -> Any:
        return getattr(self._client, name)

    get.__name__ = name
    get.__doc__ = original.__doc__
    return property(get, doc=original.__doc__)


def sync_property_names() -> list[str]:
    """The public properties of AsyncPumpFunClient that PumpFunClient mirrors, in order."""
    return [
        name
        for name, member in vars(AsyncPumpFunClient).items()
        if not name.startswith("_") and isinstance(member, property)
    ]


def sync_method_names() -> list[str]:
    """The public methods of AsyncPumpFunClient that PumpFunClient mirrors, in order."""
    names = []
    for name, member in vars(AsyncPumpFunClient).items():
        if name.startswith("_") or name in _NOT_WRAPPED:
            continue
        if inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member):
            names.append(name)
    return names


for _name in sync_method_names():
    setattr(PumpFunClient, _name, _twin(_name, getattr(AsyncPumpFunClient, _name)))
for _name in sync_property_names():
    if _name not in vars(PumpFunClient):  # closed is the facade's own
        setattr(PumpFunClient, _name, _mirror(_name))
del _name
PumpFunClient.with_options.__signature__ = inspect.signature(  # type: ignore[attr-defined]
    AsyncPumpFunClient.with_options
).replace(return_annotation="PumpFunClient")
