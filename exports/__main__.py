"""``python -m exports``: see ``exports.cli``."""

import sys

if __name__ == "__main__":  # not when a worker process imports the main module
    from exports.cli import main

    sys.exit(main())
