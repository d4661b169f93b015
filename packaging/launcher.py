"""Entry script of the frozen app: hands over to the command line, as `python -m studio` does."""

import sys

from studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
