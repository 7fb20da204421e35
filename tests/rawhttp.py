"""A loopback HTTP server that answers with whatever bytes a test scripts, valid or not.

aiohttp's own server refuses to send most of what a hostile server would (bad status lines,
control characters in headers, endless bodies), so the tests that play such a server speak
HTTP/1.1 by hand: read one request, let the test write the answer, close the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """Answers every request with ``answer(writer)``, then closes the connection.

    Attributes:
        base_url: ``http://127.0.0.1:<port>``.
        requests: The request heads received (the first line and the headers, as text).
    """

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[str] = []
        self.base_url = ""
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            text = head.decode("latin-1")
            self.requests.append(text)
            for line in text.split("\r\n"):
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    await reader.readexactly(int(value))
            await self.answer(writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away, as it should when it stops reading
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self._handlers.discard(task)

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()


def fixed(data: bytes) -> Answer:
    """An answer that writes ``data`` as it is."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(data)

    return answer


def endless(head: bytes, chunk: bytes, *, chunked: bool) -> Answer:
    """An answer that writes ``head`` and then ``chunk`` forever (until the client leaves)."""
    piece = b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head)
        while True:
            writer.write(piece)
            await writer.drain()

    return answer


@contextlib.asynccontextmanager
async def raw_server(answer: Answer) -> AsyncIterator[RawServer]:
    """Run a :class:`RawServer` for the duration of the block."""
    async with RawServer(answer) as server:
        yield server
