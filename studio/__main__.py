"""Entry point for ``python -m studio``: hands over to the command line."""

import sys

from studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
