"""Bad input raises ValidationError (with the right field) before anything is sent."""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import aiohttp
import orjson
import pytest
from aioresponses import aioresponses

from pumpfun_async import (
    AsyncPumpFunClient,
    PumpFunClient,
    ReportAction,
    ReportType,
    ValidationError,
)
from pumpfun_async._validate import check_like_target
from pumpfun_async.testing import default_coins

from .conftest import BASE, CLIENT_KEY, MINT, TOKEN, sent, show

Call = Callable[[AsyncPumpFunClient], Awaitable[object]]

OTHER_MINT = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr"  # 44 chars, no "pump" suffix
REPLIES_PAGE = {"replies": [], "hasMore": False, "offset": 0}
ANY_URL = re.compile(r".*")


async def _rejected(call: Awaitable[object], field: str, mocked: aioresponses) -> ValidationError:
    """Await ``call``, expect a ValidationError on ``field`` and nothing on the wire."""
    with pytest.raises(ValidationError) as info:
        await call
    assert isinstance(info.value, ValueError)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert sent(mocked) == []
    return info.value


def _answer_everything(mocked: aioresponses) -> None:
    """Register a success for every request the positive cases send."""
    mocked.get(re.compile(rf"^{re.escape(BASE)}/replies/"), payload=REPLIES_PAGE, repeat=True)
    mocked.get(re.compile(rf"^{re.escape(BASE)}/coins/bookmarks/"), payload=[], repeat=True)
    mocked.get(re.compile(rf"^{re.escape(BASE)}/reports\?"), payload=[], repeat=True)
    mocked.get(re.compile(rf"^{re.escape(BASE)}/users/"), payload={"address": "u"}, repeat=True)
    mocked.get(re.compile(rf"^{re.escape(BASE)}/following/"), payload=[], repeat=True)
    mocked.get(re.compile(rf"^{re.escape(BASE)}/coins/"), payload={"mint": MINT}, repeat=True)
    mocked.post(ANY_URL, status=201, repeat=True)
    mocked.delete(ANY_URL, status=200, repeat=True)


def _urls(mocked: aioresponses) -> list[tuple[str, str]]:
    return [(method, str(url)) for method, url, _ in sent(mocked)]


