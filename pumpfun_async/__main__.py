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
    sys.exit(main())


if __name__ == "__main__":
    run()
