"""The package's public surface: exports, docstrings, typing marker, endpoint table."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import pumpfun_async
from pumpfun_async import AsyncPumpFunClient
from pumpfun_async.endpoints import ENDPOINTS, Endpoint, RouteGroup

SUBMODULES = {"errors", "models", "testing", "cli", "endpoints", "wallet", "otel"}
NOT_ENDPOINTS = {
    "aclose",
    "__aenter__",
    "__aexit__",
    # bulk helpers built on the endpoint methods
    "like_many",
    "unlike_many",
    "follow_many",
    "unfollow_many",
    "add_bookmark_items_many",
    "remove_bookmark_items_many",
    # wallet sign-in (POST /auth/login), sent by the client itself, not an API operation
    "login",
    # the escape hatch: any method and path, for endpoints the table does not describe
    "request",
}


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps ``__all__`` in: CONSTANTS, then Classes, then others."""
    if len(name) > 1 and name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def _public_classes_and_functions() -> list[tuple[str, object]]:
    return [
        (name, obj)
        for name in pumpfun_async.__all__
        if inspect.isclass(obj := getattr(pumpfun_async, name)) or inspect.isfunction(obj)
    ]


def _public_members(cls: type) -> list[tuple[str, object]]:
    """The public methods and properties of ``cls``, inherited ones included."""
    members: list[tuple[str, object]] = []
    for name, value in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if inspect.isroutine(value) or isinstance(value, property):
            members.append((name, value))
    return members


def _documented_classes() -> list[type]:
    classes = [obj for _, obj in _public_classes_and_functions() if inspect.isclass(obj)]
    assert AsyncPumpFunClient in classes
    return classes


# ---------------------------------------------------------------------------- __all__


def test_every_name_in_all_exists() -> None:
    missing = [name for name in pumpfun_async.__all__ if not hasattr(pumpfun_async, name)]
    assert missing == []


def test_all_is_unique() -> None:
    assert len(pumpfun_async.__all__) == len(set(pumpfun_async.__all__))


def test_all_is_sorted() -> None:
    assert list(pumpfun_async.__all__) == sorted(pumpfun_async.__all__, key=_isort_key)


def test_all_matches_reexported_names() -> None:
    for name in pumpfun_async.__all__:  # the package loads its names on first use
        getattr(pumpfun_async, name)
    public = {
        name
        for name, value in vars(pumpfun_async).items()
        if not name.startswith(("_", "@")) and not inspect.ismodule(value)
    }
    exported = set(pumpfun_async.__all__) - {"__version__"}
    assert public == exported
    modules = {
        name
        for name, value in vars(pumpfun_async).items()
        if not name.startswith(("_", "@")) and inspect.ismodule(value)
    }
    assert modules <= SUBMODULES
    assert not modules & set(pumpfun_async.__all__)


def test_all_contains_the_main_names() -> None:
    for name in ("AsyncPumpFunClient", "APIError", "Reply", "Coin", "Report", "__version__"):
        assert name in pumpfun_async.__all__


