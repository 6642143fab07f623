import sys

from tooling.review.cli import main

sys.exit(main())
