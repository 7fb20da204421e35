"""Decoding JSON into the public models through ``pumpfun_async._convert``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from pumpfun_async import (
    Coin,
    RepliesPage,
    Reply,
    Report,
    ReportAction,
    ReportsPage,
    ReportType,
)
from pumpfun_async._convert import (
    converter,
    structure_coins,
    structure_optional,
    structure_replies_page,
    structure_reports_page,
)

MINT = "CxLHsqvjfisgPAGwcZJsTn6nzZXJLxmVYM7v9pump"
WALLET = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"
TS_MS = 1714557600000  # 2024-05-01T10:00:00Z
TS_S = 1714557600
MAY_1_10H = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)


def reply_json(**overrides: Any) -> dict[str, Any]:
    """A reply as captured from ``GET /replies/{mint}``, with every known field."""
    data: dict[str, Any] = {
        "id": 123456789,
        "mint": MINT,
        "text": "gm, agree with #123 but not #45",
        "user": WALLET,
        "timestamp": TS_MS,
        "file_uri": None,
        "total_likes": 4,
        "hidden": False,
        "username": "degen42",
        "profile_image": "https://ipfs.io/ipfs/QmProfileImageHash",
        "liked_by_user": True,
        "is_buy": False,
        "sol_amount": 0.25,
    }
    data.update(overrides)
    return data


def coin_json(**overrides: Any) -> dict[str, Any]:
    """A coin as captured from the API, with every field the contract lists."""
    data: dict[str, Any] = {
        "mint": MINT,
        "name": "Test Coin",
        "symbol": "TEST",
        "description": "A coin for tests.",
        "image_uri": "https://ipfs.io/ipfs/QmImageHash",
        "metadata_uri": "https://ipfs.io/ipfs/QmMetadataHash",
        "twitter": "https://x.com/testcoin",
        "telegram": "https://t.me/testcoin",
        "website": "https://testcoin.example",
        "creator": WALLET,
        "bonding_curve": "8sLbNZoA1cfnvMJLPfp98ZLAnFSYCFApfJKMbiXNLwxj",
        "associated_bonding_curve": "4jSWQbpGZGqdpsDMeYJwEcXMXrdgxR3DNnV2wz8Aa3Ny",
        "raydium_pool": None,
        "complete": False,
        "virtual_sol_reserves": 30_000_000_000,
        "virtual_token_reserves": 1_073_000_000_000_000,
        "real_sol_reserves": 0,
        "real_token_reserves": 793_100_000_000_000,
        "total_supply": 1_000_000_000_000_000,
        "created_timestamp": TS_MS,
        "last_trade_timestamp": TS_MS + 60_000,
        "king_of_the_hill_timestamp": None,
        "last_reply": TS_MS + 120_000,
        "market_cap": 27.958993476,
        "usd_market_cap": 4193.849,
        "reply_count": 3,
        "nsfw": False,
        "is_banned": False,
        "is_currently_live": True,
        "hidden": None,
        "show_name": True,
        "video_uri": None,
        "banner_uri": "https://ipfs.io/ipfs/QmBannerHash",
        "program": "pump",
        "updated_at": TS_S,
    }
    data.update(overrides)
    return data


def report_json(**overrides: Any) -> dict[str, Any]:
    """A report in the server's camelCase spelling."""
    data: dict[str, Any] = {
        "id": 7,
        "targetId": MINT,
        "type": "scam",
        "reason": "rug pull",
        "done": False,
        "action": None,
        "notes": None,
        "createdAt": "2024-05-01T10:00:00.000Z",
        "updatedAt": TS_MS,
        "isCurrentlyLive": True,
        "reporter": WALLET,
    }
    data.update(overrides)
    return data


def is_aware_utc(value: datetime | None) -> bool:
    return value is not None and value.utcoffset() == timedelta(0)


# ---------------------------------------------------------------------------- Reply


