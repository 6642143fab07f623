"""Nothing of a local deploy leaves this machine, and the check would see it if something tried.

``make deploy-local``'s script runs in a network namespace of its own (``unshare --net``, as root)
that has loopback and one TUN device, ``sink``, which every route but loopback's leads to. A TUN
device hands each packet routed to it to the process that opened it: here this file, run as a script
inside the namespace, which writes the packet down and sends it nowhere. So nothing can leave, and
every attempt to is recorded. The negative control makes one attempt in the same namespace (a TCP
connection to 192.0.2.1, TEST-NET-1 of RFC 5737, an address no network routes): the sink records
it and the connection fails. Without root, ``unshare`` or a TUN device the tests skip, saying why.
"""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = ("192.0.2.1", 443)
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
KERNEL_HOUSEKEEPING = {133, 135, 143}
"""ICMPv6 router and neighbour solicitations and MLD reports: the kernel's own, for any interface."""
NAMESPACE_TIMEOUT_SECONDS = 600

pytestmark = [pytest.mark.emulator, pytest.mark.cli]


def run_in_namespace(mode: str, report: Path) -> dict[str, Any]:
    """Run this file as a script in a new network namespace; return the report it wrote."""
    missing = [
        reason
        for reason, absent in (
            ("needs root for a network namespace", os.geteuid() != 0),
            ("needs unshare (util-linux)", shutil.which("unshare") is None),
            ("needs ip (iproute2)", shutil.which("ip") is None),
            ("needs /dev/net/tun", not Path("/dev/net/tun").exists()),
        )
        if absent
    ]
    if missing:
        pytest.skip(", ".join(missing))
    subprocess.run(
        ["unshare", "--net", "--", sys.executable, __file__, mode, str(report)],
        cwd=ROOT,
        env={**os.environ, "PATH": os.pathsep.join([str(ROOT / ".venv" / "node-bin"), os.environ["PATH"]])},
        check=True,
        timeout=NAMESPACE_TIMEOUT_SECONDS,
    )
    return dict(json.loads(report.read_text()))


def test_make_deploy_local_sends_nothing_off_loopback(tmp_path: Path) -> None:
    report = run_in_namespace("deploy", tmp_path / "report.json")
    assert report["interfaces"] == ["lo", "sink"]
    assert report["returncode"] == 0, report["output"]
    assert "Destroyed: no instance profile left" in report["output"]
    assert report["packets"] == []


def test_negative_control_an_attempt_to_leave_is_recorded_and_fails(tmp_path: Path) -> None:
    report = run_in_namespace("probe", tmp_path / "report.json")
    assert report["interfaces"] == ["lo", "sink"]
    assert report["probe"] != "connected"
    assert {"protocol": "tcp", "destination": PROBE[0], "port": PROBE[1]} in report["packets"]


# What follows runs inside the namespace, as `python tests/test_emulator_network.py MODE REPORT`.


def open_sink() -> int:
    """Create the TUN device ``sink`` and route everything but loopback to it; return its file."""
    tun = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", b"sink", IFF_TUN | IFF_NO_PI))
    for command in (
        "link set lo up",
        "link set sink up",
        "addr add 198.51.100.1/32 dev sink",  # TEST-NET-2: this namespace's own end
        "route add default dev sink",
        "-6 addr add 2001:db8::1/128 dev sink nodad",  # the documentation prefix
        "-6 route add default dev sink",
    ):
        subprocess.run(["ip", *command.split()], check=True)
    return tun


def record(tun: int, packets: list[dict[str, Any]], stop: threading.Event) -> None:
    """Write down every packet that reaches the sink, until ``stop``; it goes no further."""
    while not stop.is_set():
        ready, _, _ = select.select([tun], [], [], 0.2)
        if ready:
            described = describe(os.read(tun, 65535))
            if described is not None:
                packets.append(described)


def describe(packet: bytes) -> dict[str, Any] | None:
    """Protocol, destination and port of an IP packet; None for the kernel's own housekeeping."""
    names = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}
    if packet[0] >> 4 == 4:
        header, protocol = (packet[0] & 0x0F) * 4, packet[9]
        destination = str(ipaddress.IPv4Address(packet[16:20]))
    else:
        header, protocol = 40, packet[6]
        destination = str(ipaddress.IPv6Address(packet[24:40]))
        if protocol == 58 and packet[header] in KERNEL_HOUSEKEEPING:
            return None
    port = int.from_bytes(packet[header + 2 : header + 4], "big") if protocol in (6, 17) else None
    return {"protocol": names.get(protocol, str(protocol)), "destination": destination, "port": port}


def probe() -> str:
    try:
        with socket.create_connection(PROBE, timeout=2):
            return "connected"
    except OSError as error:
        return f"failed: {error}"


def main(mode: str, report_path: str) -> None:
    tun = open_sink()
    packets: list[dict[str, Any]] = []
    stop = threading.Event()
    recorder = threading.Thread(target=record, args=(tun, packets, stop), daemon=True)
    recorder.start()
    links = json.loads(
        subprocess.run(["ip", "-j", "link"], capture_output=True, check=True, text=True).stdout
    )
    report: dict[str, Any] = {"interfaces": sorted(link["ifname"] for link in links)}
    if mode == "deploy":
        deploy = subprocess.run(
            [sys.executable, "scripts/deploy_local.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=NAMESPACE_TIMEOUT_SECONDS - 60,
        )
        report.update(returncode=deploy.returncode, output=deploy.stdout[-3000:] + deploy.stderr[-5000:])
    else:
        report["probe"] = probe()
    stop.set()
    recorder.join()
    report["packets"] = packets
    Path(report_path).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(*sys.argv[1:])