def _body(mocked: aioresponses) -> Any:
    [(_, _, kwargs)] = sent(mocked)
    return orjson.loads(kwargs["data"])


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs exactly as the client hands them to aiohttp (aioresponses re-encodes them)."""
    urls: list[str] = []
    original = aiohttp.ClientSession.request

    def spy(self: aiohttp.ClientSession, method: str, url: Any, **kwargs: Any) -> Any:
        urls.append(str(url))
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(aiohttp.ClientSession, "request", spy)
    return urls


# ---------------------------------------------------------------------------- mints

BAD_MINTS: list[Any] = [
    MINT[:31],  # 31 characters
    MINT + "abcde",  # 45 characters
    "",
    "0" + MINT[1:],
    "O" + MINT[1:],
    "I" + MINT[1:],
    "l" + MINT[1:],
    " " + MINT,
    MINT + "\n",
    MINT[:-1] + "/",
    123,
    None,
    MINT.encode(),
]

MINT_CALLS: dict[str, Callable[[AsyncPumpFunClient, Any], Awaitable[object]]] = {
    "create_reply": lambda c, m: c.create_reply(m, "gm"),
    "get_replies": lambda c, m: c.get_replies(m),
}


@pytest.mark.parametrize("name", sorted(MINT_CALLS))
@pytest.mark.parametrize("mint", BAD_MINTS)
async def test_bad_mint_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, mint: Any
) -> None:
    await _rejected(MINT_CALLS[name](client, mint), "mint", mocked)


@pytest.mark.parametrize("mint", [MINT, OTHER_MINT, OTHER_MINT[:32]])
async def test_mint_without_pump_suffix_accepted(
    client: AsyncPumpFunClient, mocked: aioresponses, mint: str
) -> None:
    _answer_everything(mocked)
    await client.get_replies(mint)
    await client.create_reply(mint, "gm")
    assert _urls(mocked) == [
        ("GET", f"{BASE}/replies/{mint}?limit=50&offset=0"),
        ("POST", f"{BASE}/replies"),
    ]


# ---------------------------------------------------------------------------- reply text


@pytest.mark.parametrize("text", ["", "   \n", "\t", "a" * 2001, 123, None, b"gm"])
async def test_bad_reply_text_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, text: Any
) -> None:
    await _rejected(client.create_reply(MINT, text), "text", mocked)


@pytest.mark.parametrize("text", ["a", "a" * 2000, " gm "])
async def test_reply_text_accepted(
    client: AsyncPumpFunClient, mocked: aioresponses, text: str
) -> None:
    _answer_everything(mocked)
    await client.create_reply(MINT, text)
    assert _body(mocked) == {"mint": MINT, "text": text}


# ---------------------------------------------------------------------------- report reasons

REASON_CALLS: dict[str, Callable[[AsyncPumpFunClient, Any], Awaitable[object]]] = {
    "create_report": lambda c, r: c.create_report(MINT, "scam", r),
    "report_comment": lambda c, r: c.report_comment(12345, r),
}


@pytest.mark.parametrize("name", sorted(REASON_CALLS))
@pytest.mark.parametrize("reason", ["", "   ", "\n\t", None, 5])
async def test_bad_report_reason_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, reason: Any
) -> None:
    await _rejected(REASON_CALLS[name](client, reason), "reason", mocked)


async def test_report_comment_needs_a_client_key(mocked: aioresponses) -> None:
    async with AsyncPumpFunClient(token=TOKEN, base_url=BASE) as no_key:
        await _rejected(no_key.report_comment(12345, "offensive"), "client_key", mocked)


async def test_report_comment_with_client_key_is_sent(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    _answer_everything(mocked)
    await client.report_comment(12345, "offensive")
    assert _urls(mocked) == [("POST", f"{BASE}/reports/reportComment")]
    assert _body(mocked) == {"commentId": "12345", "reason": "offensive"}
    assert sent(mocked)[0][2]["headers"]["x-client-key"] == CLIENT_KEY


# ---------------------------------------------------------------------------- limit and offset

PAGED_CALLS: dict[str, Callable[..., Awaitable[object]]] = {
    "get_replies": lambda c, **kw: c.get_replies(MINT, **kw),
    "get_bookmark_items": lambda c, **kw: c.get_bookmark_items("default", **kw),
    "get_reports": lambda c, **kw: c.get_reports(**kw),
}


@pytest.mark.parametrize("name", sorted(PAGED_CALLS))
@pytest.mark.parametrize("limit", [0, 1001, -1, True, False, "50", 1.0, None])
async def test_bad_limit_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, limit: Any
) -> None:
    await _rejected(PAGED_CALLS[name](client, limit=limit), "limit", mocked)


@pytest.mark.parametrize("name", sorted(PAGED_CALLS))
@pytest.mark.parametrize("offset", [-1, True, "0", 1.5, None])
async def test_bad_offset_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, offset: Any
) -> None:
    await _rejected(PAGED_CALLS[name](client, offset=offset), "offset", mocked)


@pytest.mark.parametrize("name", sorted(PAGED_CALLS))
@pytest.mark.parametrize("limit", [1, 1000])
async def test_limit_bounds_accepted(
    client: AsyncPumpFunClient,
    mocked: aioresponses,
    wire: list[str],
    name: str,
    limit: int,
) -> None:
    _answer_everything(mocked)
    await PAGED_CALLS[name](client, limit=limit, offset=7)
    [url] = wire
    assert f"limit={limit}&offset=7" in url


# ---------------------------------------------------------------------------- bookmark id lists

BOOKMARK_LIST_CALLS: dict[str, Callable[[AsyncPumpFunClient, Any], Awaitable[object]]] = {
    "add_bookmark_items": lambda c, ids: c.add_bookmark_items(MINT, ids),
    "remove_bookmark_items": lambda c, ids: c.remove_bookmark_items(MINT, ids),
}


@pytest.mark.parametrize("name", sorted(BOOKMARK_LIST_CALLS))
@pytest.mark.parametrize(
    "ids",
    [[], (), iter([]), "default", "bookmark1", b"default", None, 5, ["bookmark1", "a/b"], [""]],
    ids=show,
)
async def test_bad_bookmark_id_list_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, ids: Any
) -> None:
    await _rejected(BOOKMARK_LIST_CALLS[name](client, ids), "bookmark_ids", mocked)


@pytest.mark.parametrize(
    "ids", [["bookmark1", "bookmark2"], ("default",), (i for i in ["bookmark1"])], ids=show
)
async def test_bookmark_id_lists_accepted(
    client: AsyncPumpFunClient, mocked: aioresponses, ids: Any
) -> None:
    expected = list(ids)
    _answer_everything(mocked)
    await client.add_bookmark_items(MINT, iter(expected))
    assert _urls(mocked) == [("POST", f"{BASE}/bookmarks/items/add")]
    assert _body(mocked) == {"itemId": MINT, "bookmarkIds": expected}


# ---------------------------------------------------------------------------- ids

BAD_IDS: list[Any] = [
    "",
    " ",
    "a b",
    " user123",
    "user123 ",
    "a\tb",
    "a\nb",
    "a\r\nb",
    "a\x00b",
    "a\x7fb",
    "a\u00a0b",
    "../reports/1",
    "a/b",
    "/",
    "a\\b",
    "a?b",
    "?",
    "a#b",
    "#",
    "a%2Fb",
    "%",
    ".",
    "..",
    "...",
    "x" * 129,
    -1,
    True,
    False,
    None,
    1.5,
    b"user123",
    ["user123"],
]

ID_CALLS: dict[str, tuple[str, Callable[[AsyncPumpFunClient, Any], Awaitable[object]]]] = {
    "like": ("target_id", lambda c, i: c.like(i)),
    "unlike": ("target_id", lambda c, i: c.unlike(i)),
    "follow": ("user_id", lambda c, i: c.follow(i, captcha_token="tok")),
    "unfollow": ("user_id", lambda c, i: c.unfollow(i)),
    "delete_report": ("report_id", lambda c, i: c.delete_report(i)),
    "update_report": ("report_id", lambda c, i: c.update_report(i, True, "banned")),
    "get_bookmark_items": ("bookmark_id", lambda c, i: c.get_bookmark_items(i)),
    "add_bookmark_items/item": ("item_id", lambda c, i: c.add_bookmark_items(i, ["default"])),
    "add_bookmark_items/list": ("bookmark_ids", lambda c, i: c.add_bookmark_items(MINT, [i])),
    "remove_bookmark_items/item": (
        "item_id",
        lambda c, i: c.remove_bookmark_items(i, ["default"]),
    ),
    "create_report": ("target_id", lambda c, i: c.create_report(i, "scam", "rug")),
    "report_comment": ("comment_id", lambda c, i: c.report_comment(i, "offensive")),
}


@pytest.mark.parametrize("name", sorted(ID_CALLS))
@pytest.mark.parametrize("bad_id", BAD_IDS, ids=repr)
async def test_bad_id_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, bad_id: Any
) -> None:
    field, call = ID_CALLS[name]
    await _rejected(call(client, bad_id), field, mocked)


async def test_unfollow_path_traversal_is_not_sent(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    mocked.delete(ANY_URL, status=200, repeat=True)
    await _rejected(client.unfollow("../reports/1"), "user_id", mocked)


async def test_int_id_longer_than_128_digits_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    mocked.post(ANY_URL, status=201, repeat=True)
    await _rejected(client.like(10**128), "target_id", mocked)  # 129 digits


@pytest.mark.parametrize(
    ("call", "method", "url"),
    [
        (lambda c: c.like(12345), "POST", f"{BASE}/likes/12345"),
        (lambda c: c.unlike(12345), "DELETE", f"{BASE}/likes/12345"),
        (lambda c: c.like(0), "POST", f"{BASE}/likes/0"),
        (lambda c: c.like(MINT), "POST", f"{BASE}/likes/{MINT}"),
        (lambda c: c.like(OTHER_MINT[:32]), "POST", f"{BASE}/likes/{OTHER_MINT[:32]}"),
        (lambda c: c.like("9" * 20), "POST", f"{BASE}/likes/{'9' * 20}"),
        # Like targets are mints and reply ids only; other ids may be any 128 characters.
        (lambda c: c.unfollow("x" * 128), "DELETE", f"{BASE}/following/{'x' * 128}"),
        (lambda c: c.delete_report("a.b"), "DELETE", f"{BASE}/reports/a.b"),
        (
            lambda c: c.follow("user123", captcha_token="tok"),
            "POST",
            f"{BASE}/following/user123?captchaToken=tok",
        ),
        (lambda c: c.follow("user123"), "POST", f"{BASE}/following/user123"),
        (lambda c: c.unfollow("user123"), "DELETE", f"{BASE}/following/user123"),
        (lambda c: c.unfollow(OTHER_MINT), "DELETE", f"{BASE}/following/{OTHER_MINT}"),
        (
            lambda c: c.get_bookmark_items("bookmark1"),
            "GET",
            f"{BASE}/coins/bookmarks/bookmark1?includeNsfw=false&limit=50&offset=0",
        ),
        (
            lambda c: c.get_bookmark_items("default", include_nsfw=True),
            "GET",
            f"{BASE}/coins/bookmarks/default?includeNsfw=true&limit=50&offset=0",
        ),
        (
            lambda c: c.get_bookmark_items("0b6f7c1e-3f8a-4b6e-9c2d-5e1f0a9b8c7d"),
            "GET",
            f"{BASE}/coins/bookmarks/0b6f7c1e-3f8a-4b6e-9c2d-5e1f0a9b8c7d"
            "?includeNsfw=false&limit=50&offset=0",
        ),
        (lambda c: c.delete_report(7), "DELETE", f"{BASE}/reports/7"),
        (lambda c: c.delete_report("report-7"), "DELETE", f"{BASE}/reports/report-7"),
        (lambda c: c.update_report(7, True, "banned"), "POST", f"{BASE}/reports/update"),
        (lambda c: c.add_bookmark_items(MINT, ["default"]), "POST", f"{BASE}/bookmarks/items/add"),
    ],
)
async def test_documented_ids_are_sent(
    client: AsyncPumpFunClient, mocked: aioresponses, call: Call, method: str, url: str
) -> None:
    _answer_everything(mocked)
    await call(client)
    assert _urls(mocked) == [(method, url)]


# ---------------------------------------------------------------------------- enums


@pytest.mark.parametrize("report_type", ["SCAM!", "Scam", "SCAM", "", " scam", "1scam", 5, None])
async def test_bad_report_type_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, report_type: Any
) -> None:
    await _rejected(client.create_report(MINT, report_type, "rug"), "type", mocked)


@pytest.mark.parametrize(
    ("report_type", "wire_value"),
    [
        (ReportType.SCAM, "scam"),
        ("scam", "scam"),
        (ReportType.IMPERSONATION, "impersonation"),
        ("phishing", "phishing"),
    ],
)
async def test_report_type_accepted(
    client: AsyncPumpFunClient, mocked: aioresponses, report_type: Any, wire_value: str
) -> None:
    _answer_everything(mocked)
    await client.create_report(MINT, report_type, "rug")
    assert _body(mocked) == {"targetId": MINT, "type": wire_value, "reason": "rug"}


@pytest.mark.parametrize("action", ["BANNED!", "Banned", "no action", "", 5, None])
async def test_bad_report_action_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, action: Any
) -> None:
    await _rejected(client.update_report(7, True, action), "action", mocked)


@pytest.mark.parametrize(
    ("action", "wire_value"),
    [
        (ReportAction.BANNED, "banned"),
        (ReportAction.NO_ACTION, "no_action"),
        ("no_action", "no_action"),
        ("shadow_banned", "shadow_banned"),
    ],
)
async def test_report_action_accepted(
    client: AsyncPumpFunClient, mocked: aioresponses, action: Any, wire_value: str
) -> None:
    _answer_everything(mocked)
    await client.update_report(7, False, action)
    assert _body(mocked) == {"reportId": "7", "done": False, "action": wire_value}


@pytest.mark.parametrize("report_type", ["ALL", "SCAM!", "", 5, None])
async def test_bad_reports_filter_type_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, report_type: Any
) -> None:
    await _rejected(client.get_reports(type=report_type), "type", mocked)


@pytest.mark.parametrize(
    ("report_type", "wire_value"),
    [("all", "all"), (ReportType.SPAM, "spam"), ("nsfw", "nsfw"), ("phishing", "phishing")],
)
async def test_reports_filter_type_accepted(
    client: AsyncPumpFunClient,
    mocked: aioresponses,
    wire: list[str],
    report_type: Any,
    wire_value: str,
) -> None:
    _answer_everything(mocked)
    await client.get_reports(type=report_type)
    assert wire == [
        f"{BASE}/reports?limit=50&offset=0&type={wire_value}&done=false"
        "&createdAtFrom=&createdAtTo=&isCurrentlyLive=false"
    ]


# ---------------------------------------------------------------------------- booleans

BOOL_CALLS: dict[str, tuple[str, Callable[[AsyncPumpFunClient, Any], Awaitable[object]]]] = {
    "get_reports/done": ("done", lambda c, v: c.get_reports(done=v)),
    "get_reports/is_currently_live": (
        "is_currently_live",
        lambda c, v: c.get_reports(is_currently_live=v),
    ),
    "update_report/done": ("done", lambda c, v: c.update_report(7, v, "banned")),
    "get_bookmark_items/include_nsfw": (
        "include_nsfw",
        lambda c, v: c.get_bookmark_items("default", include_nsfw=v),
    ),
}


@pytest.mark.parametrize("name", sorted(BOOL_CALLS))
@pytest.mark.parametrize("value", ["false", "true", "", 0, 1, None])
async def test_non_bool_flag_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, value: Any
) -> None:
    field, call = BOOL_CALLS[name]
    await _rejected(call(client, value), field, mocked)


async def test_bool_flags_go_out_as_true_false(
    client: AsyncPumpFunClient, mocked: aioresponses, wire: list[str]
) -> None:
    _answer_everything(mocked)
    await client.get_reports(done=True, is_currently_live=True)
    await client.update_report(7, True, "hidden")
    assert wire[0].endswith("&done=true&createdAtFrom=&createdAtTo=&isCurrentlyLive=true")
    body = orjson.loads(sent(mocked)[1][2]["data"])
    assert body == {"reportId": "7", "done": True, "action": "hidden"}


# ---------------------------------------------------------------------------- dates

PLUS_TWO = timezone(timedelta(hours=2))
TEN_AM = "2024-05-01T10%3A00%3A00.000Z"


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (datetime(2024, 5, 1, 10, 0), TEN_AM),
        (datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc), TEN_AM),
        (datetime(2024, 5, 1, 12, 0, tzinfo=PLUS_TWO), TEN_AM),
        (datetime(2024, 5, 1, 1, 30, tzinfo=PLUS_TWO), "2024-04-30T23%3A30%3A00.000Z"),
        (datetime(2024, 5, 1, 10, 0, 0, 123456), "2024-05-01T10%3A00%3A00.123Z"),
        (date(2024, 5, 1), "2024-05-01T00%3A00%3A00.000Z"),
        ("2024-05-01T10:00:00Z", TEN_AM),
        ("2024-05-01T10:00:00.000Z", TEN_AM),
        ("2024-05-01T12:00:00+02:00", TEN_AM),
        ("2024-05-01T10:00:00", TEN_AM),
        ("2024-05-01", "2024-05-01T00%3A00%3A00.000Z"),
    ],
    ids=repr,
)
async def test_dates_sent_as_utc_iso(
    client: AsyncPumpFunClient, mocked: aioresponses, wire: list[str], value: Any, encoded: str
) -> None:
    _answer_everything(mocked)
    await client.get_reports(created_from=value)
    await client.get_reports(created_to=value)
    assert wire == [
        f"{BASE}/reports?limit=50&offset=0&type=all&done=false"
        f"&createdAtFrom={encoded}&createdAtTo=&isCurrentlyLive=false",
        f"{BASE}/reports?limit=50&offset=0&type=all&done=false"
        f"&createdAtFrom=&createdAtTo={encoded}&isCurrentlyLive=false",
    ]


@pytest.mark.parametrize("field", ["created_from", "created_to"])
@pytest.mark.parametrize(
    "value", ["garbage", "", "2024-13-01", "01/05/2024", 20240501, 1714557600.0, True], ids=repr
)
async def test_bad_date_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, field: str, value: Any
) -> None:
    await _rejected(client.get_reports(**{field: value}), field, mocked)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2024, 5, 2), datetime(2024, 5, 1)),
        ("2024-05-01T10:00:00.001Z", "2024-05-01T10:00:00Z"),
        # 00:00 UTC on May 1st is later than 01:00+02:00 (23:00 UTC on April 30th).
        (date(2024, 5, 1), datetime(2024, 5, 1, 1, 0, tzinfo=PLUS_TWO)),
    ],
    ids=repr,
)
async def test_created_from_after_created_to_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, start: Any, end: Any
) -> None:
    await _rejected(client.get_reports(created_from=start, created_to=end), "created_from", mocked)


async def test_date_range_compared_in_utc(
    client: AsyncPumpFunClient, mocked: aioresponses, wire: list[str]
) -> None:
    _answer_everything(mocked)
    start = datetime(2024, 5, 1, 1, 0, tzinfo=PLUS_TWO)  # 2024-04-30T23:00Z
    await client.get_reports(created_from=start, created_to=date(2024, 5, 1))
    assert "&createdAtFrom=2024-04-30T23%3A00%3A00.000Z" in wire[0]
    assert "&createdAtTo=2024-05-01T00%3A00%3A00.000Z&" in wire[0]


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1, 0, 30, tzinfo=PLUS_TWO),  # before year 1 in UTC
        "0001-01-01T00:30:00+02:00",
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2))),  # after 9999
    ],
    ids=repr,
)
async def test_date_out_of_utc_range_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, value: Any
) -> None:
    await _rejected(client.get_reports(created_from=value), "created_from", mocked)


async def test_year_before_1000_sent_as_four_digits(
    client: AsyncPumpFunClient, mocked: aioresponses, wire: list[str]
) -> None:
    _answer_everything(mocked)
    await client.get_reports(created_from=datetime(999, 1, 1), created_to=datetime(2024, 1, 1))
    assert "&createdAtFrom=0999-01-01T00%3A00%3A00.000Z&" in wire[0]


# ---------------------------------------------------------------------------- captcha

CAPTCHA_CALLS: dict[str, Callable[[AsyncPumpFunClient, Any], Awaitable[object]]] = {
    "follow": lambda c, t: c.follow("user123", captcha_token=t),
    "create_reply": lambda c, t: c.create_reply(MINT, "gm", captcha_token=t),
}


@pytest.mark.parametrize("name", sorted(CAPTCHA_CALLS))
@pytest.mark.parametrize("token", ["", "   ", "\n", 123, b"tok"])
async def test_bad_captcha_token_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, token: Any
) -> None:
    await _rejected(CAPTCHA_CALLS[name](client, token), "captcha_token", mocked)


def _sync_provider(value: Any) -> Callable[[], Any]:
    return lambda: value


def _async_provider(value: Any) -> Callable[[], Awaitable[Any]]:
    async def provide() -> Any:
        return value

    return provide


@pytest.mark.parametrize("name", sorted(CAPTCHA_CALLS))
@pytest.mark.parametrize("make", [_sync_provider, _async_provider])
@pytest.mark.parametrize("value", ["", "   ", None, 123, b"tok"])
async def test_captcha_provider_without_a_token_rejected(
    mocked: aioresponses, name: str, make: Callable[[Any], Any], value: Any
) -> None:
    async with AsyncPumpFunClient(token=TOKEN, base_url=BASE, captcha=make(value)) as c:
        await _rejected(CAPTCHA_CALLS[name](c, None), "captcha", mocked)


@pytest.mark.parametrize("make", [_sync_provider, _async_provider])
async def test_captcha_provider_token_is_sent(
    mocked: aioresponses, make: Callable[[Any], Any]
) -> None:
    _answer_everything(mocked)
    async with AsyncPumpFunClient(token=TOKEN, base_url=BASE, captcha=make("tok-1")) as c:
        await c.follow("user123")
        await c.create_reply(MINT, "gm")
    assert _urls(mocked) == [
        ("POST", f"{BASE}/following/user123?captchaToken=tok-1"),
        ("POST", f"{BASE}/replies"),
    ]
    assert orjson.loads(sent(mocked)[1][2]["data"]) == {
        "mint": MINT,
        "text": "gm",
        "captchaToken": "tok-1",
    }


# ---------------------------------------------------------------------------- constructor


def _construct_rejected(field: str, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        AsyncPumpFunClient(**kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.field == field
    return info.value


@pytest.mark.parametrize("timeout", [0, 0.0, -1, "x", "30", True, False])
def test_bad_timeout_rejected(timeout: Any) -> None:
    _construct_rejected("timeout", timeout=timeout)


def test_nan_timeout_rejected() -> None:
    _construct_rejected("timeout", timeout=float("nan"))


@pytest.mark.parametrize("max_retries", [-1, 1.5, True, False, "2", None])
def test_bad_max_retries_rejected(max_retries: Any) -> None:
    _construct_rejected("max_retries", max_retries=max_retries)


@pytest.mark.parametrize(
    "base_url",
    [
        "ftp://x",
        "not a url",
        "http://h/?q=1",
        "http://h/#frag",
        "http://user:pw@h",
        "https://user@h",
        "http://",
        "",
        "http://h:99999",
        123,
    ],
)
def test_bad_base_url_rejected(base_url: Any) -> None:
    _construct_rejected("base_url", base_url=base_url)


def test_base_url_credentials_not_echoed() -> None:
    error = _construct_rejected("base_url", base_url="http://user:hunter2@h")
    assert "hunter2" not in str(error)


@pytest.mark.parametrize("captcha", [123, b"tok", 1.5, "", "   "])
def test_bad_captcha_rejected(captcha: Any) -> None:
    _construct_rejected("captcha", captcha=captcha)


@pytest.mark.parametrize("session", ["x", object(), 1])
def test_bad_session_rejected(session: Any) -> None:
    _construct_rejected("session", session=session)


@pytest.mark.parametrize(
    ("field", "secret"),
    [
        ("token", "secret-head\nsecret-tail"),
        ("token", "secret-head\r\nX-Injected: secret-tail"),
        ("token", "secret-head\x00secret-tail"),
        ("client_key", "secret-head\nsecret-tail"),
    ],
)
def test_secret_with_control_characters_rejected_without_echo(field: str, secret: str) -> None:
    error = _construct_rejected(field, **{field: secret})
    for text in (str(error), repr(error), *map(str, error.args)):
        assert "secret-head" not in text
        assert "secret-tail" not in text


def test_token_from_environment_with_newline_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUMPFUN_TOKEN", "secret-head\nsecret-tail")
    error = _construct_rejected("token")
    assert "secret-head" not in str(error)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": None},
        {"timeout": 0.5},
        {"max_retries": 0},
        {"base_url": "https://h/api/"},
        {"captcha": "tok"},
        {"captcha": _sync_provider("tok")},
    ],
    ids=show,
)
def test_good_constructor_arguments_accepted(kwargs: dict[str, Any]) -> None:
    AsyncPumpFunClient(token=TOKEN, **kwargs)


# ---------------------------------------------------------------------------- lone surrogates

LONE = "\ud83d"  # the first half of an emoji's UTF-16 pair, on its own

# Valid arguments for every public operation. A new operation, or a new string parameter,
# must be added here: test_every_string_parameter_is_covered fails until it is.
VALID_ARGS: dict[str, dict[str, Any]] = {
    "like": {"target_id": MINT},
    "unlike": {"target_id": MINT},
    "follow": {"user_id": "user123", "captcha_token": "tok"},
    "unfollow": {"user_id": "user123"},
    "add_bookmark_items": {"item_id": MINT, "bookmark_ids": ["default"]},
    "remove_bookmark_items": {"item_id": MINT, "bookmark_ids": ["default"]},
    "get_bookmark_items": {"bookmark_id": "default"},
    "create_reply": {"mint": MINT, "text": "gm", "captcha_token": "tok"},
    "get_replies": {"mint": MINT},
    "create_report": {"target_id": MINT, "type": "scam", "reason": "rug"},
    "report_comment": {"comment_id": "12345", "reason": "offensive"},
    "get_reports": {"type": "all", "created_from": "2024-05-01", "created_to": "2024-05-02"},
    "update_report": {"report_id": "7", "done": True, "action": "banned", "notes": "ok"},
    "delete_report": {"report_id": "7"},
    "like_many": {"targets": [MINT]},
    "unlike_many": {"targets": [MINT]},
    "follow_many": {"user_ids": ["user123"]},
    "unfollow_many": {"user_ids": ["user123"]},
    "add_bookmark_items_many": {"item_ids": [MINT], "bookmark_ids": ["default"]},
    "remove_bookmark_items_many": {"item_ids": [MINT], "bookmark_ids": ["default"]},
    "iter_replies": {"mint": MINT},
    "iter_bookmark_items": {"bookmark_id": "default"},
    "iter_reports": {"type": "all", "created_from": "2024-05-01", "created_to": "2024-05-02"},
    "get_user": {"user_id": "user123"},
    "get_followers": {"user_id": "user123"},
    "get_following": {"user_id": "user123"},
    "get_coin": {"mint": MINT},
    "get_user_replies": {"user_id": "user123"},
    "iter_user_replies": {"user_id": "user123"},
    "watch_replies": {"mint": MINT},
    "watch_reports": {"type": "all"},
    "login": {},
    "request": {
        "method": "GET",
        "path": f"/replies/{MINT}",
        "params": {"limit": "5"},
        "group": "reads",
    },
}
# Watches never end by themselves: test_watch.py runs them with these arguments.
ENDLESS = frozenset({"watch_replies", "watch_reports"})

# Bulk helpers take many targets and record a failure per target, under the field name
# of the single call they repeat.
PER_ITEM_FIELD = {"targets": "target_id", "user_ids": "user_id", "item_ids": "item_id"}


def _operations() -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(AsyncPumpFunClient).items()
        if not name.startswith("_")
        and (inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member))
        and name != "aclose"
    }


def _string_parameters(function: Any) -> list[str]:
    """The parameters whose annotation admits ``str`` (alone, in a union or an iterable)."""
    return [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.name != "self" and re.search(r"\bstr\b", str(p.annotation))
    ]


STRING_PARAMETERS = sorted(
    (name, parameter)
    for name, function in _operations().items()
    for parameter in _string_parameters(function)
)


def test_every_string_parameter_is_covered() -> None:
    assert sorted(VALID_ARGS) == sorted(_operations())
    for name, function in _operations().items():
        assert set(_string_parameters(function)) <= set(VALID_ARGS[name]), name
    # the table is what the next test feeds: every operation taking a string is in it
    assert {name for name, _ in STRING_PARAMETERS} == set(VALID_ARGS) - {"login"}


def _with_lone_surrogate(value: Any) -> list[Any]:
    """The surrogate alone, and inside (in the middle, at the end) the valid ``value``.

    In a mapping: in its key, and in its value as above.
    """
    if isinstance(value, dict):
        ((key, item),) = value.items()
        return [{LONE: item}, *({key: v} for v in _with_lone_surrogate(item))]
    if isinstance(value, list):
        return [[LONE], *([item] for item in _with_lone_surrogate(value[0])[1:])]
    middle = len(value) // 2
    return [LONE, value[:middle] + LONE + value[middle:], value + LONE]


async def _drive(client: AsyncPumpFunClient, name: str, kwargs: dict[str, Any]) -> Any:
    """Call operation ``name``; an async iterator is read to its end."""
    result = getattr(client, name)(**kwargs)
    if inspect.isasyncgen(result):
        return [item async for item in result]
    return await result


@pytest.mark.parametrize(("name", "parameter"), STRING_PARAMETERS, ids="/".join)
async def test_lone_surrogate_in_any_string_is_a_validation_error(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, parameter: str
) -> None:
    # No route is registered: anything that reached aiohttp would show in sent(mocked).
    for value in _with_lone_surrogate(VALID_ARGS[name][parameter]):
        kwargs = {**VALID_ARGS[name], parameter: value}
        if parameter in PER_ITEM_FIELD and name.endswith("_many"):
            result = await _drive(client, name, kwargs)
            [item] = result
            assert isinstance(item.error, ValidationError), (value, item)
            error = item.error
            assert error.field == PER_ITEM_FIELD[parameter]
        else:
            with pytest.raises(ValidationError) as info:
                await _drive(client, name, kwargs)
            error = info.value
            assert error.field == parameter, value
        assert "surrogate" in str(error), (value, str(error))
        assert sent(mocked) == []


async def test_valid_arguments_are_valid(mocked: aioresponses) -> None:
    """The table's values pass every check (else the test above would prove nothing)."""
    _answer_everything(mocked)
    async with AsyncPumpFunClient(
        token=TOKEN, base_url=BASE, client_key=CLIENT_KEY, captcha="tok", max_retries=0
    ) as c:
        for name, kwargs in VALID_ARGS.items():
            if name != "login" and name not in ENDLESS:
                result = await _drive(c, name, kwargs)
                assert not name.endswith("_many") or result.ok, (name, result)
    assert len(sent(mocked)) == len(VALID_ARGS) - 1 - len(ENDLESS)


