"""Every Python block of the README runs, as it is, against the emulator.

Each block is a whole program (its imports, its ``main()``): it runs as ``__main__`` with
``$PUMPFUN_BASE_URL`` pointing at a fresh emulator. The pytest examples run under pytest
itself, in a project configured exactly as the README shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from pumpfun_async import Wallet
from pumpfun_async.testing import DOCS_MINT, Emulator, Fault, user_id_for
from pumpfun_async.testing._faults import THROTTLED_BODY

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS: list[str] = re.findall(r"```python\n(.*?)```", TEXT, re.DOTALL)
TOML: list[str] = re.findall(r"```toml\n(.*?)```", TEXT, re.DOTALL)
PYTEST_EXAMPLES = [b for b in BLOCKS if "def test_" in b]
PROGRAMS = [b for b in BLOCKS if "def test_" not in b]
# Only a guard against a hang: no assertion depends on how long anything takes.
GUARD = 120

OTHER = "MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cwpump"


def _name(block: str) -> str:
    """A block's test id: the first function it defines other than ``main``, else the last
    name it imports from pumpfun_async."""
    defines: list[str] = re.findall(r"^(?:async )?def (\w+)", block, re.M)
    defined = [d for d in defines if d != "main"]
    if defined:
        return defined[0]
    imported: list[str] = re.findall(r"^from pumpfun_async import (.+)$", block, re.M)
    assert imported, block
    return imported[-1].split(",")[-1].strip()


def _the(name: str) -> str:
    (block,) = (b for b in PROGRAMS if _name(b) == name)
    return block


def test_readme_has_examples() -> None:
    assert len(PROGRAMS) >= 10
    assert len(PYTEST_EXAMPLES) >= 2


def run_block(block: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    """Run ``block`` as a script whose environment points at ``emu``."""
    monkeypatch.setenv("PUMPFUN_BASE_URL", emu.url)
    monkeypatch.setenv("PUMPFUN_CLIENT_KEY", emu.client_key)
    if token:
        monkeypatch.setenv("PUMPFUN_TOKEN", token)
    exec(compile(block, str(README), "exec"), {"__name__": "__main__"})


Setup = Callable[[Emulator, pytest.MonkeyPatch, Path], AbstractContextManager[object]]


@contextlib.contextmanager
def _no_setup(emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    yield


@contextlib.contextmanager
def _keypair_at_home(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / ".config" / "solana" / "id.json"
    path.parent.mkdir(parents=True)
    Wallet.generate().to_keypair_file(path)
    yield


@contextlib.contextmanager
def _reply_throttled(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    emu.add_fault("create_reply", Fault.http_status(429, THROTTLED_BODY, {"Retry-After": "600"}))
    yield


@contextlib.contextmanager
def _second_like_fails(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    emu.add_fault(f"POST /likes/{OTHER}", "status:404")
    yield


@contextlib.contextmanager
def _redis(emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    pytest.importorskip("redis")
    from .test_redis import _redis_server  # skips unless redis-server is installed (or CI)

    with _redis_server(tmp_path) as (_, port):
        monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
        yield


@contextlib.contextmanager
def _someone_replied(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    fan = user_id_for("fan-token")
    emu.add_users([{"address": fan, "username": "fan", "bio": "gm"}])
    emu.state.create_reply(fan, DOCS_MINT, "wagmi")
    emu.state.follow(user_id_for("other"), fan)
    yield


@contextlib.contextmanager
def _reads_limited(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    emu.set_rate_limit("reads", 5, window=1)
    yield
    assert {r.status for r in emu.requests} == {200}  # paced: no 429


@contextlib.contextmanager
def _another_user_replies(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """Once the bot has read the thread, another user replies twice (over the control API)."""

    def reply_later() -> None:
        deadline = time.monotonic() + GUARD
        while not emu.requests_for("get_replies") and time.monotonic() < deadline:
            time.sleep(0.01)
        for text in ("gm", "wagmi"):
            body = json.dumps({"mint": DOCS_MINT, "text": text}).encode()
            request = urllib.request.Request(f"{emu.url}/_emulator/replies", data=body)
            request.add_header("Content-Type", "application/json")
            with urllib.request.urlopen(request, timeout=GUARD) as answer:
                answer.read()

    poster = threading.Thread(target=reply_later)
    poster.start()
    try:
        yield
    finally:
        poster.join(GUARD)
    assert [r["text"] for r in emu.state.reply_page("x", DOCS_MINT, 1000, 0)["replies"]][-2:] == [
        "gm",
        "wagmi",
    ]
    assert len(emu.requests_for("like")) == 2


@contextlib.contextmanager
def _a_scam_report(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    emu.post_report(DOCS_MINT, "scam", "dev dumped")
    yield


@contextlib.contextmanager
def _one_503(emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    emu.add_fault("like", "status:503")
    emu.add_fault("get_replies", "status:503")
    yield


# What each program needs besides the emulator, and what it prints.
EXPECTED: dict[str, tuple[Setup, list[str]]] = {
    "RateLimitError": (_reply_throttled, ["slow down; retry after 600.0 seconds"]),
    "print_thread": (_no_setup, []),
    "like_as": (_keypair_at_home, ["signed in as "]),
    "solve_captcha": (_no_setup, []),
    "like_all": (_second_like_fails, [f"{OTHER} failed: HTTP 404: Injected 404"]),
    "like_everything": (_no_setup, []),
    "like_daily": (_no_setup, ["0 calls skipped"]),
    "TokenBucket": (_no_setup, []),
    "worker": (_redis, []),
    "export_queue": (_no_setup, [" reports"]),
    "PumpFunClient": (_no_setup, ["["]),
    "who_replied": (
        _someone_replied,
        ["Docs Example (DOCS): 1 replies", "fan has 1 followers: gm", "wagmi"],
    ),
    "read_politely": (_reads_limited, ["{'reads': ServerRateLimit(limit=5, remaining="]),
    "like_new_replies": (_another_user_replies, [": gm", ": wagmi"]),
    "review_new_reports": (_a_scam_report, ["to review:", "scam dev dumped"]),
    "log_response": (_one_503, ["like: retry in", "like #1 /likes/", ": 503 in", "like #2"]),
    "traced_calls": (_one_503, ["like /likes/", "get_replies /replies/", "['retry']"]),
    "RepliesPage": (_no_setup, ["200 application/json", "RawResponse(", "201 {"]),
    "NotFoundError": (_no_setup, ["['hasMore', 'offset', 'replies']", "200 reads"]),
    "peek": (_no_setup, ["200 False", "offset 0"]),
    "closed_port": (_no_setup, ["error.refused=False", "replies, direct"]),
    "to_dataframe": (
        _no_setup,
        ["RepliesPage: 1 row", "'text': 'gm <b>frens</b> & co'", "datetime64[us, UTC]"],
    ),
}


# The server errors a program's setup injects (every other 5xx is a failure).
INJECTED_5XX = {"log_response": 1, "traced_calls": 2}


def test_every_program_is_checked() -> None:
    assert sorted(_name(b) for b in PROGRAMS) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_program_runs(
    name: str,
    pumpfun_emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup, expected = EXPECTED[name]
    monkeypatch.chdir(tmp_path)
    block = _the(name)
    token = "" if "Wallet" in block else sorted(pumpfun_emulator.admin_tokens)[0]
    with setup(pumpfun_emulator, monkeypatch, tmp_path):
        run_block(block, pumpfun_emulator, monkeypatch, token)
    out = capsys.readouterr().out
    for text in expected:
        assert text in out
    assert pumpfun_emulator.requests, "the example never reached the emulator"
    statuses = [r.status for r in pumpfun_emulator.requests]
    assert None not in statuses
    assert sum(s >= 500 for s in statuses if s is not None) == INJECTED_5XX.get(name, 0)


def test_the_first_example_does_everything_it_shows(
    pumpfun_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def reply_gm() -> None:
        async with pumpfun_emulator.client() as client:
            await client.create_reply(DOCS_MINT, "gm")

    asyncio.run(reply_gm())
    with _reply_throttled(pumpfun_emulator, monkeypatch, Path()):
        run_block(_the("RateLimitError"), pumpfun_emulator, monkeypatch, "")
    operations = [r.endpoint for r in pumpfun_emulator.requests[1:]]
    assert operations == ["like", "add_bookmark_items", "get_replies", "create_reply"]
    shown = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"\d+ \S+ gm 0", shown[0]), shown  # id, username, text, likes
    assert shown[1:] == ["slow down; retry after 600.0 seconds"]


def test_the_state_cache_example_skips_on_its_second_run(
    pumpfun_emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    token = sorted(pumpfun_emulator.admin_tokens)[0]
    run_block(_the("like_daily"), pumpfun_emulator, monkeypatch, token)
    run_block(_the("like_daily"), pumpfun_emulator, monkeypatch, token)
    assert capsys.readouterr().out.splitlines() == ["0 calls skipped", "2 calls skipped"]
    assert len(pumpfun_emulator.requests_for("like")) == 2


def test_pytest_examples_pass_with_the_configuration_shown(tmp_path: Path) -> None:
    (config,) = (t for t in TOML if "[tool.pytest.ini_options]" in t)
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    for number, block in enumerate(PYTEST_EXAMPLES):
        (tmp_path / f"test_example_{number}.py").write_text(block, encoding="utf-8")
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(PYTEST_EXAMPLES)} passed" in done.stdout
