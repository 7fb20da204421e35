"""Models as data and as tables: ``to_dict()``, HTML for Jupyter, text tables, ``table()``."""

from __future__ import annotations

import enum
import json
import subprocess
import sys
import unicodedata
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any

import attrs
import pytest

import pumpfun_async
from pumpfun_async import (
    BulkItem,
    BulkResult,
    Coin,
    NotFoundError,
    RepliesPage,
    Reply,
    Report,
    ReportAction,
    ReportsPage,
    ReportType,
    Table,
    ValidationError,
    table,
)
from pumpfun_async._display import ModelMixin, PageMixin
from pumpfun_async.testing import DOCS_MINT

TS_MS = 1714557600000  # 2024-05-01T10:00:00Z
MAY_1_10H = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
HOSTILE = """<script>alert("x")</script> & 'quoted' <img src=x onerror=alert(1)>"""


def reply(reply_id: int = 1, text: str = "gm", **fields: Any) -> Reply:
    return Reply(id=reply_id, mint=DOCS_MINT, text=text, **fields)


def full_reply() -> Reply:
    return Reply(
        id=7,
        mint=DOCS_MINT,
        text="gm #3",
        user="7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
        timestamp=TS_MS,
        file_uri=None,
        total_likes=4,
        hidden=False,
        username="degen42",
        profile_image=None,
        liked_by_user=True,
        is_buy=False,
        sol_amount=0.25,
        raw={"id": 7, "mint": DOCS_MINT, "text": "gm #3", "new_field": [1, 2]},
    )


def report() -> Report:
    return Report(
        id="r1",
        target_id=DOCS_MINT,
        type=ReportType.SCAM,
        reason="rug",
        done=True,
        action="escalated",  # a value the enum does not know stays a plain str
        created_at=MAY_1_10H,
        raw={"id": "r1", "action": "escalated"},
    )


# ---------------------------------------------------------------------------- to_dict


def test_to_dict_of_a_reply_is_its_fields_without_raw() -> None:
    model = full_reply()
    data = model.to_dict()
    assert data == {
        "id": 7,
        "mint": DOCS_MINT,
        "text": "gm #3",
        "user": "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
        "timestamp": TS_MS,
        "file_uri": None,
        "total_likes": 4,
        "hidden": False,
        "username": "degen42",
        "profile_image": None,
        "liked_by_user": True,
        "is_buy": False,
        "sol_amount": 0.25,
    }
    assert list(data) == [f.name for f in attrs.fields(Reply) if f.name != "raw"]
    assert json.loads(json.dumps(data)) == data


def test_to_dict_with_raw_adds_the_payload_last() -> None:
    model = full_reply()
    data = model.to_dict(raw=True)
    assert list(data)[-1] == "raw"
    assert data["raw"] == {"id": 7, "mint": DOCS_MINT, "text": "gm #3", "new_field": [1, 2]}
    assert data["raw"] is not model.raw  # a copy: editing it leaves the model alone
    assert {k: v for k, v in data.items() if k != "raw"} == model.to_dict()


def test_to_dict_turns_enums_into_values_and_datetimes_into_iso_strings() -> None:
    data = report().to_dict()
    assert data["type"] == "scam"
    assert type(data["type"]) is str  # the value, not the str-subclassing enum member
    assert data["action"] == "escalated"
    assert data["created_at"] == "2024-05-01T10:00:00+00:00"
    assert data["updated_at"] is None
    assert datetime.fromisoformat(data["created_at"]) == MAY_1_10H
    assert json.loads(json.dumps(data)) == data
    known = Report(id="r2", action=ReportAction.NO_ACTION).to_dict()
    assert type(known["action"]) is str
    assert known["action"] == "no_action"


