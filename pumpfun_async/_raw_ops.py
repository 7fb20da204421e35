"""``client.with_raw_response``: each operation again, returning a :class:`RawResponse`.

The methods are built when this module is imported, one per entry of the endpoint table
(and :meth:`~AsyncPumpFunClient.request`), with the plain method's parameters and a
``RawResponse[...]`` of its return type. Each runs the plain method itself, so the request,
its checks and its decoding are never written twice. Type checkers read ``_raw_ops.pyi``,
which ``python -m pumpfun_async._tools.sync_stub`` writes along with the sync client's stub.

Left out: the iterators (``iter_*``) and bulk helpers (``*_many``), which make many
requests, and ``login``, whose answer is a secret.
"""

from __future__ import annotations

import functools
import inspect
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from ._client import AsyncPumpFunClient
from ._endpoints import ENDPOINTS
from ._raw import CAPTURE, Capture, RawResponse
from ._secrets import forget_secrets
from .errors import APIError

if TYPE_CHECKING:
    from ._sync import PumpFunClient

__all__ = ["RAW_METHOD_NAMES", "AsyncRawResponses", "RawResponses", "raw_doc", "raw_returns"]

RAW_METHOD_NAMES: tuple[str, ...] = (*ENDPOINTS, "request")
"""The client methods that have a raw form, in the endpoint table's order."""


class AsyncRawResponses:
    """``AsyncPumpFunClient.with_raw_response``: every operation, answering with a RawResponse.

    ``await client.with_raw_response.like(mint)`` takes what ``client.like`` takes and
    returns a :class:`~pumpfun_async.RawResponse` whose ``parse()`` gives what it returns.
    """

    __slots__ = ("_client",)

    def __init__(self, client: AsyncPumpFunClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<with_raw_response of {self._client!r}>"


class RawResponses:
    """``PumpFunClient.with_raw_response``: the blocking twin of :class:`AsyncRawResponses`."""

    __slots__ = ("_client",)

    def __init__(self, client: PumpFunClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<with_raw_response of {self._client!r}>"


def _identity(value: Any) -> Any:
    return value


def _raise(error: APIError) -> NoReturn:
    raise error.with_traceback(None)


def raw_returns(name: str) -> str:
    """The return annotation of the raw form of client method ``name``."""
    returns = inspect.signature(getattr(AsyncPumpFunClient, name)).return_annotation
    return f"RawResponse[{returns}]"


def raw_doc(name: str) -> str:
    """The docstring of the raw form of client method ``name``."""
    original = inspect.getdoc(getattr(AsyncPumpFunClient, name)) or ""
    summary = original.split("\n\n", 1)[0]
    detail = (
        f"The raw form of :meth:`AsyncPumpFunClient.{name}`: the same request and errors, "
        f"answered with a :class:`~pumpfun_async.RawResponse` whose ``parse()`` gives what "
        f"``{name}`` returns."
    )
    return f"{summary}\n\n{textwrap.fill(detail, 88)}"


def _signature(name: str) -> inspect.Signature:
    original = inspect.signature(getattr(AsyncPumpFunClient, name))
    return original.replace(return_annotation=raw_returns(name))


def _async_method(name: str) -> Callable[..., Any]:
    async def method(self: AsyncRawResponses, *args: Any, **kwargs: Any) -> RawResponse[Any]:
        capture = Capture()
        reset = CAPTURE.set(capture)
        try:
            value = await getattr(self._client, name)(*args, **kwargs)
        except BaseException as error:
            args, kwargs = (), {}  # a captcha token among them: reporters capture locals
            forget_secrets(error)
            if capture.endpoint is None or not isinstance(error, APIError):
                raise
            # The answer passed every check of the request path; only making the method's
            # model from its JSON failed: that is parse()'s to raise.
            return RawResponse.from_capture(capture, functools.partial(_raise, error))
        finally:
            CAPTURE.reset(reset)
        return RawResponse.from_capture(capture, functools.partial(_identity, value))

    return _dress(method, name, "AsyncRawResponses")


def _sync_method(name: str) -> Callable[..., Any]:
    def method(self: RawResponses, *args: Any, **kwargs: Any) -> RawResponse[Any]:
        try:
            response: RawResponse[Any] = self._client._run(
                f"with_raw_response.{name}", args, kwargs
            )
        except BaseException as error:
            args, kwargs = (), {}  # a captcha token among them: reporters capture locals
            forget_secrets(error)
            raise
        return response

    return _dress(method, name, "RawResponses")


def _dress(method: Callable[..., Any], name: str, owner: str) -> Callable[..., Any]:
    method.__name__ = name
    method.__qualname__ = f"{owner}.{name}"
    method.__doc__ = raw_doc(name)
    method.__signature__ = _signature(name)  # type: ignore[attr-defined]
    return method


for _name in RAW_METHOD_NAMES:
    setattr(AsyncRawResponses, _name, _async_method(_name))
    setattr(RawResponses, _name, _sync_method(_name))
del _name
