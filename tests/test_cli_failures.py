"""The ``pumpfun`` command line at its edges: failures, signals, closed pipes, help, flags."""

from __future__ import annotations

import argparse
import inspect
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses

import pumpfun_async
from pumpfun_async import AsyncPumpFunClient, __version__
from pumpfun_async.cli import build_parser, main
from pumpfun_async.cli._commands import command_line_text
from pumpfun_async.cli._output import plural

from .conftest import BASE, CLIENT_KEY, COIN, MINT, REPLY, REPORT, TOKEN, sent
from .test_cli import CASES, answer, run, subcommands

# ---------------------------------------------------------------------------- unexpected errors

EXTREME_DATES = {
    "0001-01-01T00:00:00+01:00": "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
    "9999-12-31T23:30:00-01:00": "9999-12-31T23:30:00-01:00",  # after 9999 in UTC
    "0001-01-01T00:30:00Z": "0001-01-01 00:30",  # the very start, representable
}


@pytest.mark.parametrize("rich", [True, False], ids=["rich", "plain"])
def test_extreme_dates_in_a_reports_table(
    rich: bool,
    mocked: aioresponses,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not rich:
        monkeypatch.setitem(sys.modules, "rich", None)
    reports = [{**REPORT, "id": f"r{i}", "createdAt": d} for i, d in enumerate(EXTREME_DATES)]
    answer(mocked, "GET", "/reports", payload={"reports": reports})
    status, out, err = run(capsys, "get-reports")
    assert (status, err) == (0, "")
    rows = out.splitlines()[2:-1]
    assert [row.split()[0] for row in rows] == ["r0", "r1", "r2"]
    for row, shown in zip(rows, EXTREME_DATES.values(), strict=True):
        assert row.rstrip().endswith(shown)


@pytest.mark.parametrize(
    "retry_after",
    ["Fri, 31 Dec 99999999999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 +2359", "soon"],
)
def test_a_429_with_an_absurd_retry_after_is_one_error_line(
    retry_after: str, mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(mocked, "POST", f"/likes/{MINT}", status=429, headers={"Retry-After": retry_after})
    status, out, err = run(capsys, "like", MINT)  # no retries: GLOBALS has --max-retries 0
    assert (status, out) == (1, "")
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "exc",
    [
        OverflowError("date value out of range"),
        ValueError(f"bad header: Bearer {TOKEN}"),
        RuntimeError(f"x-client-key {CLIENT_KEY} refused"),
        TypeError(),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_an_unexpected_exception_is_one_error_line(
    exc: Exception,
    mocked: aioresponses,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(self: AsyncPumpFunClient, target_id: str) -> None:
        raise exc

    monkeypatch.setattr(AsyncPumpFunClient, "like", broken)
    status, out, err = run(capsys, "like", MINT)  # run() checks no secret is printed
    assert (status, out) == (1, "")
    name = type(exc).__name__
    assert err.startswith(f"error: unexpected {name}")
    assert err.endswith(" (run again with --debug to see where)\n")
    assert err.count("\n") == 1
    if str(exc):
        assert "***" in err or str(exc) in err


def test_debug_prints_the_traceback_without_secrets(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: AsyncPumpFunClient, target_id: str) -> None:
        raise OverflowError(f"token {TOKEN} overflowed")

    monkeypatch.setattr(AsyncPumpFunClient, "like", broken)
    for argv in (["--debug", "like", MINT], ["like", MINT, "--debug"]):
        status, _, err = run(capsys, *argv)
        assert status == 1
        assert err.startswith("Traceback (most recent call last):")
        assert "in broken" in err
        assert err.splitlines()[-1] == "error: unexpected OverflowError: token *** overflowed"


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUMPFUN_")}
    # Never the real user's config directory, and no secret of the machine.
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"), COLUMNS="120")
    env.update(extra)
    return env


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["demo"]], ids=" ".join)
def test_output_into_a_closed_pipe_is_one_error_line(
    argv: list[str], unbuffered: str, tmp_path: Path
) -> None:
    # `pumpfun … | head -0`: the reader is gone before anything is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pumpfun_async", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
            env=_environment(
                tmp_path, PUMPFUN_CONFIG_DIR=str(tmp_path), PYTHONUNBUFFERED=unbuffered
            ),
        )
    finally:
        os.close(write_end)
    assert result.stderr == "error: output closed before everything was written (broken pipe)\n"
    assert result.returncode == 1


# ---------------------------------------------------------------------------- Ctrl-C

# A real SIGINT, sent by the process to itself when it is about to import a given module:
# a Ctrl-C at a precise moment of start-up.
_INTERRUPTER = """
import os, signal, sys

class _Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == os.environ["INTERRUPT_AT_IMPORT"]:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, _Interrupt())
"""


@pytest.mark.parametrize(
    "module",
    [
        "aiohttp",  # the SDK's heaviest dependency, loading
        "pumpfun_async._client",  # the SDK itself, loading
        "pumpfun_async.cli._output",  # importing the command line
        "platformdirs",  # main() looking for a stored token, before parsing the arguments
    ],
)
def test_ctrl_c_during_start_up(module: str, tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(_INTERRUPTER, encoding="utf-8")
    env = _environment(tmp_path, PYTHONPATH=str(tmp_path), INTERRUPT_AT_IMPORT=module)
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pumpfun_async", "--base-url", "http://127.0.0.1:9"),
            *("--max-retries", "0", "like", MINT),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    assert "Traceback" not in result.stderr
    assert result.stderr == "error: interrupted\n"
    assert result.returncode == 130


def test_ctrl_c_while_the_server_does_not_answer(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(60)
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        command = [sys.executable, "-m", "pumpfun_async", "--base-url", url, "like", MINT]
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(tmp_path, PUMPFUN_CONFIG_DIR=str(tmp_path)),
        ) as process:
            try:
                connection, _ = server.accept()  # the request is on its way: never answered
                with connection:
                    process.send_signal(signal.SIGINT)
                    out, err = process.communicate(timeout=60)
            finally:
                if process.poll() is None:
                    process.kill()
    assert (out, err) == ("", "error: interrupted\n")
    assert process.returncode == 130


# ---------------------------------------------------------------------------- global options


def global_options() -> list[argparse.Action]:
    """The top-level options that are not --help or --version."""
    return [
        action
        for action in build_parser()._actions
        if action.option_strings
        and not isinstance(action, (argparse._HelpAction, argparse._VersionAction))
    ]


def subcommand_argvs() -> dict[str, list[str]]:
    """A valid invocation of every subcommand."""
    extra = {"watch-replies": ["watch-replies", MINT]}
    return {
        name: CASES[name].argv if name in CASES else extra.get(name, [name])
        for name in subcommands(build_parser())
    }


def test_the_global_options_are_the_expected_ones() -> None:
    options = {action.option_strings[-1] for action in global_options()}
    assert options == {
        "--base-url",
        "--token",
        "--client-key",
        "--timeout",
        "--max-retries",
        "--no-rate-limit",
        "--json",
        "--debug",
    }


@pytest.mark.parametrize("option", global_options(), ids=lambda a: a.option_strings[-1])
def test_every_global_option_works_after_every_subcommand(option: argparse.Action) -> None:
    parser = build_parser()
    flag = [option.option_strings[-1]] + ([] if option.nargs == 0 else ["7"])
    for name, argv in subcommand_argvs().items():
        before = parser.parse_args([*flag, *argv])
        after = parser.parse_args([*argv, *flag])
        assert before == after, name
        assert getattr(after, option.dest) != option.default, name
        assert getattr(parser.parse_args(argv), option.dest) == option.default, name


@pytest.mark.parametrize(
    ("argv", "dest", "value"),
    [
        (["--token", "first", "like", MINT, "--token", "second"], "token", "second"),
        (["--timeout", "1", "like", MINT, "--timeout", "2"], "timeout", 2.0),
        (["--base-url", "http://a.test", "like", MINT, "--base-url", BASE], "base_url", BASE),
        (["--max-retries", "1", "like", MINT], "max_retries", 1),
        (["--json", "like", MINT, "--no-rate-limit"], "as_json", True),
        (["--json", "like", MINT, "--no-rate-limit"], "no_rate_limit", True),
    ],
)
def test_given_in_both_places_the_later_wins(argv: list[str], dest: str, value: object) -> None:
    assert getattr(build_parser().parse_args(argv), dest) == value


def test_global_options_after_the_subcommand_end_to_end(
    mocked: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(mocked, "POST", f"/likes/{MINT}", status=201)
    tail = ["--base-url", BASE, "--token", TOKEN, "--max-retries", "0", "--no-rate-limit"]
    assert main(["like", MINT, "--json", *tail]) == 0
    assert capsys.readouterr().out == '{\n  "ok": true\n}\n'
    [(_, url, kwargs)] = sent(mocked)
    assert url.host == "api.test"
    assert kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"
    answer(mocked, "POST", "/reports/reportComment", status=201, body="")
    assert main(["report-comment", "9001", "spam", "--client-key", CLIENT_KEY, *tail]) == 0
    assert sent(mocked)[-1][2]["headers"]["x-client-key"] == CLIENT_KEY


@pytest.mark.parametrize("argv", [["--version"], ["like", "--version"], ["demo", "--version"]])
def test_version_before_or_after_the_subcommand(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    assert capsys.readouterr().out == f"pumpfun {__version__}\n"


# ---------------------------------------------------------------------------- help


def _python_isms() -> list[re.Pattern[str]]:
    """What help written for the command line never contains."""
    snake = set()
    for _, member in inspect.getmembers(AsyncPumpFunClient, inspect.isfunction):
        snake |= {name for name in inspect.signature(member).parameters if "_" in name}
    camel = {n for n in pumpfun_async.__all__ if re.fullmatch(r"(?:[A-Z][a-z0-9]+){2,}", n)}
    words = {"None", "True", "False", "self", "kwargs", "callback", "naive", "callable"}
    return [
        re.compile(r"\b[a-z][a-z0-9_]*=(?=[\s),.;]|$)"),  # keyword arguments: client_key=
        re.compile(r"``|:class:|:meth:|:func:|:attr:|:data:"),  # docstring markup
        re.compile(r"(?<!\$)\bPUMPFUN_[A-Z_]+"),  # environment variables are written $NAME
        re.compile(rf"\b(?:{'|'.join(sorted(words | camel | snake))})\b"),
    ]


def test_help_speaks_of_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    isms = _python_isms()
    for argv in (["--help"], *([name, "--help"] for name in subcommands(build_parser()))):
        assert main(argv) == 0
        text = capsys.readouterr().out
        found = [m.group() for pattern in isms for m in pattern.finditer(text)]
        assert found == [], f"pumpfun {' '.join(argv)}"


def test_help_examples(capsys: pytest.CaptureFixture[str]) -> None:
    def help_of(name: str) -> str:
        assert main([name, "--help"]) == 0
        return " ".join(capsys.readouterr().out.split())

    assert "Needs --client-key (or $PUMPFUN_CLIENT_KEY)." in help_of("report-comment")
    assert "liked changes nothing. positional" in help_of("like")  # state_cache sentence gone
    assert "A captcha token for this call. Without one" in help_of("follow")
    text = help_of("get-reports")
    assert "--done for resolved reports, --no-done for pending ones." in text
    assert 'A report type, or "all".' in text
    assert "global options:" in text
    assert "left out of the request when not given." in help_of("update-report")


def test_command_line_text() -> None:
    names = {"done": "--done", "report_id": "report-id"}
    doc = (
        "Set ``done`` on ``report_id``; uses the client's ``state_cache``. Sent with the "
        "client's ``client_key`` (or ``PUMPFUN_CLIENT_KEY``) and ``timeout``; see "
        ":meth:`get_reports` and :class:`~pumpfun_async.ReportAction`. With a ``wallet``, "
        "signs in first. ``True`` means yes, ``None`` means nothing."
    )
    assert command_line_text(doc, names) == (
        "Set --done on report-id. Sent with --client-key (or $PUMPFUN_CLIENT_KEY) and "
        "--timeout; see 'pumpfun get-reports' and report action. true means yes, nothing "
        "means nothing."
    )


# ---------------------------------------------------------------------------- plurals


def test_plural() -> None:
    assert [plural(n, "coin") for n in (0, 1, 2)] == ["0 coins", "1 coin", "2 coins"]
    assert plural(1, "reply", "replies") == "1 reply"
    assert plural(3, "reply", "replies") == "3 replies"


@pytest.mark.parametrize(
    ("argv", "path", "payload", "summary"),
    [
        (["get-replies", MINT], f"/replies/{MINT}", [REPLY], "1 reply from offset 0"),
        (["get-replies", MINT], f"/replies/{MINT}", [REPLY] * 2, "2 replies from offset 0"),
        (["get-bookmark-items", "b"], "/coins/bookmarks/b", [COIN], "1 coin"),
        (["get-bookmark-items", "b"], "/coins/bookmarks/b", [], "0 coins"),
        (["get-reports"], "/reports", {"reports": [REPORT]}, "1 report"),
        (["get-reports"], "/reports", {"reports": [REPORT], "total": 1}, "1 of 1 report"),
        (["get-reports"], "/reports", {"reports": [REPORT], "total": 4}, "1 of 4 reports"),
    ],
)
def test_counts_agree_with_their_noun(
    argv: list[str],
    path: str,
    payload: Any,
    summary: str,
    mocked: aioresponses,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer(mocked, "GET", path, payload=payload)
    status, out, _ = run(capsys, *argv)
    assert status == 0
    assert out.splitlines()[-1] == summary
