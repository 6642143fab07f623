"""``python -m constructs_lib``: the command line of ``constructs_lib.cli.commands``."""

from constructs_lib.cli.commands import main

raise SystemExit(main())