@pytest.mark.parametrize("field", ["token", "client_key", "base_url", "captcha"])
@pytest.mark.parametrize("where", ["alone", "inside"])
def test_lone_surrogate_in_constructor_string_rejected(field: str, where: str) -> None:
    valid = {"token": TOKEN, "client_key": CLIENT_KEY, "base_url": BASE, "captcha": "cap-7x9q"}
    value = LONE if where == "alone" else f"{valid[field]}{LONE}x"
    error = _construct_rejected(field, **{field: value})
    assert "surrogate" in str(error)
    if field != "base_url":  # secrets: never echoed, not even in part
        assert valid[field] not in str(error)


@pytest.mark.parametrize(
    ("field", "env"), [("token", "PUMPFUN_TOKEN"), ("client_key", "PUMPFUN_CLIENT_KEY")]
)
def test_undecodable_secret_in_environment_rejected(
    monkeypatch: pytest.MonkeyPatch, field: str, env: str
) -> None:
    # A byte that is not UTF-8 comes back from os.environ as a lone surrogate.
    monkeypatch.setenv(env, "secret-head\udcffsecret-tail")
    error = _construct_rejected(field)
    assert "surrogate" in str(error)
    assert "secret-head" not in str(error)


def test_sync_client_rejects_lone_surrogate_in_constructor() -> None:
    with pytest.raises(ValidationError) as info:
        PumpFunClient(token=TOKEN, base_url=BASE, captcha=LONE)
    assert info.value.field == "captcha"


