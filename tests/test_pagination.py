"""iter_replies, iter_bookmark_items and iter_reports, async and through the sync client."""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses import aioresponses

from pumpfun_async import AsyncPumpFunClient, PumpFunClient, ValidationError
from pumpfun_async.testing import DOCS_MINT, Emulator, default_coins

from .conftest import BASE, MINT, sent


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"require_captcha": False}


async def test_iter_replies_walks_every_page(emu: Emulator) -> None:
    async with emu.client() as client:
        for i in range(7):
            await client.create_reply(DOCS_MINT, f"reply {i}")
        texts = [r.text async for r in client.iter_replies(DOCS_MINT, page_size=3)]
        assert texts == [f"reply {i}" for i in range(7)]
        assert [r.query["offset"] for r in emu.requests_for("get_replies")] == ["0", "3", "6"]
        emu.requests.clear()
        first = [r.id async for r in client.iter_replies(DOCS_MINT, page_size=3, max_items=4)]
        assert len(first) == 4
        assert len(emu.requests_for("get_replies")) == 2


async def test_iter_replies_of_an_empty_thread(emu: Emulator) -> None:
    async with emu.client() as client:
        assert [r async for r in client.iter_replies(DOCS_MINT)] == []
        assert [r async for r in client.iter_replies(DOCS_MINT, max_items=0)] == []
    assert len(emu.requests_for("get_replies")) == 1


async def test_iter_bookmark_items_stops_on_a_short_page(emu: Emulator) -> None:
    mints = [c["mint"] for c in default_coins() if not c["nsfw"]][:5]
    async with emu.client() as client:
        for mint in mints:
            await client.add_bookmark_items(mint, ["favorites"])
        found = [c.mint async for c in client.iter_bookmark_items("favorites", page_size=2)]
    assert found == mints
    assert [r.query["offset"] for r in emu.requests_for("get_bookmark_items")] == ["0", "2", "4"]


async def test_iter_reports_with_filters(emu: Emulator) -> None:
    async with emu.client() as user, emu.client(admin=True) as admin:
        for i in range(5):
            await user.create_report(DOCS_MINT, "scam" if i % 2 else "spam", f"reason {i}")
        spam = [r.reason async for r in admin.iter_reports(type="spam", page_size=2)]
        everything = [r async for r in admin.iter_reports(page_size=2)]
    assert sorted(reason or "" for reason in spam) == ["reason 0", "reason 2", "reason 4"]
    assert len(everything) == 5


async def test_an_item_seen_twice_is_yielded_once(mocked: aioresponses) -> None:
    def reply(i: int) -> dict[str, object]:
        return {"id": i, "mint": MINT, "text": f"r{i}"}

    # A new reply arrived between the two pages, shifting reply 3 onto the second page.
    mocked.get(
        f"{BASE}/replies/{MINT}?limit=3&offset=0",
        payload={"replies": [reply(1), reply(2), reply(3)], "hasMore": True},
    )
    mocked.get(
        f"{BASE}/replies/{MINT}?limit=3&offset=3",
        payload={"replies": [reply(3), reply(4)], "hasMore": False},
    )
    async with AsyncPumpFunClient("t", base_url=BASE) as client:
        ids = [r.id async for r in client.iter_replies(MINT, page_size=3)]
    assert ids == [1, 2, 3, 4]
    assert len(sent(mocked)) == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 1001}, "page_size"),
        ({"max_items": -1}, "max_items"),
        ({"max_items": 1.5}, "max_items"),
    ],
)
async def test_bad_arguments_send_nothing(
    mocked: aioresponses, kwargs: dict[str, object], field: str
) -> None:
    async with AsyncPumpFunClient("t", base_url=BASE) as client:
        with pytest.raises(ValidationError) as info:
            [r async for r in client.iter_replies(MINT, **kwargs)]  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            [r async for r in client.iter_replies("not a mint")]
    assert info.value.field == field
    assert sent(mocked) == []


def test_the_sync_client_iterates_plainly() -> None:
    with (
        Emulator(require_captcha=False).run_in_thread() as emulator,
        PumpFunClient("sync", base_url=emulator.url, rate_limit=None) as client,
    ):
        for i in range(5):
            client.create_reply(DOCS_MINT, f"sync {i}")
        iterator = client.iter_replies(DOCS_MINT, page_size=2)
        assert not hasattr(iterator, "__anext__")
        assert [r.text for r in iterator] == [f"sync {i}" for i in range(5)]
        partial = client.iter_replies(DOCS_MINT, page_size=2)
        assert next(partial).text == "sync 0"
        partial.close()  # stopping early closes the async iterator on the loop


