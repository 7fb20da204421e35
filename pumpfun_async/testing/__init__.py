"""Test against a local pump.fun: an emulator of the frontend API and a pytest plugin.

The emulator answers every operation of the API over real HTTP on loopback, with in-memory
state, NestJS-shaped errors, rate limits and scripted faults, and pump.fun's wallet sign-in
(``POST /auth/login``, issuing real JWTs; needs the ``wallet`` extra)::

    from pumpfun_async.testing import DOCS_MINT, Emulator

    async with Emulator() as emu:
        async with emu.client() as client:
            await client.like(DOCS_MINT)

With pytest, the ``pumpfun_emulator`` fixture (registered automatically) gives each test a
fresh running emulator. :func:`set_testing` turns retry waits off for your own clients (those
of :meth:`Emulator.client` never back off anyway)::

    from pumpfun_async.testing import set_testing

    set_testing()  # in conftest.py: retries happen at once, as often as before

Limits: the emulator keeps the newest :data:`DEFAULT_MAX_LOGGED_REQUESTS` requests
(``max_logged_requests=``), reads bodies up to :data:`DEFAULT_MAX_BODY_BYTES` (a larger one
gets 413; ``max_body_bytes=``), and answers any malformed body, on its API and on its control
API (``/_emulator/``), with a 4xx NestJS error body.
"""

from pumpfun_async._retry import is_testing, set_testing

from ._catalogue import DOCS_MINT, MAX_GENERATED_COINS, default_coins, generated_coins
from ._emulator import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_LOGGED_REQUESTS,
    Emulator,
    RecordedRequest,
    RequestLog,
)
from ._faults import MAX_LATENCY, Fault, RateLimit
from ._signin import IssuedToken
from ._state import EmulatorState, user_id_for

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_LOGGED_REQUESTS",
    "DOCS_MINT",
    "MAX_GENERATED_COINS",
    "MAX_LATENCY",
    "Emulator",
    "EmulatorState",
    "Fault",
    "IssuedToken",
    "RateLimit",
    "RecordedRequest",
    "RequestLog",
    "default_coins",
    "generated_coins",
    "is_testing",
    "set_testing",
    "user_id_for",
]
