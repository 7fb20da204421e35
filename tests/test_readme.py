"""The README's examples compile, and the async ones run (against aioresponses, not the network)."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses

from pumpfun_async import DEFAULT_BASE_URL
from pumpfun_async.testing import Emulator

from .conftest import MINT

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("source", BLOCKS)
def test_examples_compile(source: str) -> None:
    compile(source, str(README), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_async_bot_example_runs(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    base = DEFAULT_BASE_URL
    reply = {"id": 1, "mint": MINT, "text": "gm", "username": "anon", "total_likes": 2}
    mocked.post(f"{base}/likes/{MINT}", status=201)
    mocked.post(f"{base}/bookmarks/items/add", status=201)
    mocked.get(
        f"{base}/replies/{MINT}?limit=50&offset=0",
        payload={"replies": [reply], "hasMore": True, "offset": 0},
    )
    mocked.get(f"{base}/replies/{MINT}?limit=50&offset=50", payload={"replies": []})
    mocked.post(
        f"{base}/replies", status=429, payload={"statusCode": 429}, headers={"Retry-After": "600"}
    )
    source = next(b for b in BLOCKS if "asyncio.run(main())" in b)
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    assert "1 anon gm 2" in out
    assert "retry after 600.0 seconds" in out


def test_bulk_example_runs(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    ok, bad = MINT, "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr"
    mocked.post(f"{DEFAULT_BASE_URL}/likes/{ok}", status=201)
    mocked.post(f"{DEFAULT_BASE_URL}/likes/{bad}", status=404, payload={"message": "Not Found"})
    source = next(b for b in BLOCKS if "asyncio.gather" in b)
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)
    asyncio.run(namespace["like_all"]([ok, bad]))
    out = capsys.readouterr().out
    assert f"{bad} failed: HTTP 404: Not Found" in out
    assert f"{ok} failed" not in out


def test_plugin_example_runs(pumpfun_emulator: Emulator) -> None:
    source = next(b for b in BLOCKS if "pumpfun_emulator" in b)
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)
    asyncio.run(namespace["test_bot_likes_through_a_503"](pumpfun_emulator))
    assert len(pumpfun_emulator.requests) == 2
