"""Developer tasks: ``nox -s tests``, ``nox -s tests_all``, ``nox -s lint``, ``nox -s typecheck``,
``nox -s bench``."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

import nox

SUPPORTED = ("3.10", "3.11", "3.12", "3.13")

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|virtualenv"


def _expose_pyenv_interpreters() -> None:
    # pyenv installs every version but puts only the global one on PATH; its shims for
    # the others fail. Put each installed version's own bin directory on PATH instead.
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(os.path.join(root, "versions", "3.1[0-9]*", "bin")), reverse=True)
    if found:
        os.environ["PATH"] = os.pathsep.join([*found, os.environ.get("PATH", "")])


def _runs(version: str) -> bool:
    exe = shutil.which(f"python{version}")
    if exe is None:
        return False
    return subprocess.run([exe, "-c", "pass"], capture_output=True, check=False).returncode == 0


_expose_pyenv_interpreters()
PYTHONS = [v for v in SUPPORTED if _runs(v)] or None


def _current() -> str | None:
    """The Python running nox if it is a supported one, else the newest supported found."""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if PYTHONS is None or running in PYTHONS:
        return running
    return PYTHONS[-1]


def _run_tests(session: nox.Session) -> None:
    # The bench extra lets the suite check that every benchmark runs at its quick size.
    session.install("-e", ".[tests,bench]")
    # coverage starts before pytest, so the package's own pytest plugin (loaded at pytest
    # start-up, and importing the package) is measured too; with `patch = ["subprocess"]`
    # (pyproject.toml) every xdist worker measures itself the same way, from its start.
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", "-n", "auto", *session.posargs)
    session.run("coverage", "combine", "--quiet")
    session.run("coverage", "report", "--fail-under=90")


@nox.session(python=_current())
def tests(session: nox.Session) -> None:
    """Run the test suite on one Python, in parallel (pytest -n auto), coverage >= 90%.

    The Python running nox if it is supported, else the newest one found. Arguments after
    ``--`` go to pytest (``nox -s tests -- -x tests/test_client.py``; ``-- -n 0`` runs
    without workers).
    """
    _run_tests(session)


@nox.session(python=PYTHONS)
def tests_all(session: nox.Session) -> None:
    """Run the test suite as ``tests`` does, on every supported Python found (3.10-3.13)."""
    _run_tests(session)


@nox.session(python=PYTHONS[-1:] if PYTHONS else None)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff, and that the generated sync stub is current."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # The generated stub of the sync client must match the async client it comes from.
    session.run("python", "-m", "pumpfun_async._tools.sync_stub", "--check")


@nox.session(python=PYTHONS[-1:] if PYTHONS else None)
def typecheck(session: nox.Session) -> None:
    """Type-check the package and the tests with mypy --strict."""
    session.install("-e", ".[typecheck]")
    session.run("mypy", "pumpfun_async", "tests")


@nox.session(python=PYTHONS[-1:] if PYTHONS else None)
def demo(session: nox.Session) -> None:
    """Install with the cli and wallet extras and run ``pumpfun demo`` (the README's first
    command)."""
    session.install("-e", ".[cli,wallet]")
    session.run("pumpfun", "demo")


@nox.session(python=PYTHONS[-1:] if PYTHONS else None)
def bench(session: nox.Session) -> None:
    """Run every benchmark side by side; writes benchmarks/RESULTS.md and results.png."""
    session.install("-e", ".[bench]")
    session.run("python", "benchmarks/run_all.py", *session.posargs)
