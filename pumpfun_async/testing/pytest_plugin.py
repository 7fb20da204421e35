"""pytest plugin: the ``pumpfun_emulator`` fixture.

Registered through the ``pytest11`` entry point, so installing pumpfun_async is enough::

    async def test_my_bot_likes(pumpfun_emulator):
        async with pumpfun_emulator.client() as client:
            await my_bot.run(client)
        assert pumpfun_emulator.requests_for("like")

The emulator runs on a thread of its own, so the fixture works the same for synchronous
tests and for async tests under any plugin (pytest-asyncio, anyio).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pumpfun_async.testing import Emulator


@pytest.fixture
def pumpfun_emulator() -> Iterator[Emulator]:
    """A fresh running emulator on an ephemeral loopback port, stopped after the test.

    Use ``.url``, ``.state``, ``.requests``, ``.add_fault()``, ``.set_rate_limit()`` and
    ``.client()`` (an ``AsyncPumpFunClient`` pointed at it). The admin token is
    ``"admin-token"`` and the client key ``"test-client-key"``.
    """
    from pumpfun_async.testing import Emulator

    with Emulator().run_in_thread() as emulator:
        yield emulator
