"""Run the local AWS emulator: ``python -m emulator [--plain]``.

moto in server mode on 127.0.0.1, on a free port it prints as ``listening on http://localhost:PORT``,
until stdin closes or it gets SIGTERM/SIGINT. Without ``--plain`` the fidelity layer is applied.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plain", action="store_true", help="moto as released, without the fidelity layer")
    args = parser.parse_args()

    # Before moto builds its IAM backend: AWS-managed policies must exist to be attached.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    if not args.plain:
        from emulator import fidelity

        fidelity.apply_all()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    os.environ["MOTO_PORT"] = str(port)
    # Lambda handlers run in this process (fidelity layer): their AWS calls come back here.
    os.environ["AWS_ENDPOINT_URL"] = f"http://localhost:{port}"

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def stop_when_stdin_closes() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    print(f"listening on http://localhost:{port}", flush=True)
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
