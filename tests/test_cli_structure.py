"""The command line's modules: no import cycle among them, no private helper of the client.

Read from the source with ``ast``, so that an import inside a function (which a fresh
interpreter would only meet when the function runs) counts as much as one at the top.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import pumpfun_async.cli
from pumpfun_async.cli._base import GLOBAL_DESTS, add_global_options

CLI = Path(pumpfun_async.cli.__file__).parent
PACKAGE = "pumpfun_async.cli"
CLIENT = "pumpfun_async._client"


def _imports(path: Path, package: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(absolute module, imported names) of every import in a module, at any depth."""
    is_init = path.name == "__init__.py"
    here = package if is_init else f"{package}.{path.stem}"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # ``from . import x`` in pkg/mod.py is relative to pkg; in pkg/__init__.py too.
                parts = here.split(".")
                base = parts[: len(parts) - node.level + (1 if is_init else 0)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module, tuple(alias.name for alias in node.names)


def import_graph(directory: Path, package: str) -> dict[str, set[str]]:
    """Which of a package's modules each of its modules imports (``__init__`` for the package).

    ``from pkg import sub`` counts as importing ``sub`` when ``sub`` is a module of the
    package, and as importing ``__init__`` otherwise.
    """
    modules = {path.stem for path in directory.glob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for path in directory.glob("*.py"):
        for module, names in _imports(path, package):
            if module == package:
                targets = {n if n in modules else "__init__" for n in names} or {"__init__"}
            elif module.startswith(f"{package}."):
                targets = {module[len(package) + 1 :].split(".")[0]}
            else:
                continue
            graph[path.stem] |= targets - {path.stem}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path (its first node repeated at the end), or ``None``."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            cycle = visit(target, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def test_the_command_line_modules_import_each_other_without_a_cycle() -> None:
    graph = import_graph(CLI, PACKAGE)
    assert {"__init__", "_base", "_commands", "_login", "_store"} <= graph.keys()
    assert find_cycle(graph) is None, graph


def test_no_command_line_module_imports_a_private_name_of_the_client() -> None:
    private = [
        f"{path.name}: {name}"
        for path in sorted(CLI.glob("*.py"))
        for module, names in _imports(path, PACKAGE)
        if module == CLIENT
        for name in names
        if name.startswith("_")
    ]
    whole_module = [
        path.name
        for path in sorted(CLI.glob("*.py"))
        for module, names in _imports(path, PACKAGE)
        if (module == CLIENT and not names) or (module == "pumpfun_async" and "_client" in names)
    ]
    assert private == []
    assert whole_module == []  # its private names would be one attribute away


@pytest.mark.parametrize(
    ("files", "cycle"),
    [
        pytest.param(
            {
                "__init__.py": "from .a import f\n",
                "a.py": "def f():\n    from pkg.b import g\n    return g\n",
                "b.py": "def g():\n    from pkg import a\n    return a\n",
            },
            ["a", "b", "a"],
            id="lazy-imports-inside-functions",
        ),
        pytest.param(
            {"__init__.py": "", "a.py": "from . import b\n", "b.py": "from .a import x\n"},
            ["a", "b", "a"],
            id="relative-imports",
        ),
        pytest.param(
            {"__init__.py": "from .a import x\n", "a.py": "from pkg import helper\n"},
            ["__init__", "a", "__init__"],
            id="a-name-from-the-package-itself",
        ),
        pytest.param(
            {"__init__.py": "from .a import x\n", "a.py": "from pkg import b\n", "b.py": ""},
            None,
            id="a-sibling-through-the-package-is-not-a-cycle",
        ),
    ],
)
def test_the_cycle_check_sees(
    tmp_path: Path, files: dict[str, str], cycle: list[str] | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert find_cycle(import_graph(tmp_path, "pkg")) == cycle


def test_the_global_options_set_exactly_the_global_dests() -> None:
    parser = argparse.ArgumentParser()
    add_global_options(parser)
    assert set(vars(parser.parse_args([]))) == GLOBAL_DESTS
