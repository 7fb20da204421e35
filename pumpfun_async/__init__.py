"""pumpfun_async: an async-first SDK for the pump.fun social and moderation API.

::

    from pumpfun_async import AsyncPumpFunClient

    async with AsyncPumpFunClient(token="…") as client:
        await client.like("CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump")
"""

import importlib as _importlib
import typing as _typing
import warnings as _warnings

from ._version import __version__

if _typing.TYPE_CHECKING:
    from ._bulk import BulkItem, BulkResult
    from ._cache import StateCache
    from ._captcha import CaptchaProvider
    from ._client import AsyncPumpFunClient
    from ._dataframe import to_dataframe
    from ._display import Table, table
    from ._hooks import HookEvent, RateLimitWaitEvent, RequestEvent, ResponseEvent, RetryEvent
    from ._options import DEFAULT, DEFAULT_BASE_URL, Timeout
    from ._pacing import ServerRateLimit
    from ._ratelimit import RateLimiter, TokenBucket
    from ._raw import RawResponse
    from ._redis import RedisRateLimiter
    from ._retry import RetryPolicy
    from ._sync import PumpFunClient
    from ._wallet import Wallet
    from .errors import (
        APIError,
        AuthenticationError,
        BadRequestError,
        BlockedError,
        ClientClosedError,
        ConnectError,
        NotFoundError,
        PermissionDeniedError,
        ProxyError,
        PumpFunError,
        RateLimitError,
        RequestTimeoutError,
        ResponseTooLargeError,
        ServerError,
        TransportError,
        ValidationError,
    )
    from .models import (
        Coin,
        Follower,
        RepliesPage,
        Reply,
        Report,
        ReportAction,
        ReportsPage,
        ReportType,
        User,
    )

__all__ = [
    "DEFAULT",
    "DEFAULT_BASE_URL",
    "APIError",
    "AsyncPumpFunClient",
    "AuthenticationError",
    "BadRequestError",
    "BlockedError",
    "BulkItem",
    "BulkResult",
    "CaptchaProvider",
    "ClientClosedError",
    "Coin",
    "ConnectError",
    "Follower",
    "HookEvent",
    "NotFoundError",
    "PermissionDeniedError",
    "ProxyError",
    "PumpFunClient",
    "PumpFunError",
    "RateLimitError",
    "RateLimitWaitEvent",
    "RateLimiter",
    "RawResponse",
    "RedisRateLimiter",
    "RepliesPage",
    "Reply",
    "Report",
    "ReportAction",
    "ReportType",
    "ReportsPage",
    "RequestEvent",
    "RequestTimeoutError",
    "ResponseEvent",
    "ResponseTooLargeError",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "ServerRateLimit",
    "StateCache",
    "Table",
    "Timeout",
    "TokenBucket",
    "TransportError",
    "User",
    "ValidationError",
    "Wallet",
    "__version__",
    "table",
    "to_dataframe",
]

# Where each public name lives. Importing the package loads none of these modules: the first
# use of a name imports its module (PEP 562). So the `pumpfun` command can report a Ctrl-C
# during its own start-up as one line, and `import pumpfun_async` costs next to nothing.
_MODULES = {
    "APIError": "errors",
    "AsyncPumpFunClient": "_client",
    "AuthenticationError": "errors",
    "BadRequestError": "errors",
    "BlockedError": "errors",
    "BulkItem": "_bulk",
    "BulkResult": "_bulk",
    "CaptchaProvider": "_captcha",
    "ClientClosedError": "errors",
    "Coin": "models",
    "ConnectError": "errors",
    "DEFAULT": "_options",
    "DEFAULT_BASE_URL": "_options",
    "Follower": "models",
    "HookEvent": "_hooks",
    "NotFoundError": "errors",
    "PermissionDeniedError": "errors",
    "ProxyError": "errors",
    "PumpFunClient": "_sync",
    "PumpFunError": "errors",
    "RateLimitError": "errors",
    "RateLimitWaitEvent": "_hooks",
    "RateLimiter": "_ratelimit",
    "RawResponse": "_raw",
    "RedisRateLimiter": "_redis",
    "RepliesPage": "models",
    "Reply": "models",
    "Report": "models",
    "ReportAction": "models",
    "ReportType": "models",
    "ReportsPage": "models",
    "RequestEvent": "_hooks",
    "ResponseEvent": "_hooks",
    "RetryEvent": "_hooks",
    "RequestTimeoutError": "errors",
    "ResponseTooLargeError": "errors",
    "RetryPolicy": "_retry",
    "ServerError": "errors",
    "ServerRateLimit": "_pacing",
    "StateCache": "_cache",
    "Table": "_display",
    "Timeout": "_options",
    "TokenBucket": "_ratelimit",
    "TransportError": "errors",
    "User": "models",
    "ValidationError": "errors",
    "Wallet": "_wallet",
    "table": "_display",
    "to_dataframe": "_dataframe",
}


# Names that moved to documented submodules: still importable from here for one release.
_MOVED = {
    "ENDPOINTS": "endpoints",
    "Endpoint": "endpoints",
    "RouteGroup": "endpoints",
    "SignIn": "wallet",
    "verify_sign_in": "wallet",
}


def __getattr__(name: str) -> _typing.Any:
    moved = _MOVED.get(name)
    if moved is not None:
        _warnings.warn(
            f"pumpfun_async.{name} moved to pumpfun_async.{moved}.{name}; the old name will "
            "be removed in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(_importlib.import_module(f"{__name__}.{moved}"), name)
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