def test_reply_full_object_decodes() -> None:
    data = reply_json()
    reply = converter.structure(data, Reply)
    assert reply == Reply(
        id=123456789,
        mint=MINT,
        text="gm, agree with #123 but not #45",
        user=WALLET,
        timestamp=TS_MS,
        file_uri=None,
        total_likes=4,
        hidden=False,
        username="degen42",
        profile_image="https://ipfs.io/ipfs/QmProfileImageHash",
        liked_by_user=True,
        is_buy=False,
        sol_amount=0.25,
    )
    assert type(reply.id) is int
    assert type(reply.sol_amount) is float
    assert reply.raw == data
    assert reply.raw is data


def test_reply_raw_is_untouched_input() -> None:
    data = reply_json(id="123", hidden="true", extra={"nested": [1, 2]})
    snapshot = copy.deepcopy(data)
    reply = converter.structure(data, Reply)
    assert reply.raw == snapshot
    assert data == snapshot


def test_reply_created_at_is_aware_utc() -> None:
    reply = converter.structure(reply_json(), Reply)
    assert reply.created_at == MAY_1_10H
    assert is_aware_utc(reply.created_at)
    assert reply.created_at is not None
    assert reply.created_at.tzinfo is not None


def test_reply_created_at_none_without_timestamp() -> None:
    reply = converter.structure(reply_json(timestamp=None), Reply)
    assert reply.created_at is None


def test_reply_mentions() -> None:
    reply = converter.structure(reply_json(), Reply)
    assert reply.mentions == [123, 45]
    assert converter.structure(reply_json(text="no mentions here"), Reply).mentions == []


def test_reply_ignores_unknown_fields() -> None:
    data = reply_json(brand_new_field="x", another={"a": 1})
    reply = converter.structure(data, Reply)
    assert reply == converter.structure(reply_json(), Reply)
    assert not hasattr(reply, "brand_new_field")
    assert reply.raw["brand_new_field"] == "x"


def test_reply_missing_optional_fields_take_defaults() -> None:
    data = {"id": 1, "mint": MINT, "text": "hello"}
    reply = converter.structure(data, Reply)
    assert reply == Reply(id=1, mint=MINT, text="hello")
    assert reply.user is None
    assert reply.timestamp is None
    assert reply.file_uri is None
    assert reply.total_likes == 0
    assert reply.hidden is False
    assert reply.username is None
    assert reply.profile_image is None
    assert reply.liked_by_user is None
    assert reply.is_buy is None
    assert reply.sol_amount is None
    assert reply.created_at is None
    assert reply.raw == data


def test_reply_id_as_string() -> None:
    reply = converter.structure(reply_json(id="123"), Reply)
    assert reply.id == 123
    assert type(reply.id) is int


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("false", False), (0, False), (1, True), (True, True), (False, False)],
)
def test_reply_booleans_lenient(value: object, expected: bool) -> None:
    reply = converter.structure(reply_json(hidden=value, liked_by_user=value, is_buy=value), Reply)
    assert reply.hidden is expected
    assert reply.liked_by_user is expected
    assert reply.is_buy is expected


def test_reply_without_id_raises() -> None:
    data = reply_json()
    del data["id"]
    with pytest.raises(Exception):  # noqa: B017, PT011 - any exception; the client wraps it
        converter.structure(data, Reply)


# ---------------------------------------------------------------------------- RepliesPage


def test_replies_page_object_form() -> None:
    data = {"replies": [reply_json(id=1), reply_json(id=2)], "hasMore": True, "offset": 50}
    page = structure_replies_page(data, offset=0, limit=50)
    assert isinstance(page, RepliesPage)
    assert page.has_more is True
    assert page.offset == 50
    assert [r.id for r in page.replies] == [1, 2]
    assert page.raw == data


def test_replies_page_object_form_has_more_false() -> None:
    data = {"replies": [reply_json(id=i) for i in range(3)], "hasMore": False, "offset": 3}
    page = structure_replies_page(data, offset=0, limit=3)
    assert page.has_more is False
    assert page.offset == 3


