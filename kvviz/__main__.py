"""`python -m kvviz ...`: see kvviz.cli.main."""

import sys

from kvviz.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
