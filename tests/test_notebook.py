"""Tables and DataFrames in a real Jupyter kernel, run through nbclient.

The kernel is this test's own interpreter (a kernel spec written to a temporary directory,
put first on ``JUPYTER_PATH``, names ``sys.executable``), so the test runs in whatever
virtualenv runs pytest.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

HOSTILE = """<script>alert("x")</script> & 'quoted'"""
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;"
UNKNOWN_MINT = "1111111111111111111111111111111pump"

# Only guards against a hang: a busy CI machine may take long to start a kernel.
TIMEOUT = 600

CELLS = [
    # 0: the emulator, on a thread of its own, and the sync client
    "import contextlib, uuid\n"
    "from pumpfun_async import PumpFunClient, table, to_dataframe\n"
    "from pumpfun_async.testing import DOCS_MINT, Emulator\n"
    "stack = contextlib.ExitStack()\n"
    "emu = stack.enter_context(Emulator().run_in_thread())\n"
    "client = stack.enter_context(PumpFunClient('nb-user', base_url=emu.url, rate_limit=None,\n"
    "    client_key=emu.client_key, captcha=lambda: uuid.uuid4().hex))",
    # 1: like and reply, then read the page back and show it
    "client.like(DOCS_MINT)\n"
    f"client.create_reply(DOCS_MINT, {HOSTILE!r})\n"
    "page = client.get_replies(DOCS_MINT, limit=1000)\n"
    "page",
    # 2: a bulk result with a failure
    f"result = client.like_many([DOCS_MINT, {UNKNOWN_MINT!r}])\nresult",
    # 3: a DataFrame
    "df = to_dataframe(page)\ndf",
    # 4: its column types, and a plain list shown with table()
    "print(df.dtypes.astype(str).to_json())\ntable(page.replies[-1:])",
    # 5: clean up
    "stack.close()\nclient.closed",
    # 6: the kernel's interpreter
    "import sys\nsys.executable",
]


def _install_kernel_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel spec that runs ``sys.executable``, found first through ``JUPYTER_PATH``."""
    spec_dir = tmp_path / "jupyter" / "kernels" / "pumpfun-test"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--HistoryManager.enabled=False",  # no history database shared between workers
        ],
        "display_name": "pumpfun_async tests",
        "language": "python",
        "env": {"IPYTHONDIR": str(tmp_path / "ipython")},  # no user profile or startup files
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "pumpfun-test"


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[dict[str, Any]]]:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    # nbclient makes (and so shuts down and closes) the kernel manager itself
    executor = nbclient.NotebookClient(
        notebook,
        kernel_name=_install_kernel_spec(tmp_path, monkeypatch),
        timeout=TIMEOUT,
        startup_timeout=TIMEOUT,
    )
    executor.execute(cwd=str(tmp_path))
    return [cell.outputs for cell in notebook.cells]


def _result(outputs: list[dict[str, Any]]) -> dict[str, str]:
    """The data of a cell's ``execute_result``."""
    (result,) = [o for o in outputs if o["output_type"] == "execute_result"]
    data: dict[str, str] = result["data"]
    return data


def test_tables_and_a_dataframe_in_a_jupyter_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = _run(tmp_path, monkeypatch)
    for cell in outputs:
        assert not [o for o in cell if o["output_type"] == "error"]
        assert not [o for o in cell if o.get("name") == "stderr"], cell  # nor a warning

    page = _result(outputs[1])
    assert page["text/html"].startswith('<div class="pumpfun-table"><table>')
    assert "<caption>RepliesPage: " in page["text/html"]
    assert f"<td>{ESCAPED}</td>" in page["text/html"]
    assert "<script" not in page["text/html"]
    assert page["text/plain"].startswith("RepliesPage: ")  # IPython's text: a table too
    assert HOSTILE in page["text/plain"]

    bulk = _result(outputs[2])
    assert "<caption>BulkResult: 1 succeeded, 1 failed</caption>" in bulk["text/html"]
    failure = rf"<td>{UNKNOWN_MINT}</td><td>False</td><td( title=\"[^\"]*\")?>NotFoundError: "
    assert re.search(failure, bulk["text/html"])
    assert bulk["text/plain"].startswith("BulkResult: 1 succeeded, 1 failed\ntarget")

    frame = _result(outputs[3])
    assert 'class="dataframe"' in frame["text/html"]
    assert "&lt;script&gt;alert(" in frame["text/html"]  # pandas escapes it too
    assert "<script" not in frame["text/html"]

    (printed,) = [o for o in outputs[4] if o["output_type"] == "stream"]
    dtypes = json.loads(printed["text"])
    assert dtypes["id"] == "int64"
    assert dtypes["hidden"] == "bool"
    assert dtypes["timestamp"] == "Int64"
    assert dtypes["created_at"].startswith("datetime64[")
    assert dtypes["created_at"].endswith(", UTC]")
    listed = _result(outputs[4])
    assert "<caption>1 row</caption>" in listed["text/html"]
    assert ESCAPED in listed["text/html"]

    assert _result(outputs[5])["text/plain"] == "True"
    assert _result(outputs[6])["text/plain"] == repr(sys.executable)
