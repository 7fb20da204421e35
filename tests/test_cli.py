"""The ``pumpfun`` command line: requests sent, output printed, errors and exit statuses."""

from __future__ import annotations

import argparse
import re
import runpy
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import StringIO
from pathlib import Path
from typing import Any, TextIO

import orjson
import pytest
from aioresponses import aioresponses

import pumpfun_async
from pumpfun_async import AsyncPumpFunClient, Report, ReportType, __version__, cli
from pumpfun_async.cli import Subcommands, UsageError, build_parser, main
from pumpfun_async.cli._output import print_human, print_json
from pumpfun_async.cli._store import store_token
from pumpfun_async.endpoints import ENDPOINTS

from .conftest import BASE, CLIENT_KEY, COIN, MINT, REPLY, REPORT, TOKEN, USER, sent

GLOBALS = [
    "--base-url", BASE, "--token", TOKEN, "--client-key", CLIENT_KEY,
    "--max-retries", "0", "--no-rate-limit",
]  # fmt: skip
REPORTS_QUERY = {
    "limit": "50",
    "offset": "0",
    "type": "all",
    "done": "false",
    "createdAtFrom": "",
    "createdAtTo": "",
    "isCurrentlyLive": "false",
}


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def answer(mocked: aioresponses, method: str, path: str, **response: Any) -> None:
    """Answer one request to ``path``, whatever its query string."""
    pattern = re.compile(re.escape(BASE + path) + r"(\?.*)?$")
    mocked.add(pattern, method=method, **response)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``pumpfun`` with the test globals; check no secret is printed."""
    status = main([*GLOBALS, *argv])
    out, err = capsys.readouterr()
    for secret in (TOKEN, CLIENT_KEY):
        assert secret not in out
        assert secret not in err
    return status, out, err


@dataclass
class Case:
    argv: list[str]
    method: str
    path: str
    response: dict[str, Any]
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    output: tuple[str, ...] = ()


CASES = {
    "like": Case(
        ["like", MINT], "POST", f"/likes/{MINT}", {"status": 201}, output=("liked CxLH…pump\n",)
    ),
    "unlike": Case(["unlike", "9001"], "DELETE", "/likes/9001", {}, output=("unliked 9001",)),
    "follow": Case(
        ["follow", "user123", "--captcha-token", "cap-1"],
        "POST",
        "/following/user123",
        {"status": 201},
        query={"captchaToken": "cap-1"},
        output=("followed user123",),
    ),
    "unfollow": Case(
        ["unfollow", "user123"], "DELETE", "/following/user123", {}, output=("unfollowed user123",)
    ),
    "add-bookmark-items": Case(
        ["add-bookmark-items", MINT, "default", "bm2"],
        "POST",
        "/bookmarks/items/add",
        {"status": 201, "payload": {"success": True}},
        body={"itemId": MINT, "bookmarkIds": ["default", "bm2"]},
        output=("added bookmark items CxLH…pump",),
    ),
    "remove-bookmark-items": Case(
        ["remove-bookmark-items", MINT, "default"],
        "POST",
        "/bookmarks/items/remove",
        {"status": 201},
        body={"itemId": MINT, "bookmarkIds": ["default"]},
        output=("removed bookmark items CxLH…pump",),
    ),
    "get-bookmark-items": Case(
        ["get-bookmark-items", "default", "--limit", "10", "--offset", "5", "--include-nsfw"],
        "GET",
        "/coins/bookmarks/default",
        {"payload": [COIN]},
        query={"limit": "10", "offset": "5", "includeNsfw": "true"},
        output=(MINT, "Example", "EX", "$5,000.25", "\n1 coin\n"),
    ),
    "create-reply": Case(
        ["create-reply", MINT, "Great project! #42", "--captcha-token", "cap-2"],
        "POST",
        "/replies",
        {"status": 201, "payload": REPLY},
        body={"mint": MINT, "text": "Great project! #42", "captchaToken": "cap-2"},
        output=("9001", "degen", "Great project! #42"),
    ),
    "get-replies": Case(
        ["get-replies", MINT, "--limit", "1", "--offset", "100"],
        "GET",
        f"/replies/{MINT}",
        {"payload": {"replies": [REPLY], "hasMore": True, "offset": 100}},
        query={"limit": "1", "offset": "100"},
        output=("9001", "degen", "Great project! #42", "\n1 reply from offset 100; more"),
    ),
    "create-report": Case(
        ["create-report", MINT, "scam", "This token appears to be a scam"],
        "POST",
        "/reports",
        {"status": 201, "payload": REPORT},
        body={"targetId": MINT, "type": "scam", "reason": "This token appears to be a scam"},
        output=(REPORT["id"], "scam", MINT, "2024-05-01 10:00"),
    ),
    "report-comment": Case(
        ["report-comment", "9001", "offensive"],
        "POST",
        "/reports/reportComment",
        {"status": 201, "body": ""},
        body={"commentId": "9001", "reason": "offensive"},
        output=("reported comment 9001",),
    ),
    "get-reports": Case(
        ["get-reports", "--type", "scam", "--done", "--created-from", "2024-05-01"],
        "GET",
        "/reports",
        {"payload": {"reports": [REPORT], "total": 3, "hasMore": True}},
        query={
            **REPORTS_QUERY,
            "type": "scam",
            "done": "true",
            "createdAtFrom": "2024-05-01T00:00:00.000Z",
        },
        output=(REPORT["id"], "scam", MINT, "no", "1 of 3 reports; more"),
    ),
    "update-report": Case(
        ["update-report", "r1", "yes", "banned", "--notes", "rug pull"],
        "POST",
        "/reports/update",
        {"status": 201, "payload": {**REPORT, "id": "r1", "done": True, "action": "banned"}},
        body={"reportId": "r1", "done": True, "action": "banned", "notes": "rug pull"},
        output=("r1", "yes", "banned"),
    ),
    "delete-report": Case(
        ["delete-report", "42"], "DELETE", "/reports/42", {}, output=("deleted report 42",)
    ),
    "user": Case(
        ["user", USER],
        "GET",
        f"/users/{USER}",
        {"payload": {"address": USER, "username": "degen", "followers": 12, "following": 3}},
        output=(USER, "degen", "12", "3"),
    ),
    "followers": Case(
        ["followers", USER],
        "GET",
        f"/following/followers/{USER}",
        {"payload": [{"address": MINT, "username": "fan", "timestamp": 1714557600000}]},
        output=(MINT, "fan", "2024-05-01 10:00", "\n1 user\n"),
    ),
    "following": Case(
        ["following", USER],
        "GET",
        f"/following/{USER}",
        {"payload": []},
        output=("0 users\n",),
    ),
    "coin": Case(
        ["coin", MINT], "GET", f"/coins/{MINT}", {"payload": COIN}, output=(MINT, "$5,000.25")
    ),
    "user-replies": Case(
        ["user-replies", USER, "--limit", "1", "--offset", "2"],
        "GET",
        f"/replies/user-replies/{USER}",
        {"payload": {"replies": [REPLY], "hasMore": False, "offset": 2}},
        query={"limit": "1", "offset": "2"},
        output=("9001", "Great project! #42", "1 reply from offset 2\n"),
    ),
}


def test_cases_cover_every_endpoint() -> None:
    assert set(CASES) == {endpoint.command for endpoint in ENDPOINTS.values()}


@pytest.mark.parametrize("name", CASES)
def test_each_command_sends_its_request(
    name: str, mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[name]
    answer(mocked, case.method, case.path, **case.response)
    status, out, err = run(capsys, *case.argv)
    assert (status, err) == (0, "")
    [(method, url, kwargs)] = sent(mocked)
    assert (method, url.path) == (case.method, case.path)
    assert dict(url.query) == case.query
    assert kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert ("x-client-key" in kwargs["headers"]) == (name == "report-comment")
    assert (None if kwargs["data"] is None else orjson.loads(kwargs["data"])) == case.body
    for text in case.output:
        assert text in out


def test_get_reports_defaults(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    answer(mocked, "GET", "/reports", payload={"reports": []})
    assert run(capsys, "get-reports")[:2] == (0, "0 reports\n")
    [(_, url, _)] = sent(mocked)
    assert dict(url.query) == REPORTS_QUERY


def test_get_replies_table(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    long_text = "wagmi " * 30
    replies = [REPLY, {**REPLY, "id": 9002, "username": None, "text": long_text}]
    answer(mocked, "GET", f"/replies/{MINT}", payload=replies)
    status, out, _ = run(capsys, "get-replies", MINT, "--limit", "2")
    assert status == 0
    header, _rule, first, second, summary = out.splitlines()
    assert header.split() == ["id", "user", "likes", "text"]
    assert first.split() == ["9001", "degen", "3", "Great", "project!", "#42"]
    assert second.startswith("9002")
    assert "7GCi…W2hr" in second
    assert second.rstrip().endswith("wagmi…")  # long text is cut
    assert summary == "2 replies from offset 0; more after this page"


def test_get_reports_table(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    reports = [REPORT, {"id": 7, "type": "phishing", "done": True, "action": "hidden"}]
    answer(mocked, "GET", "/reports", payload={"reports": reports, "total": 2})
    status, out, _ = run(capsys, "get-reports")
    assert status == 0
    header, _rule, first, second, summary = out.splitlines()
    assert header.split() == ["id", "type", "target", "done", "action", "created", "(UTC)"]
    assert first.split() == [REPORT["id"], "scam", MINT, "no", "-", "2024-05-01", "10:00"]
    assert second.split() == ["7", "phishing", "-", "yes", "hidden", "-"]
    assert summary == "2 of 2 reports"


def test_server_text_cannot_reach_the_terminal_raw(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = {**REPLY, "text": "[bold]hi[/bold]\x1b[2J\u202egm\nbye", "username": "x\x07y"}
    answer(mocked, "GET", f"/replies/{MINT}", payload=[evil])
    _, out, _ = run(capsys, "get-replies", MINT)
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\u202e" not in out
    assert "[bold]hi[/bold] [2J gm bye" in out  # markup is shown, not interpreted


# ---------------------------------------------------------------------------- --json


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    status, out, err = run(capsys, "--json", *argv)
    assert (status, err) == (0, "")
    return orjson.loads(out)


def test_json_get_replies(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    answer(mocked, "GET", f"/replies/{MINT}", payload={"replies": [REPLY], "hasMore": True})
    data = run_json(capsys, "get-replies", MINT)
    assert data == {"replies": [REPLY], "has_more": True, "offset": 0}


def test_json_get_bookmark_items(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    coin2 = {**COIN, "mint": USER, "brandNewField": [1, 2]}
    answer(mocked, "GET", "/coins/bookmarks/default", payload=[COIN, coin2])
    assert run_json(capsys, "get-bookmark-items", "default") == [COIN, coin2]


def test_json_get_reports(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    answer(mocked, "GET", "/reports", payload={"reports": [REPORT], "total": 1})
    data = run_json(capsys, "get-reports")
    assert data == {"reports": [REPORT], "total": 1, "has_more": None}


def test_json_create_reply(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    answer(mocked, "POST", "/replies", status=201, payload=REPLY)
    assert run_json(capsys, "create-reply", MINT, "Great project! #42") == REPLY


@pytest.mark.parametrize(
    ("argv", "path"),
    [(["like", MINT], f"/likes/{MINT}"), (["create-reply", MINT, "gm"], "/replies")],
)
def test_json_without_a_result(
    argv: list[str], path: str, mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(mocked, "POST", path, status=201, body="")
    assert run_json(capsys, *argv) == {"ok": True}


def test_json_of_a_model_without_a_payload() -> None:
    out = StringIO()
    created = datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    print_json(Report("r1", type=ReportType.SCAM, created_at=created), out)
    data = orjson.loads(out.getvalue())
    assert data["id"] == "r1"
    assert data["type"] == "scam"
    assert data["created_at"] == "2024-05-01T10:00:00+00:00"
    assert "raw" not in data


def test_an_unknown_result_type_is_printed_as_json() -> None:
    out = StringIO()
    print_human({"new": ["shape"]}, out, "unused")
    assert orjson.loads(out.getvalue()) == {"new": ["shape"]}


def test_json_works_without_rich(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)
    answer(mocked, "GET", f"/replies/{MINT}", payload=[REPLY])
    assert run_json(capsys, "get-replies", MINT)["replies"] == [REPLY]


def test_tables_without_rich(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)  # as if rich were not installed
    evil = {**REPLY, "id": 9002, "username": None, "total_likes": 12, "text": "gm\x1b[2J"}
    answer(mocked, "GET", f"/replies/{MINT}", payload={"replies": [REPLY, evil], "hasMore": True})
    status, out, err = run(capsys, "get-replies", MINT)
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "id    user       likes  text",
        "----  ---------  -----  ------------------",
        "9001  degen          3  Great project! #42",
        "9002  7GCi…W2hr     12  gm [2J",
        "2 replies from offset 0; more after this page",
    ]


def test_coins_and_reports_without_rich(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)
    answer(mocked, "GET", "/coins/bookmarks/default", payload=[COIN, {**COIN, "usd_market_cap": 7}])
    status, out, _ = run(capsys, "get-bookmark-items", "default")
    assert status == 0
    assert out.splitlines() == [
        f"{'mint':{len(MINT)}}  name     symbol  usd market cap",
        f"{'-' * len(MINT)}  -------  ------  --------------",
        f"{MINT}  Example  EX           $5,000.25",
        f"{MINT}  Example  EX               $7.00",
        "2 coins",
    ]
    reports = [REPORT, {"id": 7, "type": "phishing", "done": True, "action": "hidden"}]
    answer(mocked, "GET", "/reports", payload={"reports": reports, "total": 2})
    status, out, _ = run(capsys, "get-reports")
    assert status == 0
    header, rule, first, second, summary = out.splitlines()
    assert header.split() == ["id", "type", "target", "done", "action", "created", "(UTC)"]
    assert set(rule) == {"-", " "}
    assert first.split() == [REPORT["id"], "scam", MINT, "no", "-", "2024-05-01", "10:00"]
    assert second.split() == ["7", "phishing", "-", "yes", "hidden", "-"]
    assert summary == "2 of 2 reports"
    answer(mocked, "POST", "/replies", status=201, payload=REPLY)
    status, out, _ = run(capsys, "create-reply", MINT, "Great project! #42")
    assert status == 0
    assert out.splitlines()[2].split() == ["9001", "degen", "3", "Great", "project!", "#42"]


# ---------------------------------------------------------------------------- errors


def test_authentication_error(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    answer(mocked, "POST", f"/likes/{MINT}", status=401, payload={"message": "bad token"})
    status, out, err = run(capsys, "like", MINT)
    assert (status, out) == (1, "")
    assert err == f"error: HTTP 401: bad token (POST /likes/{MINT})\n"
    assert "Traceback" not in err


def test_a_secret_echoed_by_the_server_is_hidden(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    message = f"token {TOKEN}\nis not valid"
    answer(mocked, "POST", f"/likes/{MINT}", status=401, payload={"message": message})
    status, _, err = run(capsys, "like", MINT)  # run() checks the token is not printed
    assert status == 1
    assert err == f"error: HTTP 401: token *** is not valid (POST /likes/{MINT})\n"


def test_the_stored_token_echoed_by_the_server_is_hidden(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = "stored.login-token.from-pumpfun-login"
    store_token(BASE, stored, USER)
    message = f"token {stored} has been revoked"
    answer(mocked, "POST", f"/likes/{MINT}", status=401, payload={"message": message})
    status = main(["--base-url", BASE, "--max-retries", "0", "--no-rate-limit", "like", MINT])
    out, err = capsys.readouterr()
    assert sent(mocked)[0][2]["headers"]["Authorization"] == f"Bearer {stored}"  # the one used
    assert status == 1
    assert stored not in out + err
    assert err == f"error: HTTP 401: token *** has been revoked (POST /likes/{MINT})\n"


def test_a_bad_base_url_with_stored_tokens_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    store_token(BASE, "stored.login-token.from-pumpfun-login", USER)
    assert main(["--base-url", "ftp://api.test", "like", MINT]) == 2
    assert capsys.readouterr().err.startswith("error: --base-url: 'ftp://api.test' is not")


def test_rate_limit_says_when_to_retry(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(mocked, "POST", f"/likes/{MINT}", status=429, headers={"Retry-After": "7"})
    status, _, err = run(capsys, "like", MINT)
    assert status == 1
    assert err.startswith("error: HTTP 429: ")
    assert err.endswith("; retry after 7 s\n")


def test_network_error(mocked: aioresponses, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "unfollow", "user123")  # nothing mocked: refused
    assert (status, out) == (1, "")
    assert err.startswith("error: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["get-replies", "not-a-mint"], "error: mint: 'not-a-mint' is not a mint address"),
        (["get-replies", MINT, "--limit", "0"], "error: --limit: must be between 1 and 1000"),
        (["get-reports", "--created-to", "yesterday"], "error: --created-to: 'yesterday' is not"),
        (["create-reply", MINT, "   "], "error: text: must not be empty or blank"),
        (["--timeout", "-1", "like", MINT], "error: --timeout: expected a positive number"),
        (
            ["get-reports", "--created-from", "2024-05-02", "--created-to", "2024-05-01"],
            "error: --created-from: is later than --created-to",
        ),
    ],
)
def test_validation_error(
    argv: list[str], message: str, mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert sent(mocked) == []


def test_report_comment_needs_a_client_key(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--base-url", BASE, "report-comment", "9001", "spam"])
    _, err = capsys.readouterr()
    assert status == 2
    assert err == (
        "error: report-comment needs the x-client-key header: "
        "give --client-key KEY or set $PUMPFUN_CLIENT_KEY\n"
    )
    assert sent(mocked) == []


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_client_key_is_no_client_key(
    blank: str,
    mocked: aioresponses,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PUMPFUN_CLIENT_KEY", blank)
    assert main(["--base-url", BASE, "report-comment", "9001", "spam"]) == 2
    assert "give --client-key KEY" in capsys.readouterr().err
    assert main(["--base-url", BASE, "--client-key", blank, "report-comment", "9001", "spam"]) == 2
    assert "give --client-key KEY" in capsys.readouterr().err
    assert sent(mocked) == []


@pytest.mark.parametrize(("word", "done"), [("true", True), ("No", False), ("1", True)])
def test_update_report_done_words(
    word: str, done: bool, mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(mocked, "POST", "/reports/update", status=201, body="")
    assert run(capsys, "update-report", "r1", word, "no_action")[:2] == (0, "updated report r1\n")
    [(_, _, kwargs)] = sent(mocked)
    assert orjson.loads(kwargs["data"])["done"] is done


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["update-report", "r1", "maybe", "banned"], "expected true or false"),
        (["get-replies", MINT, "--limit", "many"], "invalid int value: 'many'"),
        (["add-bookmark-items", MINT], "the following arguments are required: bookmark-ids"),
        (["no-such-command"], "invalid choice: 'no-such-command'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors(
    argv: list[str], message: str, mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert message in err
    assert "Traceback" not in err
    assert sent(mocked) == []


def test_ctrl_c(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def interrupted(self: AsyncPumpFunClient, target_id: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(AsyncPumpFunClient, "like", interrupted)
    assert run(capsys, "like", MINT) == (130, "", "error: interrupted\n")


# ---------------------------------------------------------------------------- configuration


def test_environment_fallback(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUMPFUN_BASE_URL", "http://env.test/")
    monkeypatch.setenv("PUMPFUN_TOKEN", TOKEN)
    mocked.post(f"http://env.test/likes/{MINT}", status=201)
    assert main(["like", MINT]) == 0
    [(_, url, kwargs)] = sent(mocked)
    assert url.host == "env.test"
    assert kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"
    out, err = capsys.readouterr()
    assert TOKEN not in out + err


def test_options_win_over_the_environment(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUMPFUN_BASE_URL", "http://env.test")
    monkeypatch.setenv("PUMPFUN_TOKEN", "env-token")
    answer(mocked, "POST", f"/likes/{MINT}", status=201)
    assert run(capsys, "like", MINT)[0] == 0
    [(_, url, kwargs)] = sent(mocked)
    assert url.host == "api.test"
    assert kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_without_a_token_no_authorization_is_sent(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(mocked, "GET", f"/replies/{MINT}", payload=[])
    assert main(["--base-url", BASE, "get-replies", MINT]) == 0
    [(_, _, kwargs)] = sent(mocked)
    assert "Authorization" not in kwargs["headers"]
    assert capsys.readouterr().out == "0 replies from offset 0\n"


def test_help_never_shows_secrets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUMPFUN_TOKEN", TOKEN)
    monkeypatch.setenv("PUMPFUN_CLIENT_KEY", CLIENT_KEY)
    for argv in (["--help"], *([name, "--help"] for name in CASES)):
        assert main(argv) == 0
        out, _ = capsys.readouterr()
        assert "usage: pumpfun" in out
        assert TOKEN not in out
        assert CLIENT_KEY not in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"pumpfun {__version__}\n"


# ---------------------------------------------------------------------------- the parser


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_one_subcommand_per_endpoint() -> None:
    names = set(subcommands(build_parser()))
    assert names >= {endpoint.command for endpoint in ENDPOINTS.values()}


def test_help_comes_from_the_client(capsys: pytest.CaptureFixture[str]) -> None:
    parsers = subcommands(build_parser())
    for endpoint in ENDPOINTS.values():
        parser = parsers[endpoint.command]
        assert parser.description
        assert endpoint.path.split("{")[0].rstrip("/") in parser.description
    assert main(["get-bookmark-items", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--include-nsfw, --no-include-nsfw" in out
    assert "Whether to include coins marked NSFW." in out
    assert "Page size, 1 to 1,000. (default: 50)" in out


def test_arguments_follow_the_signatures() -> None:
    parser = build_parser()
    args = parser.parse_args(["get-reports", "--limit", "5", "--no-done", "--created-to", "x"])
    assert (args.limit, args.offset, args.type, args.done) == (5, 0, "all", False)
    assert (args.created_from, args.created_to, args.is_currently_live) == (None, "x", False)
    args = parser.parse_args(["add-bookmark-items", MINT, "a", "b"])
    assert (args.item_id, args.bookmark_ids) == (MINT, ["a", "b"])
    args = parser.parse_args(["update-report", "r1", "off", "hidden"])
    assert (args.report_id, args.done, args.action, args.notes) == ("r1", False, "hidden", None)


def test_more_subcommands_can_be_added(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def hello(args: argparse.Namespace, out: TextIO) -> int:
        if args.name == "nobody":
            raise UsageError("say hello to somebody")
        print(f"hello {args.name} via {args.base_url}", file=out)
        return 0

    def add_hello(subcommands: Subcommands) -> None:
        parser = subcommands.add_parser("hello", help="Say hello.")
        parser.add_argument("name")
        parser.set_defaults(handler=hello)

    monkeypatch.setattr(cli, "EXTRA_COMMANDS", (add_hello,))
    assert set(subcommands(build_parser())) > {e.command for e in ENDPOINTS.values()}
    assert main(["--base-url", BASE, "hello", "you"]) == 0
    assert capsys.readouterr().out == f"hello you via {BASE}\n"
    assert main(["hello", "nobody"]) == 2
    assert capsys.readouterr().err == "error: say hello to somebody\n"


def test_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pumpfun_async", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: pumpfun")
    assert "get-replies" in result.stdout


def test_main_module_exits_with_the_status(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["pumpfun", "--version"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(
            str(Path(pumpfun_async.__file__).parent / "__main__.py"), run_name="__main__"
        )
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"pumpfun {__version__}\n"


def test_importing_the_cli_does_not_import_rich() -> None:
    code = "import sys, pumpfun_async.cli; print('rich' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.stdout == "False\n", result.stderr
