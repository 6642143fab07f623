"""The emulator's child process: started and stopped without leaving a file, a pipe or a process behind."""

from __future__ import annotations

import gc
import subprocess
import warnings
from pathlib import Path

import pytest

from emulator import Emulator

pytestmark = pytest.mark.emulator


def test_stop_closes_the_log_and_the_pipes(tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with Emulator(log_path=tmp_path / "moto.log"):
            pass
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_start_that_fails_stops_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[subprocess.Popen[str]] = []

    def never_answers(self: Emulator) -> None:
        started.append(self._process)  # type: ignore[arg-type]
        raise OSError("no answer")

    monkeypatch.setattr(Emulator, "_wait_until_answering", never_answers)
    emulator = Emulator(log_path=tmp_path / "moto.log")
    with pytest.raises(OSError, match="no answer"):
        emulator.start()
    (process,) = started
    assert process.poll() is not None
    assert process.stdout is not None
    assert process.stdout.closed
