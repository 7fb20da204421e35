"""The social-graph reads: users, followers, following, one coin, a user's replies."""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest

from pumpfun_async import (
    APIError,
    AsyncPumpFunClient,
    AuthenticationError,
    Coin,
    Follower,
    NotFoundError,
    PumpFunClient,
    RepliesPage,
    User,
    ValidationError,
)
from pumpfun_async._convert import structure_coin, structure_followers, structure_user
from pumpfun_async.cli import build_parser, main
from pumpfun_async.endpoints import ENDPOINTS, RouteGroup
from pumpfun_async.testing import DOCS_MINT, Emulator, EmulatorState, user_id_for

from .conftest import MINT, OTHER, USER, Recorder

TS_MS = 1_714_557_600_000  # 2024-05-01T10:00:00Z
MAY_1_10H = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
ALICE, BOB, CAROL = (user_id_for(name) for name in ("alice", "bob", "carol"))
GRAPH = ("get_user", "get_followers", "get_following", "get_coin", "get_user_replies")

Call = Callable[[AsyncPumpFunClient], Awaitable[object]]


@pytest.fixture
async def wire_client(recorder: Recorder) -> AsyncIterator[AsyncPumpFunClient]:
    async with AsyncPumpFunClient("t", base_url=recorder.url, max_retries=0) as client:
        yield client


# ---------------------------------------------------------------------------- the table


def test_the_reads_are_idempotent_reads() -> None:
    for name in GRAPH:
        endpoint = ENDPOINTS[name]
        assert (endpoint.method, endpoint.group, endpoint.idempotent) == (
            "GET",
            RouteGroup.READS,
            True,
        )
        assert not endpoint.admin
        assert not endpoint.client_key
        assert endpoint.captcha is None
        assert endpoint.toggles is None
    commands = [ENDPOINTS[name].command for name in GRAPH]
    assert commands == ["user", "followers", "following", "coin", "user-replies"]
    assert ENDPOINTS["get_replies"].command == "get-replies"  # the others keep their names