def test_replies_page_bare_list_full_page() -> None:
    data = [reply_json(id=i) for i in range(10)]
    page = structure_replies_page(data, offset=20, limit=10)
    assert page.has_more is True
    assert page.offset == 20
    assert len(page) == 10
    assert page.raw == data


def test_replies_page_bare_list_short_page() -> None:
    data = [reply_json(id=i) for i in range(4)]
    page = structure_replies_page(data, offset=30, limit=10)
    assert page.has_more is False
    assert page.offset == 30
    assert len(page) == 4


def test_replies_page_empty_list() -> None:
    page = structure_replies_page([], offset=0, limit=10)
    assert page.has_more is False
    assert len(page) == 0
    assert list(page) == []


@pytest.mark.parametrize(("count", "expected"), [(5, True), (4, False)])
def test_replies_page_object_without_has_more_is_inferred(count: int, expected: bool) -> None:
    data = {"replies": [reply_json(id=i) for i in range(count)]}
    page = structure_replies_page(data, offset=10, limit=5)
    assert page.has_more is expected
    assert page.offset == 10


@pytest.mark.parametrize(
    "data",
    [{"foo": 1}, "x", [{"id": 1, "mint": MINT, "text": "ok"}, 5], ["not an object"]],
    ids=["object-without-replies", "string", "list-with-int", "list-with-str"],
)
def test_replies_page_invalid_shapes_raise(data: Any) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - any exception; the client wraps it
        structure_replies_page(data, offset=0, limit=50)


def test_replies_page_from_an_empty_body_is_an_empty_page() -> None:
    page = structure_replies_page(None, offset=100, limit=50)
    assert (len(page), page.has_more, page.offset, page.raw) == (0, False, 100, None)


def test_replies_page_iterates_and_has_len() -> None:
    data = {"replies": [reply_json(id=i) for i in range(3)], "hasMore": False, "offset": 0}
    page = structure_replies_page(data, offset=0, limit=50)
    assert len(page) == 3
    assert [r.id for r in page] == [0, 1, 2]
    assert all(isinstance(r, Reply) for r in page)


def test_replies_page_of_1000() -> None:
    data = [reply_json(id=i, text=f"reply #{i}", total_likes=i % 7) for i in range(1000)]
    page = structure_replies_page(data, offset=0, limit=1000)
    assert len(page) == 1000
    assert page.has_more is True
    for i, reply in enumerate(page):
        assert reply.id == i
        assert reply.text == f"reply #{i}"
        assert reply.mentions == [i]
        assert reply.total_likes == i % 7
        assert reply.raw is data[i]


# ---------------------------------------------------------------------------- Coin


def test_coin_full_object_decodes() -> None:
    data = coin_json()
    coin = converter.structure(data, Coin)
    for name, value in data.items():
        assert getattr(coin, name) == value, name
    assert type(coin.virtual_token_reserves) is int
    assert type(coin.market_cap) is float
    assert type(coin.usd_market_cap) is float
    assert coin.created_at == MAY_1_10H
    assert is_aware_utc(coin.created_at)
    assert coin.raw == data
    assert {f.name for f in attrs.fields(Coin)} - {"raw"} == set(data)


def test_coin_only_mint() -> None:
    coin = converter.structure({"mint": MINT}, Coin)
    assert coin == Coin(mint=MINT)
    assert coin.name is None
    assert coin.created_at is None


@pytest.mark.parametrize(
    "value",
    [1_000_000_000_000_000, "1000000000000000", 1.0e15, "1e15", "1000000000000000.0"],
    ids=["int", "numeric-str", "integral-float", "exp-str", "float-str"],
)
def test_coin_big_reserves_decode_to_int(value: object) -> None:
    coin = converter.structure(
        coin_json(
            virtual_sol_reserves=value,
            virtual_token_reserves=value,
            real_sol_reserves=value,
            real_token_reserves=value,
            total_supply=value,
        ),
        Coin,
    )
    for reserve in (
        coin.virtual_sol_reserves,
        coin.virtual_token_reserves,
        coin.real_sol_reserves,
        coin.real_token_reserves,
        coin.total_supply,
    ):
        assert reserve == 1_000_000_000_000_000
        assert type(reserve) is int


