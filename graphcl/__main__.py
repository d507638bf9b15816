"""``python -m graphcl`` (and ``torchrun ... -m graphcl run <recipe>``): the command line."""

import sys

from graphcl.cli.main import main

sys.exit(main())