def test_to_dict_of_pages_nests_their_items() -> None:
    page = RepliesPage([full_reply(), reply(8)], has_more=True, offset=50, raw={"x": 1})
    data = page.to_dict()
    assert data == {
        "replies": [full_reply().to_dict(), reply(8).to_dict()],
        "has_more": True,
        "offset": 50,
    }
    with_raw = page.to_dict(raw=True)
    assert with_raw["raw"] == {"x": 1}
    assert with_raw["replies"][0]["raw"]["new_field"] == [1, 2]
    reports = ReportsPage([report()], total=1, has_more=False).to_dict()
    assert reports == {"reports": [report().to_dict()], "total": 1, "has_more": False}
    assert json.loads(json.dumps(reports)) == reports


def test_to_dict_of_a_coin() -> None:
    coin = Coin(mint=DOCS_MINT, name="Docs", complete=False, market_cap=31.5, raw={"a": 1})
    data = coin.to_dict()
    assert data["mint"] == DOCS_MINT
    assert data["name"] == "Docs"
    assert data["complete"] is False
    assert data["market_cap"] == 31.5
    assert "raw" not in data
    assert len(data) == len(attrs.fields(Coin)) - 1


def test_to_dict_of_bulk_items_and_results() -> None:
    error = NotFoundError("no such coin", status=404)
    result = BulkResult.from_items(
        [BulkItem("a", True), BulkItem("b", True, full_reply()), BulkItem("c", False, error=error)]
    )
    data = result.to_dict()
    assert data == {
        "ok": False,
        "items": [
            {"target": "a", "ok": True, "value": None, "error": None},
            {"target": "b", "ok": True, "value": full_reply().to_dict(), "error": None},
            {"target": "c", "ok": False, "value": None, "error": f"NotFoundError: {error}"},
        ],
    }
    assert json.loads(json.dumps(data)) == data
    assert result.to_dict(raw=True)["items"][1]["value"]["raw"]["new_field"] == [1, 2]
    assert result[2].to_dict() == data["items"][2]
    assert BulkResult([], []).to_dict() == {"ok": True, "items": []}


class Tier(str, enum.Enum):
    GOLD = "gold"


@attrs.frozen
class User(ModelMixin):
    """A model added later: it gets to_dict and tables from the mixin alone."""

    address: str
    tier: Tier | str | None = None
    followers: int = 0
    session: str = attrs.field(default="", repr=False)  # secret-like: kept out
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)

    @property
    def joined_at(self) -> datetime | None:
        return MAY_1_10H

    @property
    def handle(self) -> str:
        return f"@{self.address}"


@attrs.frozen
class Followers(PageMixin):
    users: list[User] = attrs.field(factory=list)
    has_more: bool = False

    def __iter__(self) -> Any:
        return iter(self.users)


def test_a_new_model_gets_to_dict_and_tables_from_its_fields() -> None:
    user = User("abc", Tier.GOLD, 3, session="s3cr3t", raw={"session": "s3cr3t"})
    assert user.to_dict() == {"address": "abc", "tier": "gold", "followers": 3}
    assert user.to_dict(raw=True)["raw"] == {"session": "s3cr3t"}
    page = Followers([user])
    shown = table(page)
    # datetime properties become columns; other properties and repr=False fields do not
    assert shown.columns == ("address", "tier", "followers", "joined_at")
    assert shown.rows == [("abc", Tier.GOLD, 3, MAY_1_10H)]
    assert "s3cr3t" not in page._repr_html_()
    assert "s3cr3t" not in str(page)
    assert str(page).splitlines()[0] == "Followers: 1 row · has_more=False"


@attrs.frozen
class Odd(ModelMixin):
    """Values no model holds today, and a hint that cannot be resolved."""

    blob: bytes = b"caf\xc3\xa9 \xff"
    tags: frozenset[str] = frozenset({"a"})
    pair: tuple[int, Tier] = (1, Tier.GOLD)
    nested: Any = None
    thing: Any = None
    later: NotDefinedAnywhere | None = None  # type: ignore[name-defined]  # noqa: F821


