"""`python -m vmwatch`."""

import sys

from vmwatch.cli import main

sys.exit(main())
