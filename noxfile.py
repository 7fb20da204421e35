"""Developer tasks: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``, ``nox -s bench``."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

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


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite with coverage (at least 90%) on every supported Python found."""
    # The bench extra lets the suite check that every benchmark runs at its quick size.
    session.install("-e", ".[tests,bench]")
    # coverage starts before pytest, so the package's own pytest plugin (loaded at pytest
    # start-up, and importing the package) is measured too.
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "report", "--fail-under=90")


@nox.session(python=PYTHONS[-1:] if PYTHONS else None)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


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