# ---------------------------------------------------------------------------- captcha tokens

CONTROL_TOKENS = ["tok\n", "tok\r\nX-Injected: 1", "tok\x00", "\ttok", "tok\x7f", "tok\x85"]


@pytest.mark.parametrize("name", sorted(CAPTCHA_CALLS))
@pytest.mark.parametrize("token", [*CONTROL_TOKENS, LONE, f"tok{LONE}en"], ids=repr)
async def test_captcha_token_with_control_character_or_surrogate_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, name: str, token: str
) -> None:
    error = await _rejected(CAPTCHA_CALLS[name](client, f"secret-{token}"), "captcha_token", mocked)
    assert "secret-" not in str(error)


@pytest.mark.parametrize("token", [*CONTROL_TOKENS, LONE], ids=repr)
def test_constructor_captcha_with_control_character_or_surrogate_rejected(token: str) -> None:
    error = _construct_rejected("captcha", captcha=f"secret-{token}")
    assert "secret-" not in str(error)


def named_provider(value: Any) -> Callable[[], Any]:
    """A captcha provider with a qualified name the error message must show."""

    def solve_captcha() -> Any:
        return value

    return solve_captcha


@pytest.mark.parametrize("name", sorted(CAPTCHA_CALLS))
@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize(
    "value",
    [LONE, f"secret-{LONE}", "secret-tok\r\nX-Injected: 1", "secret\x00", None, "", 5],
    ids=repr,
)
async def test_bad_token_from_provider_names_the_provider(
    mocked: aioresponses, name: str, asynchronous: bool, value: Any
) -> None:
    solve = named_provider(value)

    async def solve_later() -> Any:
        return value

    provider = solve_later if asynchronous else solve
    async with AsyncPumpFunClient(token=TOKEN, base_url=BASE, captcha=provider) as c:
        error = await _rejected(CAPTCHA_CALLS[name](c, None), "captcha", mocked)
    assert f"{provider.__module__}.{provider.__qualname__}" in str(error)
    assert "secret" not in str(error)


