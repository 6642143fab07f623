"""The project's own local AWS: moto in server mode on loopback, for the tests and `make deploy-local`.

``Emulator`` runs ``python -m emulator`` as a child process on a free port and hands out
boto3 clients and the environment the CDK CLI needs to deploy to it. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from emulator.cdk_cli import CLI_TIMEOUT_SECONDS, ROOT, offline_cli_environment, run_cdk

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10
DEPLOY = ("deploy", "--all", "--require-approval", "never", "--method=direct")
"""How to deploy here: moto 5.2.5 fails a second change-set deploy, so deploy directly."""


class Emulator:
    """A moto server child process; use as a context manager."""

    def __init__(self, *, plain: bool = False, log_path: Path | None = None) -> None:
        self.plain = plain
        self.log_path = log_path
        self.endpoint = ""
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the child and wait until it answers; if it does not, stop it and raise."""
        # Closed in stop(), which every way out of start() and the context manager reach.
        self._log = open(self.log_path, "w") if self.log_path else None  # noqa: SIM115
        self._process = subprocess.Popen(
            [sys.executable, "-m", "emulator", *(["--plain"] if self.plain else [])],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log or subprocess.DEVNULL,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        )
        first_line: list[str] = []
        reader = threading.Thread(target=lambda: first_line.append(self._process.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(START_TIMEOUT_SECONDS)
        match = re.fullmatch(r"listening on (http://localhost:\d+)\n", first_line[0] if first_line else "")
        if match is None:
            self.stop()
            raise RuntimeError(
                f"the emulator did not start within {START_TIMEOUT_SECONDS} s (log: {self.log_path})"
            )
        self.endpoint = match[1]
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the child (closing its stdin asks it to), and close its pipes and the log."""
        process, self._process = self._process, None
        log, self._log = self._log, None
        if process is not None:
            try:
                process.stdin.close()  # type: ignore[union-attr]
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_SECONDS)
            process.stdout.close()  # type: ignore[union-attr]
        if log is not None:
            log.close()

    def client(self, service: str) -> Any:
        import boto3  # only here: the repository's tools import the CLI runner beside this module

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def cli_environment(self) -> dict[str, str]:
        """What the CDK CLI (and the app it runs) needs to deploy here, and only here."""
        return {
            **offline_cli_environment(),
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }

    def cdk(self, *args: str, timeout: float = CLI_TIMEOUT_SECONDS) -> subprocess.CompletedProcess[str]:
        """Run the real CDK CLI against this emulator; never waits longer than ``timeout``."""
        return run_cdk(*args, env=self.cli_environment(), timeout=timeout)

    def bootstrap(self) -> subprocess.CompletedProcess[str]:
        """``cdk bootstrap`` of the emulator's account and region, outside the project: the CLI
        synthesizes the app it finds in ``cdk.json`` even for a named environment, and the app has
        nothing to say about bootstrapping (it uses the default synthesizer)."""
        with tempfile.TemporaryDirectory() as nowhere:
            return run_cdk(
                "bootstrap", f"aws://{ACCOUNT}/{REGION}", env=self.cli_environment(), cwd=Path(nowhere)
            )

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
