"""``python -m pumpfun_async``: the ``pumpfun`` command line."""

import sys


def run() -> None:
    """Run the command line and exit with its status.

    A Ctrl-C while the command line is still being imported is reported like one during a
    command: one line and status 130, no traceback.
    """
    try:
        from pumpfun_async.cli import main
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
    status = main()
    if status == 130:
        # A Ctrl-C can land while asyncio is still building a transport (Python 3.10): the
        # half-built object, collected at exit, would print "Exception ignored" after the
        # one error line. The process is ending; there is nothing left to report.
        sys.unraisablehook = _ignore
    sys.exit(status)


def _ignore(unraisable: object) -> None:
    """An unraisable-exception hook that reports nothing."""


if __name__ == "__main__":
    run()