def test_star_import_gives_all() -> None:
    namespace: dict[str, object] = {}
    exec("from pumpfun_async import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(pumpfun_async.__all__)


# ---------------------------------------------------------------------------- docstrings


@pytest.mark.parametrize(
    ("name", "obj"), _public_classes_and_functions(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_public_name_has_docstring(name: str, obj: object) -> None:
    assert (inspect.getdoc(obj) or "").strip(), f"{name} has no docstring"


@pytest.mark.parametrize("cls", _documented_classes(), ids=lambda c: c.__name__)
def test_public_members_have_docstrings(cls: type) -> None:
    undocumented = [
        name for name, member in _public_members(cls) if not (inspect.getdoc(member) or "").strip()
    ]
    assert undocumented == [], f"{cls.__name__}: {undocumented}"


def test_client_members_are_checked() -> None:
    names = {name for name, _ in _public_members(AsyncPumpFunClient)}
    assert {"aclose", "base_url", "closed", "like", "get_reports"} <= names


# ---------------------------------------------------------------------------- packaging


def test_version_is_str() -> None:
    assert isinstance(pumpfun_async.__version__, str)
    assert pumpfun_async.__version__


def test_py_typed_marker_exists() -> None:
    package_dir = Path(pumpfun_async.__file__).parent
    assert (package_dir / "py.typed").is_file()


def test_import_does_not_pull_test_dependencies() -> None:
    code = "import json, sys\nimport pumpfun_async\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    modules = json.loads(result.stdout)
    assert "pumpfun_async" in modules
    roots = {name.split(".")[0] for name in modules}
    assert "pytest" not in roots
    assert "_pytest" not in roots
    assert "aioresponses" not in roots


# ---------------------------------------------------------------------------- endpoints


def _client_coroutine_methods() -> set[str]:
    return {
        name
        for name, value in inspect.getmembers(AsyncPumpFunClient)
        if inspect.iscoroutinefunction(value)
        and not name.startswith("_")
        and name not in NOT_ENDPOINTS
    }


def test_endpoints_count() -> None:
    # The 14 operations of the official docs, and the 5 social-graph reads.
    assert len(ENDPOINTS) == 19


def test_endpoint_keys_are_names() -> None:
    for key, endpoint in ENDPOINTS.items():
        assert isinstance(endpoint, Endpoint)
        assert endpoint.name == key
        assert isinstance(endpoint.group, RouteGroup)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_endpoint_is_client_coroutine_method(name: str) -> None:
    method = getattr(AsyncPumpFunClient, name, None)
    assert method is not None, name
    assert inspect.iscoroutinefunction(method), name


def test_client_coroutine_methods_are_the_endpoints() -> None:
    assert _client_coroutine_methods() == set(ENDPOINTS)


def test_like_endpoint() -> None:
    like = ENDPOINTS["like"]
    assert like.method == "POST"
    assert like.path == "/likes/{target_id}"


def test_follow_captcha_in_query() -> None:
    assert ENDPOINTS["follow"].captcha == "query"


def test_create_reply_captcha_in_body_and_not_idempotent() -> None:
    create_reply = ENDPOINTS["create_reply"]
    assert create_reply.captcha == "body"
    assert create_reply.idempotent is False


def test_report_comment_sends_client_key() -> None:
    assert ENDPOINTS["report_comment"].client_key is True
    others = [name for name, e in ENDPOINTS.items() if e.client_key]
    assert others == ["report_comment"]


def test_get_reports_endpoint() -> None:
    get_reports = ENDPOINTS["get_reports"]
    assert (get_reports.method, get_reports.path) == ("GET", "/reports")


def test_delete_report_endpoint() -> None:
    delete_report = ENDPOINTS["delete_report"]
    assert (delete_report.method, delete_report.path) == ("DELETE", "/reports/{report_id}")


def test_format_path_percent_encodes() -> None:
    assert ENDPOINTS["like"].format_path(target_id="a b/c") == "/likes/a%20b%2Fc"
    assert ENDPOINTS["delete_report"].format_path(report_id="a b/c") == "/reports/a%20b%2Fc"
    assert ENDPOINTS["like"].format_path(target_id="123") == "/likes/123"


def test_importing_the_package_loads_no_module_of_its_own() -> None:
    # The command line relies on it: a Ctrl-C while aiohttp loads is reported in one line.
    code = (
        "import json, sys\nimport pumpfun_async\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('pumpfun', 'aiohttp')))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == ["pumpfun_async", "pumpfun_async._version"]


def test_names_load_on_first_use() -> None:
    code = (
        "import sys\nimport pumpfun_async\n"
        "assert pumpfun_async.Reply.__module__ == 'pumpfun_async.models'\n"
        "assert 'pumpfun_async._redis' not in sys.modules\n"
        "assert 'Reply' in vars(pumpfun_async) and 'Reply' in dir(pumpfun_async)\n"
        "assert 'RedisRateLimiter' in dir(pumpfun_async)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        pumpfun_async.Nope  # noqa: B018


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("ENDPOINTS", "endpoints"),
        ("Endpoint", "endpoints"),
        ("RouteGroup", "endpoints"),
        ("SignIn", "wallet"),
        ("verify_sign_in", "wallet"),
    ],
)
def test_moved_names_still_import_with_a_deprecation_warning(name: str, module: str) -> None:
    new_home = importlib.import_module(f"pumpfun_async.{module}")
    with pytest.warns(DeprecationWarning, match=rf"pumpfun_async\.{module}\.{name}"):
        old = getattr(pumpfun_async, name)
    assert old is getattr(new_home, name)
    assert name in new_home.__all__
    assert name not in pumpfun_async.__all__
    assert (inspect.getdoc(new_home) or "").strip()


def test_the_top_level_keeps_what_a_user_types() -> None:
    internals = {"ENDPOINTS", "Endpoint", "RouteGroup", "LOGIN", "SignIn", "verify_sign_in"}
    assert not internals & set(pumpfun_async.__all__)
    for name in ("AsyncPumpFunClient", "PumpFunClient", "Wallet", "TokenBucket", "PumpFunError"):
        assert name in pumpfun_async.__all__
