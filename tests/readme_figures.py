"""Figures the README quotes from the code or from a measurement, found by the words before them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tooling.cdk import ROOT

README_WORDS = " ".join((ROOT / "README.md").read_text().split())
"""The README with each run of whitespace (line breaks included) as one space."""


NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?![\w])")


@dataclass(frozen=True)
class Sentence:
    """The README's text from some words to the end of their sentence."""

    text: str

    def numbers(self) -> list[int]:
        """Every whole number in the sentence, in order (``10,240`` is one; ``ec2`` holds none)."""
        return [int(match.replace(",", "")) for match in NUMBER.findall(self.text)]


def readme_sentence(start: str) -> Sentence:
    """The sentence that begins with ``start``; fails unless the README says it exactly once."""
    assert README_WORDS.count(start) == 1, f"the README should say {start!r} exactly once"
    text = README_WORDS[README_WORDS.index(start) :]
    end = text.find(". ")
    return Sentence(text if end < 0 else text[: end + 1])
