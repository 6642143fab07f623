"""cfn-lint as its command line runs it, in this process, over many templates at once.

``cfn-lint FILE...`` is ``Runner(ConfigMixIn(argv)).run()``: the same configuration (the defaults,
and any ``.cfnlintrc``) and the same rules. Run here, its import and its rules load once for the test
session, instead of once per subprocess (two seconds each), and once for all the files of one call
instead of once per file. ``lint_every_shape`` runs it over one resource of each distinct shape
(``tests/template_shapes.py``) instead of every copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cfnlint.config import ConfigMixIn
from cfnlint.runner import Runner

from tests.template_shapes import exemplars, template_shapes


def cfn_lint(paths: Iterable[Path]) -> list[str]:
    """What ``cfn-lint PATH...`` reports, one line per match: rule, file and line, message."""
    files = [str(path) for path in paths]
    assert files, "cfn-lint with no template reads standard input"
    matches = Runner(ConfigMixIn(files)).run()
    return [f"{m.rule.id} {m.filename}:{m.linenumber}: {m.message}" for m in matches]


def lint_every_shape(
    templates: Mapping[str, dict[str, Any]], folder: Path, *, whole: Iterable[Path] = ()
) -> list[str]:
    """cfn-lint over ``exemplars(templates)`` (written to ``folder``) and the ``whole`` templates as
    they are; fails unless the cut templates hold every shape of ``templates``."""
    cut = exemplars(dict(templates))
    assert set().union(*map(template_shapes, cut.values())) == set().union(
        *map(template_shapes, templates.values())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, (name, template) in enumerate(sorted(cut.items())):
        path = folder / f"{index:02}-{Path(name).name}"
        path.write_text(json.dumps(template, indent=1))
        paths.append(path)
    return cfn_lint([*paths, *whole])
