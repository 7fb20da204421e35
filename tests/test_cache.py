"""StateCache: skipping repeated likes, follows and bookmarks, and what it never does."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pumpfun_async import (
    AsyncPumpFunClient,
    NotFoundError,
    PumpFunClient,
    ServerError,
    StateCache,
    ValidationError,
)
from pumpfun_async._cache import bookmark_keys
from pumpfun_async.testing import DOCS_MINT, Emulator, default_coins

from .conftest import until

MINTS = [c["mint"] for c in default_coins()]
UNKNOWN = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr"


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"require_captcha": False}


def test_off_by_default() -> None:
    client = AsyncPumpFunClient(base_url="http://api.test")
    assert client.state_cache is None


def test_the_client_checks_what_it_is_given() -> None:
    with pytest.raises(ValidationError, match="state_cache"):
        AsyncPumpFunClient(base_url="http://api.test", state_cache={})  # type: ignore[arg-type]


async def test_repeated_likes_send_one_request(emu: Emulator) -> None:
    cache = StateCache()
    async with emu.client(state_cache=cache) as client:
        assert client.state_cache is cache
        await client.like(DOCS_MINT)
        await client.like(DOCS_MINT)
        await client.like(DOCS_MINT)
        assert cache.is_liked(DOCS_MINT) is True
        await client.unlike(DOCS_MINT)
        await client.unlike(DOCS_MINT)
        assert cache.is_liked(DOCS_MINT) is False
        await client.like(DOCS_MINT)
    assert [r.method for r in emu.requests if r.endpoint in ("like", "unlike")] == [
        "POST",
        "DELETE",
        "POST",
    ]
    assert cache.skipped == 3


async def test_reply_ids_and_their_text_form_are_one_target(emu: Emulator) -> None:
    async with emu.client() as plain:
        reply = await plain.create_reply(DOCS_MINT, "first")
    assert reply is not None
    cache = StateCache()
    async with emu.client(state_cache=cache) as client:
        await client.like(reply.id)
        await client.like(str(reply.id))
    assert len(emu.requests_for("like")) == 1


async def test_repeated_follows_send_one_request(emu: Emulator) -> None:
    cache = StateCache()
    async with emu.client(state_cache=cache) as client:
        await client.follow("user123")
        await client.follow("user123")
        await client.unfollow("user123")
        await client.unfollow("user123")
        await client.follow("someone-else")
    assert len(emu.requests_for("follow")) == 2
    assert len(emu.requests_for("unfollow")) == 1
    assert cache.is_following("user123") is False
    assert cache.is_following("someone-else") is True
    assert cache.is_following("never-seen") is None


async def test_bookmarks_are_skipped_only_when_every_collection_is_known(emu: Emulator) -> None:
    cache = StateCache()
    async with emu.client(state_cache=cache) as client:
        await client.add_bookmark_items(DOCS_MINT, ["favorites"])
        await client.add_bookmark_items(DOCS_MINT, ["favorites"])  # skipped
        await client.add_bookmark_items(DOCS_MINT, ["favorites", "later"])  # sent, as given
        await client.add_bookmark_items(DOCS_MINT, ["later", "favorites"])  # skipped
        await client.remove_bookmark_items(DOCS_MINT, ["later"])
        await client.remove_bookmark_items(DOCS_MINT, ["later"])  # skipped
    adds = emu.requests_for("add_bookmark_items")
    assert [json.loads(r.body) for r in adds] == [
        {"itemId": DOCS_MINT, "bookmarkIds": ["favorites"]},
        {"itemId": DOCS_MINT, "bookmarkIds": ["favorites", "later"]},
    ]
    assert len(emu.requests_for("remove_bookmark_items")) == 1
    assert cache.is_bookmarked(DOCS_MINT, "favorites") is True
    assert cache.is_bookmarked(DOCS_MINT, "later") is False


async def test_a_failed_call_teaches_nothing(emu: Emulator) -> None:
    cache = StateCache()
    async with emu.client(state_cache=cache, max_retries=0) as client:
        with pytest.raises(NotFoundError):
            await client.like(UNKNOWN)
        assert cache.is_liked(UNKNOWN) is None
        emu.add_fault("like", "status:503")
        with pytest.raises(ServerError):
            await client.like(DOCS_MINT)
        await client.like(DOCS_MINT)
        await client.like(DOCS_MINT)
    assert len(emu.requests_for("like")) == 3
    assert len(cache) == 1


async def test_concurrent_duplicates_send_one_request(emu: Emulator) -> None:
    cache = StateCache()
    emu.add_fault("like", "latency:0.05", times=100)
    async with emu.client(state_cache=cache) as client:
        await asyncio.gather(*(client.like(DOCS_MINT) for _ in range(20)))
        result = await client.like_many([MINTS[1], MINTS[2]] * 50, concurrency=16)
    assert len(result.succeeded) == 100
    assert sorted(r.path for r in emu.requests_for("like")) == sorted(
        f"/likes/{m}" for m in (DOCS_MINT, MINTS[1], MINTS[2])
    )
    assert cache.skipped == 19 + 98


async def test_a_waiter_goes_ahead_when_the_first_call_fails(emu: Emulator) -> None:
    cache = StateCache()
    emu.add_fault("like", "status:503")
    async with emu.client(state_cache=cache, max_retries=0) as client:
        outcomes = await asyncio.gather(
            client.like(DOCS_MINT), client.like(DOCS_MINT), return_exceptions=True
        )
    assert isinstance(outcomes[0], ServerError)
    assert outcomes[1] is None
    assert len(emu.requests_for("like")) == 2
    assert cache.is_liked(DOCS_MINT) is True


async def test_a_cancelled_call_lets_the_next_one_through(emu: Emulator) -> None:
    cache = StateCache()
    emu.add_fault("like", "latency:0.5")
    async with emu.client(state_cache=cache) as client:
        first = asyncio.ensure_future(client.like(DOCS_MINT))
        await until(lambda: bool(emu.requests_for("like")), turns=100_000)  # in flight
        second = asyncio.ensure_future(client.like(DOCS_MINT))
        for _ in range(100):  # the second call reaches the cache and waits on the first
            await asyncio.sleep(0)
        first.cancel()
        await second
        with pytest.raises(asyncio.CancelledError):
            await first
    assert cache.is_liked(DOCS_MINT) is True


class FakeBookmarks:
    """A server that acts on a bookmark change at once but whose answer can be held back."""

    def __init__(self) -> None:
        self.items: set[str] = set()
        self.log: list[str] = []
        self.held: dict[str, asyncio.Event] = {}

    def change(
        self, name: str, collections: list[str], present: bool
    ) -> Callable[[], Awaitable[None]]:
        async def send() -> None:
            (self.items.update if present else self.items.difference_update)(collections)
            self.log.append(name)
            answer = self.held.get(name)
            if answer is not None:
                await answer.wait()

        return send

    def hold(self, name: str) -> asyncio.Event:
        self.held[name] = asyncio.Event()
        return self.held[name]


async def test_overlapping_bookmark_changes_go_one_after_another() -> None:
    # An addition to collections a and b, and a removal from b only: they share the fact
    # "item is in b" though not their first collection, so the removal must wait.
    cache, server, item = StateCache(), FakeBookmarks(), DOCS_MINT
    answer = server.hold("add a b")
    adding = asyncio.ensure_future(
        cache.apply(
            "bookmark",
            bookmark_keys(item, ["a", "b"]),
            True,
            server.change("add a b", ["a", "b"], True),
        )
    )
    await until(lambda: server.log == ["add a b"])
    removing = asyncio.ensure_future(
        cache.apply(
            "bookmark",
            bookmark_keys(item, ["b"]),
            False,
            server.change("remove b", ["b"], False),
        )
    )
    for _ in range(20):
        await asyncio.sleep(0)
    answer.set()
    assert list(await asyncio.gather(adding, removing)) == [True, True]
    assert server.items == {"a"}
    assert cache.is_bookmarked(item, "a") is True
    assert cache.is_bookmarked(item, "b") is False  # what the server holds
    assert server.log == ["add a b", "remove b"]  # the removal waited for the answer
    # So adding the item to b again is sent, not skipped.
    add_b = server.change("add b", ["b"], True)
    assert await cache.apply("bookmark", bookmark_keys(item, ["b"]), True, add_b) is True
    assert server.items == {"a", "b"}


async def test_calls_sharing_keys_in_any_order_do_not_deadlock() -> None:
    cache, server = StateCache(), FakeBookmarks()
    gates = [server.hold(f"call {i}") for i in range(4)]
    sets = [["a", "b"], ["b", "a"], ["b", "c"], ["x"]]
    calls = [
        asyncio.ensure_future(
            cache.apply(
                "bookmark",
                bookmark_keys(DOCS_MINT, collections),
                True,
                server.change(f"call {i}", collections, True),
            )
        )
        for i, collections in enumerate(sets)
    ]
    await until(lambda: len(server.log) == 2)
    assert server.log == ["call 0", "call 3"]  # x shares nothing, so it is not held up
    for gate in gates:
        gate.set()
    assert await asyncio.gather(*calls) == [True, False, True, True]
    assert server.log == ["call 0", "call 3", "call 2"]  # call 1 found a and b known


async def test_concurrent_bookmark_changes_leave_the_cache_as_the_server_is(
    emu: Emulator,
) -> None:
    cache = StateCache()
    emu.add_fault("add_bookmark_items", "latency:0.2")
    async with emu.client(state_cache=cache) as client:
        adding = asyncio.ensure_future(client.add_bookmark_items(DOCS_MINT, ["a", "b"]))
        await until(lambda: len(emu.requests) == 1, turns=100_000)
        await client.remove_bookmark_items(DOCS_MINT, ["b"])  # waits for the addition
        await adding
        in_b = [c.mint for c in await client.get_bookmark_items("b", include_nsfw=True)]
        in_a = [c.mint for c in await client.get_bookmark_items("a", include_nsfw=True)]
        assert (in_a, in_b) == ([DOCS_MINT], [])
        assert cache.is_bookmarked(DOCS_MINT, "a") is True
        assert cache.is_bookmarked(DOCS_MINT, "b") is False
        await client.add_bookmark_items(DOCS_MINT, ["b"])
    assert [r.endpoint for r in emu.requests if "bookmark_items" in (r.endpoint or "")] == [
        "add_bookmark_items",
        "remove_bookmark_items",
        "get_bookmark_items",
        "get_bookmark_items",
        "add_bookmark_items",
    ]


async def test_views_share_the_cache(emu: Emulator) -> None:
    cache = StateCache()
    async with emu.client(state_cache=cache) as client:
        await client.like(DOCS_MINT)
        await client.with_options(max_retries=5).like(DOCS_MINT)
    assert len(emu.requests_for("like")) == 1


async def test_recorded_facts_skip_requests(emu: Emulator) -> None:
    cache = StateCache()
    cache.record_like(DOCS_MINT)
    cache.record_follow("user123")
    cache.record_bookmark(DOCS_MINT, ["favorites"])
    async with emu.client(state_cache=cache) as client:
        await client.like(DOCS_MINT)
        await client.follow("user123")
        await client.add_bookmark_items(DOCS_MINT, ["favorites"])
        await client.unlike(DOCS_MINT)
    assert [r.endpoint for r in emu.requests] == ["unlike"]


def test_forget_and_clear() -> None:
    cache = StateCache()
    cache.record_like("a")
    cache.record_like(7, liked=False)
    cache.record_follow("u")
    cache.record_bookmark("item", ["x", "y"])
    cache.record_bookmark("other", ["x"])
    assert len(cache) == 6
    assert cache.is_liked("7") is False
    cache.forget(target_id="a", user_id="u", item_id="item")
    assert cache.is_liked("a") is None
    assert cache.is_following("u") is None
    assert cache.is_bookmarked("item", "x") is None
    assert cache.is_bookmarked("other", "x") is True
    cache.clear()
    assert len(cache) == 0


def test_max_entries_drops_the_least_recently_used() -> None:
    cache = StateCache(max_entries=2)
    assert cache.max_entries == 2
    cache.record_like("a")
    cache.record_like("b")
    assert cache.is_liked("a") is True  # now the most recently used
    cache.record_like("c")
    assert cache.is_liked("b") is None
    assert cache.is_liked("a") is True
    assert len(cache) == 2


def test_snapshot_round_trip() -> None:
    cache = StateCache()
    cache.record_like("a")
    cache.record_like("b", liked=False)
    cache.record_follow("u")
    cache.record_bookmark("item", ["x", "y"])
    cache.record_bookmark("item", ["y"], present=False)
    data = json.loads(json.dumps(cache.snapshot()))
    assert data == {
        "likes": {"a": True, "b": False},
        "follows": {"u": True},
        "bookmarks": {"item": {"x": True, "y": False}},
    }
    again = StateCache.from_snapshot(data, max_entries=10)
    assert again.snapshot() == data
    assert again.max_entries == 10


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"likes": []},
        {"likes": {"a": "yes"}},
        {"likes": {"bad id": True}},
        {"bookmarks": {"item": ["x"]}},
    ],
)
def test_from_snapshot_refuses_bad_data(data: object) -> None:
    with pytest.raises(ValidationError):
        StateCache.from_snapshot(data)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "10"])
def test_max_entries_is_checked(value: object) -> None:
    with pytest.raises(ValidationError, match="max_entries"):
        StateCache(max_entries=value)  # type: ignore[arg-type]


def test_bad_ids_are_refused() -> None:
    cache = StateCache()
    with pytest.raises(ValidationError):
        cache.record_like("a/b")
    with pytest.raises(ValidationError):
        cache.record_bookmark("item", "favorites")
    with pytest.raises(ValidationError):
        cache.is_following(None)  # type: ignore[arg-type]


def test_repr_counts_and_is_safe_to_share_between_threads() -> None:
    cache = StateCache()

    def fill(start: int) -> None:
        for i in range(start, start + 500):
            cache.record_like(str(i))
            cache.is_liked(str(i))

    threads = [threading.Thread(target=fill, args=(n * 500,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cache.record_follow("u")
    cache.record_bookmark("i", ["x"])
    assert repr(cache) == "StateCache(likes=2000, follows=1, bookmarks=1, skipped=0)"


def test_the_sync_client_takes_a_cache_too() -> None:
    cache = StateCache()
    with (
        Emulator(require_captcha=False).run_in_thread() as emulator,
        PumpFunClient("sync", base_url=emulator.url, rate_limit=None, state_cache=cache) as client,
    ):
        client.like(DOCS_MINT)
        client.like(DOCS_MINT)
        result = client.like_many([DOCS_MINT, MINTS[1], MINTS[1]])
        assert result.ok
        client.follow("user123")
        client.follow("user123")
        assert len(emulator.requests_for("like")) == 2
        assert len(emulator.requests_for("follow")) == 1
    assert cache.skipped == 4
