"""`python -m toolkit.cli`: the same as the `lxt` command."""

import sys

from toolkit.cli import main

sys.exit(main())
