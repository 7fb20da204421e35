"""``to_dataframe``: models, pages, lists and bulk results as typed pandas columns."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from typing import Any

import pytest

from pumpfun_async import (
    BulkItem,
    BulkResult,
    Coin,
    NotFoundError,
    RepliesPage,
    Reply,
    ReportsPage,
    ReportType,
    ValidationError,
    to_dataframe,
)
from pumpfun_async._convert import structure_replies_page, structure_reports_page
from pumpfun_async._extras import missing_extra
from pumpfun_async.testing import DOCS_MINT

pd = pytest.importorskip("pandas")

TS_MS = 1714557600000  # 2024-05-01T10:00:00Z
MAY_1_10H = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)


def replies_page() -> RepliesPage:
    """A page as the decoder builds it from the server's JSON."""
    return structure_replies_page(
        {
            "replies": [
                {
                    "id": 1,
                    "mint": DOCS_MINT,
                    "text": "<b>gm</b>",
                    "user": "u1",
                    "timestamp": TS_MS,
                    "total_likes": 3,
                    "hidden": False,
                    "liked_by_user": True,
                    "sol_amount": 0.5,
                },
                {"id": 2, "mint": DOCS_MINT, "text": "wagmi", "total_likes": 0, "hidden": True},
            ],
            "hasMore": True,
            "offset": 0,
        },
        offset=0,
        limit=2,
    )


def is_utc_datetime(dtype: Any) -> bool:
    return isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"


def test_a_replies_page_has_typed_columns() -> None:
    page = replies_page()
    df = to_dataframe(page)
    assert list(df.columns) == [
        "id",
        "mint",
        "text",
        "user",
        "timestamp",
        "file_uri",
        "total_likes",
        "hidden",
        "username",
        "profile_image",
        "liked_by_user",
        "is_buy",
        "sol_amount",
        "created_at",
    ]
    assert len(df) == 2
    assert df["id"].dtype == "int64"
    assert df["total_likes"].dtype == "int64"
    assert df["timestamp"].dtype == pd.Int64Dtype()  # int | None: nullable ints
    assert df["hidden"].dtype == bool
    assert df["liked_by_user"].dtype == pd.BooleanDtype()
    assert df["sol_amount"].dtype == "float64"
    for name in ("mint", "text", "user", "username"):
        assert isinstance(df[name].dtype, pd.StringDtype), name
    assert is_utc_datetime(df["created_at"].dtype)
    assert df["id"].tolist() == [1, 2]
    assert df["text"].tolist() == ["<b>gm</b>", "wagmi"]
    assert df["hidden"].tolist() == [False, True]
    assert df["created_at"][0] == pd.Timestamp(MAY_1_10H)
    assert df["created_at"][0].to_pydatetime() == page.replies[0].created_at
    assert pd.isna(df["created_at"][1])
    assert pd.isna(df["timestamp"][1])
    assert pd.isna(df["liked_by_user"][1])
    assert pd.isna(df["sol_amount"][1])
    assert pd.isna(df["user"][1])
    assert df["liked_by_user"][0]
    assert "raw" not in df.columns


def test_a_reports_page_with_enums_and_datetimes() -> None:
    page = structure_reports_page(
        {
            "reports": [
                {
                    "id": 5,
                    "type": "scam",
                    "action": "escalated",
                    "createdAt": "2024-05-01T10:00:00Z",
                },
                {"id": "r6", "type": "spam", "done": True, "updatedAt": TS_MS},
            ],
            "total": 2,
        }
    )
    df = to_dataframe(page)
    assert df["id"].tolist() == ["5", "r6"]
    assert isinstance(df["type"].dtype, pd.CategoricalDtype)
    assert list(df["type"].cat.categories) == [member.value for member in ReportType]
    assert df["type"].tolist() == ["scam", "spam"]
    # a value the enum does not know is a category of its own
    assert df["action"].tolist()[0] == "escalated"
    assert "escalated" in list(df["action"].cat.categories)
    assert pd.isna(df["action"][1])
    assert is_utc_datetime(df["created_at"].dtype)
    assert is_utc_datetime(df["updated_at"].dtype)
    assert df["created_at"][0] == pd.Timestamp(MAY_1_10H)
    assert df["updated_at"][1] == pd.Timestamp(MAY_1_10H)
    assert df["done"].dtype == pd.BooleanDtype()
    assert df["type"].value_counts()["scam"] == 1
    assert df["type"].value_counts()["nsfw"] == 0


