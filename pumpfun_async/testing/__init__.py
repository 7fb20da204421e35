"""Test against a local pump.fun: an emulator of the frontend API and a pytest plugin.

The emulator answers every operation of the API over real HTTP on loopback, with in-memory
state, NestJS-shaped errors, rate limits and scripted faults, and pump.fun's wallet sign-in
(``POST /auth/login``, issuing real JWTs; needs the ``wallet`` extra)::

    from pumpfun_async.testing import DOCS_MINT, Emulator

    async with Emulator() as emu:
        async with emu.client() as client:
            await client.like(DOCS_MINT)

With pytest, the ``pumpfun_emulator`` fixture (registered automatically) gives each test a
fresh running emulator.
"""

from ._catalogue import DOCS_MINT, default_coins
from ._emulator import Emulator, IssuedToken, RecordedRequest
from ._faults import Fault, RateLimit
from ._state import EmulatorState, user_id_for

__all__ = [
    "DOCS_MINT",
    "Emulator",
    "EmulatorState",
    "Fault",
    "IssuedToken",
    "RateLimit",
    "RecordedRequest",
    "default_coins",
    "user_id_for",
]