def test_coin_reserves_beyond_float_precision_stay_exact() -> None:
    big = 2**63 + 1
    coin = converter.structure(coin_json(total_supply=str(big), real_token_reserves=big), Coin)
    assert coin.total_supply == big
    assert coin.real_token_reserves == big


def test_coin_non_integral_reserve_raises() -> None:
    with pytest.raises(ValueError, match="not an integer"):
        converter.structure(coin_json(total_supply=1.5), Coin)


def test_coin_unknown_fields_kept_in_raw_only() -> None:
    data = coin_json(new_feature_flag=True, ath_market_cap=123.4)
    coin = converter.structure(data, Coin)
    assert coin.raw["new_feature_flag"] is True
    assert coin.raw["ath_market_cap"] == 123.4
    assert not hasattr(coin, "new_feature_flag")
    assert not hasattr(coin, "ath_market_cap")
    assert coin == converter.structure(coin_json(), Coin)


def test_coin_without_mint_raises() -> None:
    data = coin_json()
    del data["mint"]
    with pytest.raises(Exception):  # noqa: B017, PT011 - any exception; the client wraps it
        converter.structure(data, Coin)
    with pytest.raises(Exception):  # noqa: B017, PT011
        structure_coins([data])


@pytest.mark.parametrize(
    "wrap",
    [
        lambda coins: coins,
        lambda coins: {"coins": coins},
        lambda coins: {"items": coins},
        lambda coins: {"data": coins},
    ],
    ids=["bare-list", "coins", "items", "data"],
)
def test_structure_coins_shapes(wrap: Callable[[list[dict[str, Any]]], Any]) -> None:
    coins = structure_coins(wrap([coin_json(), coin_json(mint=WALLET)]))
    assert [c.mint for c in coins] == [MINT, WALLET]
    assert all(isinstance(c, Coin) for c in coins)


def test_structure_coins_none_is_empty() -> None:
    assert structure_coins(None) == []


def test_structure_coins_empty_list() -> None:
    assert structure_coins([]) == []


@pytest.mark.parametrize("data", [{"foo": []}, "x", 5], ids=["object", "string", "int"])
def test_structure_coins_invalid_shapes_raise(data: Any) -> None:
    with pytest.raises(TypeError):
        structure_coins(data)


def test_structure_coins_page_of_1000() -> None:
    data = [
        coin_json(
            mint=f"{i:044d}",
            name=f"Coin {i}",
            reply_count=i,
            virtual_token_reserves=str(10**15 + i),
            market_cap=float(i),
        )
        for i in range(1000)
    ]
    coins = structure_coins(data)
    assert len(coins) == 1000
    for i, coin in enumerate(coins):
        assert coin.mint == f"{i:044d}"
        assert coin.name == f"Coin {i}"
        assert coin.reply_count == i
        assert coin.virtual_token_reserves == 10**15 + i
        assert coin.market_cap == float(i)
        assert coin.raw is data[i]


# ---------------------------------------------------------------------------- Report


def test_report_camel_case_decodes() -> None:
    data = report_json()
    report = converter.structure(data, Report)
    assert report.id == "7"
    assert type(report.id) is str
    assert report.target_id == MINT
    assert report.type is ReportType.SCAM
    assert report.reason == "rug pull"
    assert report.done is False
    assert report.action is None
    assert report.notes is None
    assert report.created_at == MAY_1_10H
    assert is_aware_utc(report.created_at)
    assert report.updated_at == MAY_1_10H
    assert is_aware_utc(report.updated_at)
    assert report.is_currently_live is True
    assert report.reporter == WALLET
    assert report.raw == data
    assert report.raw is data