def test_to_dict_makes_every_value_json_ready() -> None:
    result = BulkResult.from_items([BulkItem("a", True, {"k": (1, 2)})])
    data = Odd(nested=result, thing=complex(1, 2)).to_dict()
    assert data == {
        "blob": "café \ufffd",
        "tags": ["a"],
        "pair": [1, "gold"],
        "nested": {
            "ok": True,
            "items": [{"target": "a", "ok": True, "value": {"k": [1, 2]}, "error": None}],
        },
        "thing": "(1+2j)",
        "later": None,
    }
    assert json.loads(json.dumps(data)) == data
    # the hint of `later` cannot be resolved: the table still shows every column
    assert table([Odd(later=3)]).columns == ("blob", "tags", "pair", "later")


# ---------------------------------------------------------------------------- HTML


class _Collect(HTMLParser):
    """Parses HTML as a browser would: the tags it opens and the text of each cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.cells: list[str] = []
        self.headers: list[str] = []
        self.notes: list[str] = []
        self.caption = ""
        self._into: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag in ("td", "th", "p"):
            self._into = {"td": self.cells, "th": self.headers, "p": self.notes}[tag]
            self._into.append("")
        self._in_caption = tag == "caption"

    def handle_endtag(self, tag: str) -> None:
        self._into = None
        self._in_caption = False

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._into[-1] += data
        elif self._in_caption:
            self.caption += data


def parse(markup: str) -> _Collect:
    parser = _Collect()
    parser.feed(markup)
    parser.close()
    return parser


ALLOWED_TAGS = {"div", "table", "caption", "thead", "tbody", "tr", "th", "td", "p", "pre"}


def test_page_html_escapes_user_content() -> None:
    page = RepliesPage([reply(1, HOSTILE, username="<b>bold</b>"), reply(2, "a & b")])
    markup = page._repr_html_()
    parsed = parse(markup)
    assert set(parsed.tags) <= ALLOWED_TAGS
    assert "<script" not in markup
    assert "<img" not in markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in markup
    # a browser shows exactly the text the user wrote
    assert HOSTILE in parsed.cells
    assert "<b>bold</b>" in parsed.cells
    assert "a & b" in parsed.cells
    assert parsed.headers == ["id", "mint", "text", "total_likes", "hidden", "username"]
    assert parsed.caption == "RepliesPage: 2 rows · has_more=False · offset=0"


def test_html_escapes_column_names_captions_and_attributes() -> None:
    rows = [{'<th onclick="x">': HOSTILE * 10, "n": 1}]
    parsed = parse(table(rows)._repr_html_())
    assert set(parsed.tags) <= ALLOWED_TAGS
    assert parsed.headers == ['<th onclick="x">', "n"]
    # the long cell is cut, and its full text is in a title attribute, escaped as well
    assert [name for name, _ in parsed.attributes] == ["class", "title"]
    assert parsed.attributes[1][1] == HOSTILE * 10
    assert parsed.cells[0] == (HOSTILE * 10)[:119] + "…"


def test_html_truncates_very_long_text() -> None:
    long_text = "x" * 100_000
    markup = RepliesPage([reply(1, long_text)])._repr_html_()
    parsed = parse(markup)
    assert parsed.cells[2] == "x" * 119 + "…"
    assert parsed.attributes[-1] == ("title", "x" * 1999 + "…")
    assert len(markup) < 5_000


def test_control_characters_are_shown_as_escapes() -> None:
    text = "red\x1b[31m\nnext\tline \u202eevil\u200b \ud83d end\x00"
    page = RepliesPage([reply(1, text)])
    shown = "red\\x1b[31m next line \\u202eevil\\u200b \ufffd end\\x00"
    assert parse(page._repr_html_()).cells[2] == shown
    line = str(page).splitlines()[3]
    assert line.split()[2] == "red\\x1b[31m"
    assert "\\u202eevil" in line
    assert "\x1b" not in str(page)
    assert "\u202e" not in str(page)
    str(page).encode("utf-8")  # no lone surrogate left to fail the output
    page._repr_html_().encode("utf-8")


def test_a_single_model_shows_as_a_one_row_table() -> None:
    model = reply(1, HOSTILE)
    parsed = parse(model._repr_html_())
    assert parsed.caption == "Reply"
    assert parsed.cells == ["1", DOCS_MINT, HOSTILE, "0", "False"]
    # str() of a single model is still its repr, which the tests and users rely on
    assert str(model) == repr(model)
    assert repr(model).startswith("Reply(id=1, mint=")


def test_bulk_result_html() -> None:
    error = NotFoundError("<no> such & coin", status=404)
    result = BulkResult.from_items([BulkItem(DOCS_MINT, True), BulkItem("x", False, error=error)])
    parsed = parse(result._repr_html_())
    assert parsed.caption == "BulkResult: 1 succeeded, 1 failed"
    assert parsed.headers == ["target", "ok", "error"]
    assert parsed.cells == [DOCS_MINT, "True", "", "x", "False", f"NotFoundError: {error}"]
    assert parsed.notes == ["empty in every row: value"]
    assert repr(result) == "BulkResult(1 succeeded, 1 failed)"


# ---------------------------------------------------------------------------- text


def test_page_as_a_text_table() -> None:
    page = RepliesPage(
        [reply(1, "gm", timestamp=TS_MS, total_likes=12), reply(22, "wagmi")],
        has_more=True,
        offset=0,
    )
    pad = " " * (len(DOCS_MINT) - 4)
    assert str(page) == "\n".join(
        [
            "RepliesPage: 2 rows · has_more=True · offset=0",
            f"id  mint{pad}  text   timestamp      total_likes  hidden  created_at",
            f"--  {'-' * len(DOCS_MINT)}  -----  -------------  -----------  ------  "
            "-------------------------",
            f"1   {DOCS_MINT}  gm     1714557600000  12           False   "
            "2024-05-01 10:00:00+00:00",
            f"22  {DOCS_MINT}  wagmi  {' ' * 13}  0            False",
            "empty in every row: user, file_uri, username, profile_image, liked_by_user, "
            "is_buy, sol_amount",
        ]
    )
    assert repr(page).startswith("RepliesPage(replies=[Reply(id=1,")


def _display_width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def test_text_columns_line_up_with_wide_characters_and_long_text() -> None:
    rows = [
        {"name": "漢字テキスト" * 20, "n": 1},
        {"name": "e\u0301te\u0301", "n": 22},  # combining accents take no column
        {"name": "plain", "n": 333},
    ]
    lines = str(table(rows)).splitlines()
    body = lines[3:]
    assert body[0].startswith("漢字テキスト")
    assert "…" in body[0]
    assert [len(body[0].split()) for _ in body] == [2, 2, 2]
    starts = {_display_width(line[: line.rindex(" ") + 1]) for line in lines[1:]}
    assert len(starts) == 1  # every row's last column starts at the same screen column
    assert max(_display_width(line) for line in lines[1:]) <= 44 + 2 + 3


def test_ipython_shows_the_text_table() -> None:
    pretty = pytest.importorskip("IPython.lib.pretty").pretty  # ipykernel brings IPython
    page = ReportsPage([report()], total=1)
    assert pretty(page) == str(page)
    assert str(page).splitlines()[0] == "ReportsPage: 1 row · total=1 · has_more=None"
    assert "escalated" in pretty(page)
    shown = table([reply(1)])
    assert pretty(shown) == str(shown)
    result = BulkResult.from_items([BulkItem("a", True)])
    assert pretty(result) == str(result)


def test_empty_page_shows_its_columns() -> None:
    assert str(RepliesPage()).splitlines() == [
        "RepliesPage: 0 rows · has_more=False · offset=0",
        "id  mint  text  user  timestamp  file_uri  total_likes  hidden  username  profile_image"
        "  liked_by_user  is_buy  sol_amount  created_at",
        "--  ----  ----  ----  ---------  --------  -----------  ------  --------  -------------"
        "  -------------  ------  ----------  ----------",
    ]
    assert str(table([])) == "0 rows"
    assert parse(ReportsPage()._repr_html_()).headers[:2] == ["id", "target_id"]


def test_rows_beyond_max_rows_are_counted() -> None:
    page = RepliesPage([reply(i) for i in range(60)])
    lines = str(page).splitlines()
    assert len(lines) == 1 + 2 + 50 + 2
    assert lines[-2] == "… 10 more rows not shown"
    assert len(parse(page._repr_html_()).cells) == 50 * 5
    everything = table(page, max_rows=None)
    assert len(everything.rows) == everything.total_rows == 60
    assert len(table(page, max_rows=3).rows) == 3
    assert "… 60 more rows not shown" in str(table(page, max_rows=0))


@pytest.mark.parametrize("bad", ["a string", b"bytes", {"a": 1}, 5, None])
def test_table_refuses_what_is_not_rows(bad: Any) -> None:
    with pytest.raises(ValidationError, match="items: expected a model, a page"):
        table(bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_table_refuses_a_bad_max_rows(bad: Any) -> None:
    with pytest.raises(ValidationError, match="max_rows"):
        table([reply()], max_rows=bad)


def test_table_of_a_generator_and_of_mixed_rows() -> None:
    shown = table(x for x in [reply(1), Coin(mint="m", name="n"), {"extra": 1}, 5])
    assert isinstance(shown, Table)
    assert shown.columns == (
        "id",
        "mint",
        "text",
        "total_likes",
        "hidden",
        "name",
        "extra",
        "value",
    )
    assert shown.rows[1] == (None, "m", None, None, None, "n", None, None)
    assert shown.rows[3][-1] == 5


def test_tables_of_half_built_objects_fall_back_to_repr() -> None:
    bare = RepliesPage.__new__(RepliesPage)
    assert str(bare) == repr(bare)
    assert parse(bare._repr_html_()).tags == ["pre"]
    bare_result = BulkResult.__new__(BulkResult)
    assert str(bare_result) == "BulkResult(<not initialised>)"
    bare_table = Table.__new__(Table)
    assert str(bare_table) == "Table(<not initialised>)"
    assert "&lt;not initialised&gt;" in bare_table._repr_html_()


def test_showing_tables_imports_neither_pandas_nor_ipython() -> None:
    code = (
        "import json, sys\n"
        "import pumpfun_async as p\n"
        "page = p.RepliesPage([p.Reply(id=1, mint='m', text='t')])\n"
        "page._repr_html_(); str(page); page.to_dict(); p.table([page.replies[0]])\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    roots = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert "pumpfun_async" in roots
    assert not roots & {"pandas", "numpy", "IPython"}
    assert "table" in pumpfun_async.__all__


def test_every_public_model_has_to_dict_and_a_table() -> None:
    from pumpfun_async import models
    from pumpfun_async._display import ModelMixin

    classes = [getattr(models, name) for name in models.__all__]
    attrs_classes = [cls for cls in classes if attrs.has(cls)]
    assert {cls.__name__ for cls in attrs_classes} >= {"Reply", "Coin", "User", "Follower"}
    for cls in attrs_classes:
        assert issubclass(cls, ModelMixin), cls.__name__
    user = models.User(address="user123", username="<b>fan</b>", followers=2)
    assert user.to_dict()["username"] == "<b>fan</b>"
    assert "&lt;b&gt;fan&lt;/b&gt;" in user._repr_html_()
    row = models.Follower(address="user123", timestamp=1_714_557_600_000)
    assert row.to_dict()["timestamp"] == 1_714_557_600_000
    assert "followed_at" in row._repr_html_()