async def test_provider_object_without_qualname_is_named_by_its_type(
    mocked: aioresponses,
) -> None:
    class Solver:
        def __call__(self) -> str:
            return LONE

    async with AsyncPumpFunClient(token=TOKEN, base_url=BASE, captcha=Solver()) as c:
        error = await _rejected(c.follow("user123"), "captcha", mocked)
    assert Solver.__qualname__ in str(error)


async def test_follow_many_records_a_bad_provider_token_per_user(mocked: aioresponses) -> None:
    async with AsyncPumpFunClient(
        token=TOKEN, base_url=BASE, captcha=named_provider("tok\n"), max_retries=0
    ) as c:
        result = await c.follow_many(["user1", "user2"])
    assert [item.ok for item in result] == [False, False]
    for item in result:
        assert isinstance(item.error, ValidationError)
        assert item.error.field == "captcha"
    assert sent(mocked) == []


# ---------------------------------------------------------------------------- like targets

NOT_LIKE_TARGETS: list[Any] = [
    "abc",
    "0OIl" + MINT[:32],  # 36 characters, but 0, O, I and l are not base58
    "x" * 100,
    "user123",
    "",
    "1" * 21,  # 21 digits: longer than any reply id
    " 12345",
    "12345 ",
    "12-345",
    "\uff11\uff12\uff13",  # fullwidth digits: str.isdigit() says yes, the API says no
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    MINT[:31],
    MINT + "abcde",
    MINT + "\n",
    -1,
    10**20,  # 21 digits
    True,
    False,
    1.5,
    None,
    b"12345",
    [MINT],
]