def test_report_snake_case_decodes() -> None:
    data = {
        "id": "abc-1",
        "target_id": "123",
        "type": "spam",
        "reason": "spam",
        "done": True,
        "action": "no_action",
        "notes": "checked",
        "created_at": "2024-05-01T10:00:00+00:00",
        "updated_at": TS_S,
        "is_currently_live": False,
        "reporter": WALLET,
    }
    report = converter.structure(data, Report)
    assert report == Report(
        id="abc-1",
        target_id="123",
        type=ReportType.SPAM,
        reason="spam",
        done=True,
        action=ReportAction.NO_ACTION,
        notes="checked",
        created_at=MAY_1_10H,
        updated_at=MAY_1_10H,
        reporter=WALLET,
        is_currently_live=False,
    )
    assert report.raw is data


@pytest.mark.parametrize("alias", ["reportId", "report_id", "_id"])
def test_report_id_aliases(alias: str) -> None:
    data = report_json()
    del data["id"]
    data[alias] = 99
    report = converter.structure(data, Report)
    assert report.id == "99"


def test_report_id_wins_over_alias() -> None:
    report = converter.structure(report_json(id="a", reportId="b", _id="c"), Report)
    assert report.id == "a"


def test_report_without_any_id_raises() -> None:
    data = report_json()
    del data["id"]
    with pytest.raises(Exception):  # noqa: B017, PT011 - any exception; the client wraps it
        converter.structure(data, Report)


def test_report_unknown_enum_values_stay_str() -> None:
    report = converter.structure(report_json(type="phishing", action="escalated"), Report)
    assert report.type == "phishing"
    assert type(report.type) is str
    assert not isinstance(report.type, ReportType)
    assert report.action == "escalated"
    assert type(report.action) is str
    assert not isinstance(report.action, ReportAction)


def test_report_known_action_is_enum() -> None:
    report = converter.structure(report_json(action="banned", done=True), Report)
    assert report.action is ReportAction.BANNED


def test_report_only_id() -> None:
    report = converter.structure({"id": 1}, Report)
    assert report == Report(id="1")


def test_reports_page_bare_list() -> None:
    data = [report_json(id=1), report_json(id=2)]
    page = structure_reports_page(data)
    assert isinstance(page, ReportsPage)
    assert [r.id for r in page] == ["1", "2"]
    assert len(page) == 2
    assert page.total is None
    assert page.has_more is None
    assert page.raw == data


def test_reports_page_object_with_counts() -> None:
    data = {
        "reports": [report_json(id=i) for i in range(3)],
        "total": 3,
        "hasMore": False,
    }
    page = structure_reports_page(data)
    assert [r.id for r in page] == ["0", "1", "2"]
    assert page.total == 3
    assert page.has_more is False
    assert page.raw == data


def test_reports_page_data_key() -> None:
    page = structure_reports_page({"data": [report_json(id="x")]})
    assert [r.id for r in page.reports] == ["x"]
    assert page.total is None
    assert page.has_more is None


def test_reports_page_none_is_empty() -> None:
    page = structure_reports_page(None)
    assert isinstance(page, ReportsPage)
    assert len(page) == 0
    assert list(page) == []
    assert page.total is None
    assert page.has_more is None


@pytest.mark.parametrize("data", [{"foo": []}, "x"], ids=["object", "string"])
def test_reports_page_invalid_shapes_raise(data: Any) -> None:
    with pytest.raises(TypeError):
        structure_reports_page(data)


# ---------------------------------------------------------------------------- optional


@pytest.mark.parametrize(
    "data",
    [None, {}, "ok", [], {"success": True}],
    ids=["none", "empty-object", "string", "empty-list", "success-object"],
)
def test_structure_optional_not_reply_shaped_is_none(data: Any) -> None:
    assert structure_optional(data, Reply) is None


def test_structure_optional_reply() -> None:
    data = reply_json()
    reply = structure_optional(data, Reply)
    assert isinstance(reply, Reply)
    assert reply == converter.structure(data, Reply)
    assert reply.raw is data


