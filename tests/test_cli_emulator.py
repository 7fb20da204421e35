"""`pumpfun demo`, `pumpfun emulator`, and the API subcommands against a live emulator."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pumpfun_async import AsyncPumpFunClient, ServerError, Wallet
from pumpfun_async.cli import main
from pumpfun_async.testing import DOCS_MINT, Emulator


def test_demo_tours_the_api(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "emulator listening on http://127.0.0.1:" in out
    for step in (
        "Like and unlike",
        "Bulk-like 10 coins",
        "10 liked, 0 failed",
        "Follow the coin's creator",
        "Bookmark three coins",
        "Moon Cat",
        "read the thread back",
        "#1000 agreed",
        "Watch the thread while another user replies",
        "saw reply 1002 by user-another-degen: 'wen moon?'",
        "Report the coin and a comment",
        "Review the queue as an admin",
        "action=banned",
        "\n    1 report still pending\n",
        "skipped by the cache without a request",
        "signed in (1 sign-in) and liked",
        "Bulk-like 10 coins at once",
        "10 likes succeeded, then 10 more; 10 skipped by the cache",
        "done: the emulator served ",
    ):
        assert step in out


def test_subcommands_against_the_emulator(
    pumpfun_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--base-url", pumpfun_emulator.url, "--token", "user-token-123"]
    assert main([*base, "like", DOCS_MINT]) == 0
    assert main([*base, "create-reply", DOCS_MINT, "from the cli", "--captcha-token", "c1"]) == 0
    capsys.readouterr()
    assert main([*base, "--json", "get-replies", DOCS_MINT]) == 0
    page = json.loads(capsys.readouterr().out)
    assert [r["text"] for r in page["replies"]] == ["from the cli"]
    assert main([*base, "--client-key", "test-client-key", "report-comment", "1000", "spam"]) == 0
    admin = ["--base-url", pumpfun_emulator.url, "--token", "admin-token", "--json"]
    capsys.readouterr()
    assert main([*admin, "get-reports", "--type", "all"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert reports["total"] == 1
    assert [r.endpoint for r in pumpfun_emulator.requests] == [
        "like",
        "create_reply",
        "get_replies",
        "report_comment",
        "get_reports",
    ]


def test_admin_command_with_a_user_token_fails_cleanly(
    pumpfun_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--base-url", pumpfun_emulator.url, "--token", "user-token", "get-reports"])
    assert status == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: HTTP 403: Forbidden resource (GET /reports)"


@pytest.mark.parametrize(
    "args",
    [
        ["--fault", "like"],
        ["--fault", "like=boom"],
        ["--fault", "like=status:503*0"],
        ["--rate-limit", "likes"],
        ["--rate-limit", "nope=1/1"],
        ["--rate-limit", "likes=x"],
    ],
)
def test_emulator_command_rejects_bad_options(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", *args]) == 2
    err = capsys.readouterr().err
    assert "GROUP=N/SECONDS" in err or "ROUTE=FAULT" in err


def test_emulator_command_serves_until_stopped() -> None:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    command = [
        sys.executable,
        "-m",
        "pumpfun_async",
        "emulator",
        "--port",
        "0",
        "--admin-token",
        "T",
        "--fault",
        "like=status:503*1",
        "--rate-limit",
        "replies=5/1",
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert first.startswith("pump.fun emulator listening on http://127.0.0.1:")
            url = first.rsplit(" ", 1)[1].strip()

            async def scenario() -> None:
                async with (
                    AsyncPumpFunClient("user", base_url=url, max_retries=0) as client,
                    AsyncPumpFunClient("T", base_url=url) as admin,
                ):
                    with pytest.raises(ServerError):
                        await client.like(DOCS_MINT)
                    await client.like(DOCS_MINT)
                    await admin.get_reports()

            asyncio.run(scenario())
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err
    assert "emulator stopped" in out
    assert err == ""


async def test_serve_in_process_until_cancelled() -> None:
    import io

    from pumpfun_async.cli._serve import serve

    out = io.StringIO()
    ready = asyncio.Event()
    emulator = Emulator()
    task = asyncio.create_task(serve(emulator, out, ready=ready))
    await asyncio.wait_for(ready.wait(), 10)
    async with emulator.client() as client:
        await client.like(DOCS_MINT)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert out.getvalue().startswith("pump.fun emulator listening on http://127.0.0.1:")
    assert emulator.requests_for("like")[0].status == 201


def test_login_round_trip(
    pumpfun_emulator: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config"
    monkeypatch.setenv("PUMPFUN_CONFIG_DIR", str(config))
    wallet = Wallet.generate()
    keypair = tmp_path / "id.json"
    wallet.to_keypair_file(keypair)
    base = ["--base-url", pumpfun_emulator.url]

    assert main([*base, "login", "--keypair", str(keypair)]) == 0
    out = capsys.readouterr().out
    assert f"signed in as {wallet.address} until " in out
    token = pumpfun_emulator.issued_tokens[-1].token
    assert token not in out
    stored = config / "credentials.json"
    assert token in stored.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert stat.S_IMODE(config.stat().st_mode) == 0o700

    assert main([*base, "like", DOCS_MINT]) == 0  # no --token, no $PUMPFUN_TOKEN: the stored one
    assert pumpfun_emulator.requests[-1].headers["Authorization"] == f"Bearer {token}"
    assert DOCS_MINT in pumpfun_emulator.state.likes[wallet.address]
    assert main(["--base-url", "http://127.0.0.1:9", "--max-retries", "0", "like", DOCS_MINT]) == 1
    monkeypatch.setenv("PUMPFUN_TOKEN", "from-the-environment")
    assert main([*base, "unlike", DOCS_MINT]) == 0
    assert pumpfun_emulator.requests[-1].headers["Authorization"] == "Bearer from-the-environment"
    monkeypatch.delenv("PUMPFUN_TOKEN")

    capsys.readouterr()
    assert main([*base, "logout"]) == 0
    assert "signed out" in capsys.readouterr().out
    assert token not in stored.read_text(encoding="utf-8")
    assert main([*base, "logout"]) == 0
    assert "no stored token" in capsys.readouterr().out
    assert main([*base, "like", DOCS_MINT]) == 1  # no token at all: the emulator answers 401
    assert "Unauthorized" in capsys.readouterr().err


def test_logout_all(
    pumpfun_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUMPFUN_CONFIG_DIR", str(tmp_path))
    keypair = tmp_path / "id.json"
    Wallet.generate().to_keypair_file(keypair)
    assert main(["--base-url", pumpfun_emulator.url, "login", "--keypair", str(keypair)]) == 0
    assert main(["logout", "--all"]) == 0
    assert json.loads((tmp_path / "credentials.json").read_text(encoding="utf-8")) == {"tokens": {}}


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        (None, 0o600, "no such file"),
        ("not json", 0o600, "JSON"),
        ("[1, 2, 3]", 0o600, "64"),
        (json.dumps(list(range(64))), 0o644, "chmod 600"),
    ],
)
def test_login_refuses_a_bad_keypair(
    pumpfun_emulator: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    mode: int,
    message: str,
) -> None:
    if mode != 0o600 and os.name != "posix":
        pytest.skip("file modes are POSIX")
    keypair = tmp_path / "id.json"
    if content is not None:
        keypair.write_text(content, encoding="utf-8")
        keypair.chmod(mode)
    assert main(["--base-url", pumpfun_emulator.url, "login", "--keypair", str(keypair)]) == 2
    assert message in capsys.readouterr().err
    assert pumpfun_emulator.requests == []


def test_login_needs_a_keypair(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["login"]) == 2
    assert "--keypair" in capsys.readouterr().err


def test_login_without_the_wallet_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [n for n in sys.modules if n == "cryptography" or n.startswith("cryptography.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "cryptography", None)
    keypair = tmp_path / "id.json"
    keypair.write_text(json.dumps(list(range(64))), encoding="utf-8")
    keypair.chmod(0o600)
    assert main(["login", "--keypair", str(keypair)]) == 2
    assert "pumpfun-async[wallet]" in capsys.readouterr().err
