"""CDK tokens written into strings: values only synth knows, which pure checks must leave to synth.

aws-cdk-lib stands for an unresolved value in a string with a marker (``${Token[Bucket.Arn.12]}``) or,
for a number, a marker number; a pure check that reads one would judge the marker, not the value.
Pure Python: no aws-cdk-lib import.
"""

from __future__ import annotations

import re

STRING_TOKEN = re.compile(r"\$\{Token\[[a-zA-Z0-9:._-]+\]\}|-1\.\d{10,16}e\+289")
"""aws-cdk-lib's ``STRING_TOKEN_REGEX`` (core/lib/private/encoding.js)."""


def has_token(text: str) -> bool:
    """Whether ``text`` holds a CDK token."""
    return STRING_TOKEN.search(text) is not None
