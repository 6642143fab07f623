"""``python -m constructs_lib``: the command line of ``constructs_lib.cli``."""

from constructs_lib.cli import main

raise SystemExit(main())
