"""``CatalogError``: a catalogue that cannot be built, with every finding; and the app's way to report one.

``build_catalog`` (``constructs_lib.cdk.catalog_app``) raises it before it adds anything to the app,
so a caught error leaves the app as it was. ``exit_on_catalog_errors`` turns it into what a CDK app
should do on the command line: print each finding on its line, say how many, exit 1, so ``cdk synth``
writes no template. Pure Python: catching or printing one starts no Node.js.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TextIO

from constructs_lib.catalog.loader import Catalog, CatalogReadError
from constructs_lib.core.findings import Finding


class CatalogError(Exception):
    """The catalogue has problems, so nothing was built; ``findings`` lists every one, in file order.

    ``str()`` is one line per finding, ``FILE:LINE:COL: RULE-ID profile 'NAME' FIELD: ...``;
    ``catalog`` is the catalogue as read, its ``findings`` the ones raised.
    """

    def __init__(self, catalog: Catalog, findings: Sequence[Finding] | None = None) -> None:
        if findings is not None:
            catalog = replace(catalog, findings=tuple(findings))
        self.catalog = catalog
        """The catalogue as read (its ``errors``: the findings that stopped the build)."""
        self.findings = catalog.findings
        """Every finding, errors and warnings, each with its ``location`` and ``rule_id``."""
        super().__init__("\n".join(finding.line() for finding in self.findings))


@contextmanager
def exit_on_catalog_errors(stream: TextIO | None = None) -> Iterator[None]:
    """Report a bad or unreadable catalogue as ``cdk synth`` should: each finding, a count, exit 1.

    Use it around ``build_catalog`` in ``app.py``: ``app.synth()`` is never reached, so no template
    is written. ``stream`` defaults to standard error.
    """
    try:
        yield
    except CatalogError as error:
        out = stream or sys.stderr
        print(error, file=out)
        print(f"{error.catalog.path}: {len(error.catalog.errors)} problems; no template written", file=out)
        sys.exit(1)
    except CatalogReadError as error:
        print(f"{error}; no template written", file=stream or sys.stderr)
        sys.exit(1)
