import sys

from constructs_lib.review.cli import main

sys.exit(main())