def _reply(i: int) -> dict[str, object]:
    return {"id": i, "mint": MINT, "text": f"r{i}"}


async def test_a_full_page_without_more_ends_the_walk(mocked: aioresponses) -> None:
    mocked.get(
        f"{BASE}/replies/{MINT}?limit=2&offset=0",
        payload={"replies": [_reply(1), _reply(2)], "hasMore": False},
    )
    async with AsyncPumpFunClient("t", base_url=BASE) as client:
        ids = [r.id async for r in client.iter_replies(MINT, page_size=2)]
    assert ids == [1, 2]
    assert len(sent(mocked)) == 1


async def test_a_short_page_with_more_goes_on(mocked: aioresponses) -> None:
    # hasMore is the server's word: a short page (some replies hidden, say) does not end it.
    mocked.get(
        f"{BASE}/replies/{MINT}?limit=3&offset=0",
        payload={"replies": [_reply(1)], "hasMore": True},
    )
    mocked.get(
        f"{BASE}/replies/{MINT}?limit=3&offset=1",
        payload={"replies": [_reply(2), _reply(3)], "hasMore": False},
    )
    async with AsyncPumpFunClient("t", base_url=BASE) as client:
        ids = [r.id async for r in client.iter_replies(MINT, page_size=3)]
    assert ids == [1, 2, 3]


async def test_a_server_ignoring_the_offset_is_not_asked_forever(mocked: aioresponses) -> None:
    same = {"replies": [_reply(1), _reply(2)], "hasMore": True}
    for offset in (0, 2, 4, 6, 8):
        mocked.get(f"{BASE}/replies/{MINT}?limit=2&offset={offset}", payload=same)
    async with AsyncPumpFunClient("t", base_url=BASE) as client:
        ids = [r.id async for r in client.iter_replies(MINT, page_size=2)]
    assert ids == [1, 2]
    assert len(sent(mocked)) == 3  # the first page, then two with nothing new


async def test_one_page_of_nothing_new_is_not_the_end(mocked: aioresponses) -> None:
    # Two replies arrived at the head between the first two requests: the second page is
    # all repeats, and the walk still reaches the older replies behind it.
    pages = {
        0: [_reply(4), _reply(3)],
        2: [_reply(4), _reply(3)],
        4: [_reply(2), _reply(1)],
    }
    for offset, replies in pages.items():
        mocked.get(
            f"{BASE}/replies/{MINT}?limit=2&offset={offset}",
            payload={"replies": replies, "hasMore": offset < 4},
        )
    async with AsyncPumpFunClient("t", base_url=BASE) as client:
        ids = [r.id async for r in client.iter_replies(MINT, page_size=2)]
    assert ids == [4, 3, 2, 1]


async def test_bookmark_items_seen_twice_are_yielded_once(mocked: aioresponses) -> None:
    coins = [c["mint"] for c in default_coins()[:4]]
    mocked.get(
        f"{BASE}/coins/bookmarks/favorites?limit=2&offset=0&includeNsfw=false",
        payload=[{"mint": coins[0]}, {"mint": coins[1]}],
    )
    mocked.get(
        f"{BASE}/coins/bookmarks/favorites?limit=2&offset=2&includeNsfw=false",
        payload=[{"mint": coins[1]}, {"mint": coins[2]}],
    )
    mocked.get(
        f"{BASE}/coins/bookmarks/favorites?limit=2&offset=4&includeNsfw=false",
        payload=[{"mint": coins[3]}],
    )
    async with AsyncPumpFunClient("t", base_url=BASE) as client:
        found = [c.mint async for c in client.iter_bookmark_items("favorites", page_size=2)]
    assert found == coins
    assert len(sent(mocked)) == 3


async def test_iter_reports_sends_every_filter(emu: Emulator) -> None:
    async with emu.client() as user, emu.client(admin=True) as admin:
        for i in range(3):
            await user.create_report(DOCS_MINT, "scam", f"reason {i}")
        reports = [
            r.id
            async for r in admin.iter_reports(
                type="scam",
                done=True,
                created_from="2026-01-01T00:00:00Z",
                created_to="2027-01-01T00:00:00Z",
                is_currently_live=True,
                page_size=2,
            )
        ]
    assert len(reports) == len(set(reports))
    queries = [r.query for r in emu.requests_for("get_reports")]
    assert queries[0] == {
        "limit": "2",
        "offset": "0",
        "type": "scam",
        "done": "true",
        "createdAtFrom": "2026-01-01T00:00:00.000Z",
        "createdAtTo": "2027-01-01T00:00:00.000Z",
        "isCurrentlyLive": "true",
    }
