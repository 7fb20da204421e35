"""``python -m pumpfun_async``: the ``pumpfun`` command line."""

import sys

from pumpfun_async.cli import main

if __name__ == "__main__":
    sys.exit(main())