def test_structure_optional_report() -> None:
    report = structure_optional(report_json(), Report)
    assert isinstance(report, Report)
    assert report.id == "7"


# ---------------------------------------------------------------------------- enums


def test_report_type_is_str() -> None:
    # Typed as str so that mypy accepts comparing a str-enum member with a str literal.
    scam: str = ReportType.SCAM
    assert scam == "scam"
    assert isinstance(ReportType.SCAM, str)
    assert str(ReportType.SCAM) == "scam"
    assert f"{ReportType.SCAM}" == "scam"
    assert ReportType("scam") is ReportType.SCAM


def test_report_action_is_str() -> None:
    no_action: str = ReportAction.NO_ACTION
    assert no_action == "no_action"
    assert isinstance(ReportAction.NO_ACTION, str)
    assert ReportAction.NO_ACTION.value == "no_action"
    assert str(ReportAction.NO_ACTION) == "no_action"


def test_report_types_match_contract() -> None:
    assert {m.value for m in ReportType} == {
        "scam",
        "offensive",
        "spam",
        "nsfw",
        "copyright",
        "impersonation",
        "other",
    }
    assert len(ReportType) == 7


def test_report_actions_match_contract() -> None:
    assert {m.value for m in ReportAction} == {"banned", "hidden", "ignored", "no_action"}
    assert len(ReportAction) == 4


@pytest.mark.parametrize("member", [*ReportType, *ReportAction], ids=str)
def test_enum_member_names_are_upper_values(member: ReportType | ReportAction) -> None:
    assert member.name == member.value.upper()
    assert str(member) == member.value


# ---------------------------------------------------------------------------- attrs behaviour


def _instances() -> list[attrs.AttrsInstance]:
    return [
        converter.structure(reply_json(), Reply),
        converter.structure(coin_json(), Coin),
        converter.structure(report_json(), Report),
        structure_replies_page([reply_json()], offset=0, limit=50),
        structure_reports_page([report_json()]),
    ]


@pytest.mark.parametrize("obj", _instances(), ids=lambda o: type(o).__name__)
def test_models_are_frozen(obj: attrs.AttrsInstance) -> None:
    first_field = attrs.fields(type(obj))[0].name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(obj, first_field, None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(obj, "raw", {})  # noqa: B010 - the attribute name is the point of the test


def test_reply_assignment_raises_frozen() -> None:
    reply = converter.structure(reply_json(), Reply)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        reply.text = "edited"  # type: ignore[misc]


@pytest.mark.parametrize("obj", _instances(), ids=lambda o: type(o).__name__)
def test_raw_not_in_repr(obj: object) -> None:
    assert "raw=" not in repr(obj)


def test_raw_payload_not_in_repr() -> None:
    reply = converter.structure(reply_json(secret_marker="do-not-show-me"), Reply)
    assert "do-not-show-me" not in repr(reply)
    coin = converter.structure(coin_json(secret_marker="do-not-show-me"), Coin)
    assert "do-not-show-me" not in repr(coin)


def test_raw_not_in_equality() -> None:
    a = converter.structure(reply_json(), Reply)
    b = converter.structure(reply_json(extra="different raw"), Reply)
    assert a.raw != b.raw
    assert a == b
    assert Reply(id=1, mint=MINT, text="t", raw={"x": 1}) == Reply(id=1, mint=MINT, text="t")
    assert Coin(mint=MINT, raw={"a": 1}) == Coin(mint=MINT, raw={"b": 2})
    assert Report(id="1", raw={"a": 1}) == Report(id="1")
    assert RepliesPage([a], raw=[1]) == RepliesPage([b], raw=[2])
    assert ReportsPage([], raw=[1]) == ReportsPage([], raw=None)


def test_models_hash_ignores_raw() -> None:
    a = converter.structure(reply_json(), Reply)
    b = converter.structure(reply_json(extra="different raw"), Reply)
    assert hash(a) == hash(b)
