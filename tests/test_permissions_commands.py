"""``can``'s arguments that contradict each other: exit 2 ("it could not run"), never an answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from constructs_lib.cli import commands as cli

CATALOG = """\
profiles:
  - name: web
    statements:
      - actions: [s3:GetObject]
        resources: ["arn:aws:s3:::results-bucket/*"]
        conditions: {StringEquals: {aws:SourceVpc: vpc-1}}
    acknowledge:
      - resource: "arn:aws:s3:::results-bucket/*"
        reason: The jobs read whichever input objects the scheduler hands them
"""


@pytest.mark.parametrize("absent", ["aws:SourceVpc", "AWS:sourcevpc"])
def test_a_key_both_given_and_absent_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], absent: str
) -> None:
    """Context keys are case-insensitive, as IAM's are: the same key either way is refused."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CATALOG)
    ask = ["can", "web", "s3:GetObject", "arn:aws:s3:::results-bucket/in", "--catalog", str(catalog)]
    assert cli.main([*ask, "--context", "aws:SourceVpc=vpc-1"]) == 0  # what it answers with the key alone
    capsys.readouterr()
    assert cli.main([*ask, "--context", "aws:SourceVpc=vpc-1", "--absent", absent]) == 2
    assert capsys.readouterr() == (
        "",
        "can: 'aws:SourceVpc' is given a value (--context) and named absent (--absent); choose one\n",
    )