def test_an_empty_page_keeps_its_columns_and_types() -> None:
    df = to_dataframe(RepliesPage())
    assert len(df) == 0
    assert "text" in df.columns
    assert df["id"].dtype == "int64"
    assert is_utc_datetime(df["created_at"].dtype)
    reports = to_dataframe(ReportsPage())
    assert isinstance(reports["type"].dtype, pd.CategoricalDtype)
    assert to_dataframe([]).shape == (0, 0)


def test_a_single_model_and_a_list_of_coins() -> None:
    coin = Coin(
        mint=DOCS_MINT, name="Docs", complete=True, market_cap=30.5, created_timestamp=TS_MS
    )
    one = to_dataframe(coin)
    assert one.shape[0] == 1
    assert one["mint"][0] == DOCS_MINT
    assert one["complete"].dtype == pd.BooleanDtype()
    assert one["market_cap"].dtype == "float64"
    assert one["created_timestamp"].dtype == pd.Int64Dtype()
    assert one["created_at"][0] == pd.Timestamp(MAY_1_10H)
    many = to_dataframe([coin, Coin(mint="other")])
    assert many["mint"].tolist() == [DOCS_MINT, "other"]
    assert pd.isna(many["name"][1])
    from_generator = to_dataframe(c for c in [coin])
    assert from_generator["name"].tolist() == ["Docs"]


def test_a_bulk_result() -> None:
    error = NotFoundError("no such coin", status=404)
    reply = Reply(id=3, mint=DOCS_MINT, text="gm")
    result = BulkResult.from_items(
        [BulkItem("a", True), BulkItem("b", True, reply), BulkItem("c", False, error=error)]
    )
    df = to_dataframe(result)
    assert list(df.columns) == ["target", "ok", "value", "error"]
    assert df["ok"].dtype == bool
    assert df["ok"].tolist() == [True, True, False]
    assert isinstance(df["target"].dtype, pd.StringDtype)
    assert df["value"][1] == reply.to_dict()
    assert df["error"][2] == f"NotFoundError: {error}"
    assert pd.isna(df["error"][0])
    assert df.loc[~df["ok"], "target"].tolist() == ["c"]
    empty = to_dataframe(BulkResult([], []))
    assert list(empty.columns) == ["target", "ok", "value", "error"]


def test_raw_adds_the_payload_column() -> None:
    page = replies_page()
    df = to_dataframe(page, raw=True)
    assert df.columns[-1] == "raw"
    assert df["raw"][0] == dict(page.replies[0].raw)
    assert df["raw"].dtype == object


def test_a_hand_built_model_with_odd_values_keeps_them() -> None:
    odd = Reply(id="x", mint="m", text="t", total_likes=True)  # type: ignore[arg-type]
    df = to_dataframe([odd, Reply(id=2, mint="m", text="t")])
    assert df["id"].tolist() == ["x", 2]  # no int column can hold "x": left as given
    assert df["total_likes"].tolist() == [True, 0]


def test_mixed_rows_take_the_union_of_columns() -> None:
    df = to_dataframe([Reply(id=1, mint="m", text="t"), {"id": 2, "note": "n"}])
    assert df["id"].tolist() == [1, 2]
    assert df["note"].tolist()[1] == "n"


@pytest.mark.parametrize("bad", ["text", 5, {"a": 1}])
def test_refuses_what_is_not_rows(bad: Any) -> None:
    with pytest.raises(ValidationError, match="items: expected a model, a page"):
        to_dataframe(bad)


def test_without_pandas_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in sys.modules if n == "pandas" or n.startswith("pandas.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError) as info:
        to_dataframe(replies_page())
    assert str(info.value) == missing_extra("to_dataframe()", "pandas")
    assert "pip install 'pumpfun-async[pandas]'" in str(info.value)


def test_importing_the_package_does_not_import_pandas() -> None:
    code = (
        "import json, sys\n"
        "import pumpfun_async, pumpfun_async.models, pumpfun_async._dataframe\n"
        "from pumpfun_async import to_dataframe, table\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    roots = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert "pumpfun_async" in roots
    assert "pandas" not in roots
    assert "numpy" not in roots