@pytest.mark.parametrize("operation", ["like", "unlike"])
@pytest.mark.parametrize("target", NOT_LIKE_TARGETS, ids=repr)
async def test_like_target_that_is_neither_mint_nor_reply_id_rejected(
    client: AsyncPumpFunClient, mocked: aioresponses, operation: str, target: Any
) -> None:
    mocked.post(ANY_URL, status=201, repeat=True)
    mocked.delete(ANY_URL, status=200, repeat=True)
    await _rejected(getattr(client, operation)(target), "target_id", mocked)


def test_like_target_message_does_not_echo_a_long_value() -> None:
    with pytest.raises(ValidationError) as info:
        check_like_target("x" * 10_000)
    assert "x" * 200 not in str(info.value)
    assert "10000-character" in str(info.value)


class _ReplyNumber(enum.IntEnum):
    FAVOURITE = 42


@pytest.mark.parametrize(
    ("target", "wire"),
    [
        (MINT, MINT),
        (OTHER_MINT, OTHER_MINT),
        (OTHER_MINT[:32], OTHER_MINT[:32]),
        ("0", "0"),
        ("12345", "12345"),
        ("9" * 20, "9" * 20),
        (0, "0"),
        (12345, "12345"),
        (10**20 - 1, "9" * 20),
        (_ReplyNumber.FAVOURITE, "42"),
    ],
    ids=repr,
)
async def test_mints_and_reply_ids_are_liked(
    client: AsyncPumpFunClient, mocked: aioresponses, target: Any, wire: str
) -> None:
    _answer_everything(mocked)
    await client.like(target)
    await client.unlike(target)
    assert _urls(mocked) == [("POST", f"{BASE}/likes/{wire}"), ("DELETE", f"{BASE}/likes/{wire}")]


def test_emulator_coins_are_like_targets() -> None:
    mints = [coin["mint"] for coin in default_coins()]
    assert mints
    assert [check_like_target(mint) for mint in mints] == mints


async def test_like_many_records_bad_targets_per_item(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    mocked.post(ANY_URL, status=201, repeat=True)
    targets: list[Any] = ["abc", MINT, LONE, 12345, "x" * 100, None]
    result = await client.like_many(targets, concurrency=2)
    assert [item.target for item in result] == targets
    assert [item.ok for item in result] == [False, True, False, True, False, False]
    for item in result.failed:
        assert isinstance(item.error, ValidationError)
        assert item.error.field == "target_id"
    assert sorted(_urls(mocked)) == [
        ("POST", f"{BASE}/likes/12345"),
        ("POST", f"{BASE}/likes/{MINT}"),
    ]


async def test_like_many_fail_fast_raises_the_bad_target(
    client: AsyncPumpFunClient, mocked: aioresponses
) -> None:
    await _rejected(
        client.like_many(["abc", MINT], concurrency=1, fail_fast=True), "target_id", mocked
    )