# ---------------------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.get_user(""), "user_id"),
        (lambda c: c.get_user("a/b"), "user_id"),
        (lambda c: c.get_user(None), "user_id"),
        (lambda c: c.get_user(-1), "user_id"),
        (lambda c: c.get_user(".."), "user_id"),
        (lambda c: c.get_followers("a b"), "user_id"),
        (lambda c: c.get_followers("x?y=1"), "user_id"),
        (lambda c: c.get_following("\ud800"), "user_id"),
        (lambda c: c.get_following("x" * 129), "user_id"),
        (lambda c: c.get_coin("not-a-mint"), "mint"),
        (lambda c: c.get_coin(123), "mint"),
        (lambda c: c.get_user_replies("#1"), "user_id"),
        (lambda c: c.get_user_replies(USER, limit=0), "limit"),
        (lambda c: c.get_user_replies(USER, limit=1001), "limit"),
        (lambda c: c.get_user_replies(USER, offset=-1), "offset"),
        (lambda c: c.get_user_replies(USER, limit=True), "limit"),
    ],
)
async def test_bad_input_sends_nothing(
    recorder: Recorder, wire_client: AsyncPumpFunClient, call: Call, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        await call(wire_client)
    assert info.value.field == field
    assert recorder.seen == []


@pytest.mark.parametrize(
    ("user_id", "page_size", "field"), [("a/b", 10, "user_id"), (USER, 0, "page_size")]
)
async def test_iter_user_replies_checks_before_sending(
    recorder: Recorder, wire_client: AsyncPumpFunClient, user_id: str, page_size: int, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        async for _ in wire_client.iter_user_replies(user_id, page_size=page_size):
            pass  # pragma: no cover - nothing comes
    assert info.value.field == field
    assert recorder.seen == []


# ---------------------------------------------------------------------------- the wire


@pytest.mark.parametrize(
    ("call", "raw_path"),
    [
        (lambda c: c.get_user("x:y@z"), "/users/x%3Ay%40z"),
        (lambda c: c.get_followers("héllo"), "/following/followers/h%C3%A9llo"),
        (lambda c: c.get_following("a&b=c"), "/following/a%26b%3Dc"),
        (lambda c: c.get_user_replies("~u_1"), "/replies/user-replies/~u_1?limit=50&offset=0"),
        (lambda c: c.get_user(7), "/users/7"),
    ],
)
async def test_user_ids_are_one_percent_encoded_segment(
    recorder: Recorder, wire_client: AsyncPumpFunClient, call: Call, raw_path: str
) -> None:
    recorder.answers["/users/"] = (200, {"address": "x"})  # the others decode an empty body
    await call(wire_client)
    assert recorder.last.raw_path == raw_path
    assert recorder.last.method == "GET"
    assert recorder.last.body == b""


async def test_reads_are_retried(emu: Emulator) -> None:
    emu.add_fault("get_coin", "status:503")
    emu.add_fault("get_followers", "drop_before")
    async with emu.client(max_retries=2) as client:
        assert (await client.get_coin(DOCS_MINT)).mint == DOCS_MINT
        assert await client.get_followers(ALICE) == []
    assert [r.status for r in emu.requests_for("get_coin")] == [503, 200]
    assert [r.status for r in emu.requests_for("get_followers")] == [None, 200]


async def test_reads_carry_the_token_as_the_other_reads_do(emu: Emulator) -> None:
    async with emu.client("alice") as client:
        await client.like(DOCS_MINT)
        await client.get_user(ALICE)
        await client.get_replies(DOCS_MINT)
    [user_read] = emu.requests_for("get_user")
    [replies_read] = emu.requests_for("get_replies")
    assert user_read.headers["Authorization"] == replies_read.headers["Authorization"]
    async with emu.client(None) as anonymous:
        with pytest.raises(AuthenticationError):
            await anonymous.get_user(ALICE)


# ---------------------------------------------------------------------------- decoding


def user_capture(**overrides: Any) -> dict[str, Any]:
    """``GET /users/{id}`` with every field the captures show."""
    data: dict[str, Any] = {
        "address": USER,
        "userId": USER,
        "username": "degen42",
        "profile_image": "https://ipfs.io/ipfs/QmProfile",
        "header_image_url": None,
        "bio": "gm",
        "followers": 12,
        "following": 3,
        "x_username": "degen_x",
        "is_pump_user": True,
        "kind": "user",
        "group_badges": [],
    }
    data.update(overrides)
    return data


def test_user_from_a_capture_keeps_everything_in_raw() -> None:
    data = user_capture()
    user = structure_user(data)
    assert user == User(
        address=USER,
        username="degen42",
        profile_image="https://ipfs.io/ipfs/QmProfile",
        bio="gm",
        followers=12,
        following=3,
        x_username="degen_x",
    )
    assert user.raw is data
    assert user.raw["is_pump_user"] is True


@pytest.mark.parametrize(
    "data",
    [
        {"userId": USER, "followers": "12", "following": 3.0, "profileImage": "p"},
        {"user": {"address": USER, "followers": 12, "following": "3", "profile_image": "p"}},
        {"data": {"user_id": USER, "followers": 12.0, "following": 3, "profile_image": "p"}},
    ],
    ids=["camel-case-and-strings", "wrapped-in-user", "wrapped-in-data"],
)
def test_user_is_read_leniently(data: dict[str, Any]) -> None:
    user = structure_user(data)
    assert (user.address, user.followers, user.following) == (USER, 12, 3)
    assert user.profile_image == "p"
    assert (user.username, user.bio, user.x_username) == (None, None, None)


def test_a_user_with_an_address_only_gets_defaults() -> None:
    assert structure_user({"address": USER, "new_field": 1}) == User(address=USER)


@pytest.mark.parametrize(
    "stamp",
    [TS_MS, TS_MS // 1000, float(TS_MS // 1000), str(TS_MS), "1714557600", "2024-05-01T10:00:00Z"],
)
def test_follower_timestamps_in_seconds_milliseconds_or_iso(stamp: Any) -> None:
    [row] = structure_followers([{"address": USER, "timestamp": stamp}])
    assert row.timestamp == TS_MS
    assert row.followed_at == MAY_1_10H


@pytest.mark.parametrize(
    ("stamp", "ms"),
    [
        (0, 0),
        (-1, -1000),
        (99_999_999_999, 99_999_999_999_000),  # the last value read as seconds
        (100_000_000_000, 100_000_000_000),  # the first read as milliseconds
        (253_402_300_799_999, 253_402_300_799_999),  # the last moment a datetime holds
        (1.5, 1500),
    ],
)
def test_follower_timestamp_edges(stamp: float, ms: int) -> None:
    [row] = structure_followers([{"address": USER, "timestamp": stamp}])
    assert row.timestamp == ms
    assert row.followed_at is not None


@pytest.mark.parametrize("stamp", [253_402_300_800_000, -(10**12), 10**18, "9" * 400])
def test_follower_timestamps_no_datetime_can_hold_are_refused(stamp: Any) -> None:
    with pytest.raises((ValueError, OverflowError, OSError)):
        structure_followers([{"address": USER, "timestamp": stamp}])


def test_follower_rows_keep_milliseconds_exactly() -> None:
    rows = structure_followers(
        [
            {"address": USER, "timestamp": TS_MS + 123},
            {"address": OTHER, "timestamp": "2024-05-01T10:00:00.123+00:00"},
        ]
    )
    assert [r.timestamp for r in rows] == [TS_MS + 123, TS_MS + 123]


@pytest.mark.parametrize("key", ["followers", "following", "users", "data", "items", "results"])
def test_follower_lists_wrapped_or_bare(key: str) -> None:
    row = {"address": USER, "username": "fan", "followers": "4", "extra": [1]}
    [bare] = structure_followers([row])
    [wrapped] = structure_followers({key: [row]})
    assert bare == wrapped == Follower(address=USER, username="fan", followers=4)
    assert bare.raw == row
    assert bare.timestamp is None
    assert bare.followed_at is None
    assert structure_followers(None) == []


def test_one_coin_bare_or_wrapped() -> None:
    data = {"mint": MINT, "name": "X", "reply_count": "7", "usd_market_cap": "12.5", "new": 1}
    for body in (data, {"coin": data}, {"data": data}):
        coin = structure_coin(body)
        assert (coin.mint, coin.name, coin.reply_count, coin.usd_market_cap) == (MINT, "X", 7, 12.5)
        assert coin.raw == data


@pytest.mark.parametrize(
    ("call", "path", "body"),
    [
        ("user", f"/users/{USER}", None),
        ("user", f"/users/{USER}", []),
        ("user", f"/users/{USER}", "gm"),
        ("user", f"/users/{USER}", {"username": "no address"}),
        ("user", f"/users/{USER}", {"address": None}),
        ("user", f"/users/{USER}", {"address": ["x"]}),
        ("user", f"/users/{USER}", {"address": USER, "followers": "many"}),
        ("user", f"/users/{USER}", {"address": USER, "bio": {"text": "gm"}}),
        ("user", f"/users/{USER}", {"user": "not an object"}),
        ("followers", f"/following/followers/{USER}", "gm"),
        ("followers", f"/following/followers/{USER}", {"followers": 5}),
        ("followers", f"/following/followers/{USER}", [1, 2]),
        ("followers", f"/following/followers/{USER}", [{"username": "no address"}]),
        ("followers", f"/following/followers/{USER}", [{"address": USER, "timestamp": 10**18}]),
        ("followers", f"/following/followers/{USER}", [{"address": USER, "timestamp": "soon"}]),
        ("followers", f"/following/followers/{USER}", [{"address": USER, "timestamp": True}]),
        ("followers", f"/following/followers/{USER}", [{"address": USER, "timestamp": "inf"}]),
        ("following", f"/following/{USER}", {"code": "22P02", "message": "invalid input"}),
        ("coin", f"/coins/{MINT}", None),
        ("coin", f"/coins/{MINT}", [{"mint": MINT}]),
        ("coin", f"/coins/{MINT}", {"name": "no mint"}),
        ("coin", f"/coins/{MINT}", {"mint": MINT, "market_cap": "lots"}),
        ("coin", f"/coins/{MINT}", {"mint": {"deep": [[[]]]}}),
        ("user_replies", f"/replies/user-replies/{USER}", 7),
        ("user_replies", f"/replies/user-replies/{USER}", {"replies": "none"}),
        ("user_replies", f"/replies/user-replies/{USER}", {"replies": [{"id": "x"}]}),
        ("user_replies", f"/replies/user-replies/{USER}", {"replies": [], "offset": "far"}),
    ],
)
async def test_malformed_answers_are_api_errors(
    recorder: Recorder, wire_client: AsyncPumpFunClient, call: str, path: str, body: Any
) -> None:
    recorder.reply = body
    calls: dict[str, Call] = {
        "user": lambda c: c.get_user(USER),
        "followers": lambda c: c.get_followers(USER),
        "following": lambda c: c.get_following(USER),
        "coin": lambda c: c.get_coin(MINT),
        "user_replies": lambda c: c.get_user_replies(USER),
    }
    with pytest.raises(APIError) as info:
        await calls[call](wire_client)
    error = info.value
    assert type(error) is APIError
    assert (error.status, error.method, error.path) == (200, "GET", path)
    assert error.body == body
    assert "the server's answer is not the shape" in str(error)


async def test_user_replies_accept_a_bare_list(
    recorder: Recorder, wire_client: AsyncPumpFunClient
) -> None:
    reply = {"id": 5, "mint": MINT, "text": "gm", "user": USER}
    recorder.reply = [reply, {**reply, "id": 6}]
    page = await wire_client.get_user_replies(USER, limit=2, offset=4)
    assert [r.id for r in page] == [5, 6]
    assert (page.has_more, page.offset) == (True, 4)


# ---------------------------------------------------------------------------- the emulator


async def act_like(client: AsyncPumpFunClient) -> None:
    await client.like(DOCS_MINT)


async def act_follow(client: AsyncPumpFunClient) -> None:
    await client.follow(CAROL)


async def act_reply(client: AsyncPumpFunClient) -> None:
    await client.create_reply(DOCS_MINT, "gm")


async def act_report(client: AsyncPumpFunClient) -> None:
    await client.create_report(DOCS_MINT, "spam", "bots")


async def act_report_comment(client: AsyncPumpFunClient) -> None:
    await client.report_comment(1, "spam")


@pytest.mark.parametrize(
    "act",
    [act_like, act_follow, act_reply, act_report, act_report_comment],
    ids=lambda f: f.__name__,
)
async def test_a_user_exists_once_it_has_acted(
    emu: Emulator, act: Callable[[AsyncPumpFunClient], Awaitable[None]]
) -> None:
    async with emu.client("alice") as alice, emu.client("bob") as bob:
        with pytest.raises(NotFoundError) as info:
            await bob.get_user(ALICE)
        assert info.value.status == 404
        await act(alice)
        user = await bob.get_user(ALICE)
    assert user.address == ALICE
    assert user.raw["userId"] == ALICE
    assert (user.username, user.bio, user.x_username) == (None, None, None)


async def test_reading_does_not_make_a_user(emu: Emulator) -> None:
    async with emu.client("alice") as alice:
        await alice.get_replies(DOCS_MINT)
        await alice.get_bookmark_items("default")
        await alice.get_followers(ALICE)
        await alice.get_user_replies(ALICE)
        with pytest.raises(NotFoundError):
            await alice.get_user(ALICE)


async def test_profiles_added_to_the_emulator(emu: Emulator) -> None:
    added = emu.add_users(
        [{"address": USER, "username": "degen", "bio": "gm", "x_username": "dx", "badge": 1}]
    )
    assert added == [
        {"address": USER, "username": "degen", "bio": "gm", "x_username": "dx", "badge": 1}
    ]
    emu.state.add_user(OTHER, username="other")
    async with emu.client() as client:
        user = await client.get_user(USER)
        other = await client.get_user(OTHER)
    assert user == User(
        address=USER, username="degen", bio="gm", followers=0, following=0, x_username="dx"
    )
    assert user.raw["badge"] == 1
    assert other.username == "other"
    emu.reset()
    async with emu.client() as client:
        with pytest.raises(NotFoundError):
            await client.get_user(USER)


@pytest.mark.parametrize(
    ("users", "message"),
    [
        ({"address": USER}, "list of user objects"),
        (["x"], "user #1: a user must be a JSON object"),
        ([{"username": "x"}], "user #1: address must be a string"),
        ([{"address": USER}, {"address": "a/b"}], "user #2: address"),
        ([{"address": USER, "username": 5}], "username must be a string or null"),
        ([{"address": USER, "followers": 3}], "followers is counted from the follows"),
        ([{"address": USER, "bio": float("nan")}], "bio must be a string or null"),
        ([{"address": USER, "extra": {1, 2}}], "cannot be sent as JSON"),
    ],
)
def test_bad_profiles_are_refused_whole(users: Any, message: str) -> None:
    emu = Emulator()
    with pytest.raises(ValueError, match=message):
        emu.add_users(users)
    assert emu.state.users == {}


async def test_profiles_through_the_control_api(emu: Emulator) -> None:
    url = f"{emu.url}/_emulator/users"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=[{"address": USER, "username": "degen"}]) as answer:
            assert answer.status == 200
            assert await answer.json() == {"ok": True, "added": 1}
        for bad in ({"address": USER}, [{"address": USER, "following": 1}], [{"address": ""}]):
            async with http.post(url, json=bad) as answer:
                assert answer.status == 400
                assert (await answer.json())["statusCode"] == 400
        async with http.post(url, data=b"[{") as answer:
            assert answer.status == 400
    assert list(emu.state.users) == [USER]
    assert emu.requests == []  # the control API is not logged
    async with emu.client() as client:
        assert (await client.get_user(USER)).username == "degen"


class Clock:
    """Milliseconds for the emulator's state, moved by hand."""

    def __init__(self) -> None:
        self.ms = TS_MS

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator_options(clock: Clock) -> dict[str, Any]:
    return {"state": EmulatorState(now_ms=clock)}


async def test_followers_and_following_from_the_follows(emu: Emulator, clock: Clock) -> None:
    emu.add_users([{"address": CAROL, "username": "carol", "profile_image": "c.png"}])
    async with emu.client("alice") as alice, emu.client("bob") as bob:
        await alice.follow(CAROL)
        clock.ms += 1000
        await bob.follow(CAROL)
        clock.ms += 1000
        await bob.follow(ALICE)
        followers = await alice.get_followers(CAROL)
        following = await alice.get_following(BOB)
        carol = await alice.get_user(CAROL)
        bob_user = await alice.get_user(BOB)
        assert await alice.get_following(CAROL) == []
    assert followers == [
        Follower(address=BOB, followers=0, timestamp=TS_MS + 1000),
        Follower(address=ALICE, followers=1, timestamp=TS_MS),
    ]  # newest first
    assert following == [
        Follower(address=ALICE, followers=1, timestamp=TS_MS + 2000),
        Follower(
            address=CAROL,
            username="carol",
            profile_image="c.png",
            followers=2,
            timestamp=TS_MS + 1000,
        ),
    ]
    assert followers[1].raw == {
        "username": None,
        "profile_image": None,
        "address": ALICE,
        "timestamp": TS_MS,
        "followers": 1,
    }
    assert (carol.followers, carol.following, carol.username) == (2, 0, "carol")
    assert (bob_user.followers, bob_user.following) == (0, 2)


async def test_unfollowing_leaves_the_lists(emu: Emulator, clock: Clock) -> None:
    async with emu.client("alice") as alice:
        await alice.follow(CAROL)
        await alice.unfollow(CAROL)
        assert await alice.get_followers(CAROL) == []
        assert await alice.get_following(ALICE) == []
        assert (await alice.get_user(ALICE)).following == 0
        clock.ms += 5000
        await alice.follow(CAROL)  # a new follow, a new time
        [row] = await alice.get_followers(CAROL)
    assert row.timestamp == TS_MS + 5000


async def test_follow_lists_stop_at_1000_rows(emu: Emulator) -> None:
    emu.state.add_user(CAROL)  # followed, but not acting: no profile without one
    emu.state.follows.update({f"fan{i:04d}": {CAROL} for i in range(1001)})
    async with emu.client() as client:
        rows = await client.get_followers(CAROL)
        assert (await client.get_user(CAROL)).followers == 1001
    assert len(rows) == 1000
    assert [r.address for r in rows[:2]] == ["fan0000", "fan0001"]  # no times: by address
    assert {r.timestamp for r in rows} == {None}


async def test_coins_by_mint(emu: Emulator) -> None:
    [added] = emu.add_coins([{"mint": MINT[:-4] + "abcd", "name": "Added", "flavour": "new"}])
    async with emu.client() as client:
        docs = await client.get_coin(DOCS_MINT)
        assert (docs.name, docs.symbol, docs.reply_count) == ("Docs Example", "DOCS", 0)
        await client.create_reply(DOCS_MINT, "gm")
        assert (await client.get_coin(DOCS_MINT)).reply_count == 1
        coin = await client.get_coin(added["mint"])
        assert isinstance(coin, Coin)
        assert (coin.name, coin.raw["flavour"]) == ("Added", "new")
        with pytest.raises(NotFoundError) as info:
            await client.get_coin("1" * 32)
    assert info.value.path == f"/coins/{'1' * 32}"
    assert emu.state.coins[DOCS_MINT]["reply_count"] == 1  # served a copy, not the state


async def test_a_users_replies_across_coins_paged(emu: Emulator, clock: Clock) -> None:
    async with emu.client("alice") as alice, emu.client("bob") as bob:
        texts = []
        for n, mint in enumerate([DOCS_MINT, OTHER, DOCS_MINT]):
            clock.ms += 10
            texts.append((mint, f"alice {n}"))
            await alice.create_reply(mint, f"alice {n}")
            await bob.create_reply(mint, f"bob {n}")
        first = await bob.get_user_replies(ALICE, limit=2)
        second = await bob.get_user_replies(ALICE, limit=2, offset=2)
        await bob.like(first.replies[0].id)
        liked = await bob.get_user_replies(ALICE, limit=1)
        walked = [r async for r in bob.iter_user_replies(ALICE, page_size=1)]
        nobody = await bob.get_user_replies(CAROL)
    assert isinstance(first, RepliesPage)
    assert [(r.mint, r.text) for r in first] == texts[:2]
    assert (first.has_more, first.offset) == (True, 0)
    assert [(r.mint, r.text) for r in second] == texts[2:]
    assert (second.has_more, second.offset) == (False, 2)
    assert {r.user for r in [*first, *second]} == {ALICE}
    assert liked.replies[0].liked_by_user is True
    assert liked.replies[0].total_likes == 1
    assert [(r.mint, r.text) for r in walked] == texts
    assert (len(nobody), nobody.has_more) == (0, False)
    assert [r.query for r in emu.requests_for("get_user_replies")][-4:] == [
        {"limit": "1", "offset": "0"},
        {"limit": "1", "offset": "1"},
        {"limit": "1", "offset": "2"},
        {"limit": "50", "offset": "0"},
    ]


async def test_the_emulator_checks_the_page_query(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{emu.url}/replies/user-replies/{ALICE}?limit=0"
        async with http.get(url, headers={"Authorization": "Bearer t"}) as answer:
            assert answer.status == 400
            assert "limit must be between 1 and 1000" in (await answer.json())["message"]


# ---------------------------------------------------------------------------- sync client


@pytest.fixture(scope="module")
def threaded_emu() -> Iterator[Emulator]:
    with Emulator().run_in_thread() as emulator:
        yield emulator


def test_the_sync_client_has_the_reads(threaded_emu: Emulator) -> None:
    threaded_emu.add_users([{"address": USER, "username": "degen"}])
    options: dict[str, Any] = {"base_url": threaded_emu.url, "rate_limit": None}
    with PumpFunClient("sync-a", captcha=lambda: uuid.uuid4().hex, **options) as client:
        me = user_id_for("sync-a")
        client.follow(USER)
        client.create_reply(DOCS_MINT, "sync gm")
        assert client.get_user(USER).followers == 1
        assert [f.address for f in client.get_followers(USER)] == [me]
        assert [f.username for f in client.get_following(me)] == ["degen"]
        assert client.get_coin(DOCS_MINT).mint == DOCS_MINT
        assert [r.text for r in client.get_user_replies(me)] == ["sync gm"]
        replies = client.iter_user_replies(me, page_size=1)
        assert isinstance(replies, Iterator)
        assert [r.text for r in replies] == ["sync gm"]
        with pytest.raises(ValidationError):
            client.get_user("a/b")


# ---------------------------------------------------------------------------- command line


def test_the_subcommands_against_the_emulator(
    threaded_emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--base-url", threaded_emu.url, "--token", "cli-user", "--no-rate-limit"]
    me = user_id_for("cli-user")
    threaded_emu.add_users([{"address": OTHER, "username": "coin-fan", "bio": "gm\x1b[2J"}])
    assert main([*base, "follow", OTHER, "--captcha-token", "cli-1"]) == 0
    assert main([*base, "create-reply", DOCS_MINT, "from the cli", "--captcha-token", "cli-2"]) == 0
    capsys.readouterr()

    assert main([*base, "--json", "user", OTHER]) == 0
    profile = json.loads(capsys.readouterr().out)
    assert (profile["address"], profile["username"], profile["followers"]) == (OTHER, "coin-fan", 1)

    assert main([*base, "user", OTHER]) == 0
    out = capsys.readouterr().out
    assert "coin-fan" in out
    assert "\x1b" not in out

    assert main([*base, "followers", OTHER]) == 0
    out = capsys.readouterr().out
    assert me in out
    assert out.endswith("1 user\n")

    assert main([*base, "following", OTHER]) == 0
    assert capsys.readouterr().out == "0 users\n"

    assert main([*base, "--json", "following", me]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["address"], row["username"]) == (OTHER, "coin-fan")

    assert main([*base, "coin", DOCS_MINT]) == 0
    out = capsys.readouterr().out
    assert "Docs Example" in out
    assert "$6,234.50" in out

    assert main([*base, "user-replies", me, "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "from the cli" in out
    assert out.endswith("1 reply from offset 0\n")

    assert main([*base, "coin", "1" * 32]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert main([*base, "coin", "not-a-mint"]) == 2
    assert "mint" in capsys.readouterr().err
    assert main([*base, "user", OTHER + "/x"]) == 2
    assert capsys.readouterr().err.startswith("error: user-id: ")


def test_the_help_names_the_routes(capsys: pytest.CaptureFixture[str]) -> None:
    [action] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    description = action.choices["user-replies"].description
    assert description.startswith("Read one page of a user's replies, across coins: GET ")
    assert "GET /replies/user-replies/{userId}" in description
    assert "as 'pumpfun get-replies' decodes" in description
    assert main(["user", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "user-id The user (their wallet address or user id), as for 'pumpfun follow'." in out
