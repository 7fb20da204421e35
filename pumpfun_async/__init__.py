"""pumpfun_async: an async-first SDK for the pump.fun social and moderation API.

::

    from pumpfun_async import AsyncPumpFunClient

    async with AsyncPumpFunClient(token="…") as client:
        await client.like("CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump")
"""

from ._bulk import BulkItem, BulkResult
from ._cache import StateCache
from ._client import DEFAULT, DEFAULT_BASE_URL, AsyncPumpFunClient, CaptchaProvider
from ._endpoints import ENDPOINTS, Endpoint, RouteGroup
from ._ratelimit import RateLimiter, TokenBucket
from ._redis import RedisRateLimiter
from ._retry import RetryPolicy
from ._sync import PumpFunClient
from ._transport import Timeout
from ._version import __version__
from ._wallet import SignIn, Wallet, verify_sign_in
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BlockedError,
    ClientClosedError,
    ConnectError,
    NotFoundError,
    PermissionDeniedError,
    PumpFunError,
    RateLimitError,
    RequestTimeoutError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
    ValidationError,
)
from .models import Coin, RepliesPage, Reply, Report, ReportAction, ReportsPage, ReportType

__all__ = [
    "DEFAULT",
    "DEFAULT_BASE_URL",
    "ENDPOINTS",
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
    "Endpoint",
    "NotFoundError",
    "PermissionDeniedError",
    "PumpFunClient",
    "PumpFunError",
    "RateLimitError",
    "RateLimiter",
    "RedisRateLimiter",
    "RepliesPage",
    "Reply",
    "Report",
    "ReportAction",
    "ReportType",
    "ReportsPage",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RouteGroup",
    "ServerError",
    "SignIn",
    "StateCache",
    "Timeout",
    "TokenBucket",
    "TransportError",
    "ValidationError",
    "Wallet",
    "__version__",
    "verify_sign_in",
]
