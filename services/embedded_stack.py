"""`rekap up`: the whole stack on one machine, each part its own process, stopped by Ctrl-C.

A nats-server with JetStream under <var_dir>/jetstream, the database migrated (and the master
data loaded on first start), the topology declared, then every service started as
`rekap serve NAME` and restarted if it dies.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

import nats

from services.common.messaging.declare import declare_topology
from services.common.messaging.embedded_server import EmbeddedNats, start_nats_server
from services.common.settings import Settings


@dataclass(frozen=True)
class ServiceProcess:
    name: str
    port: int

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz"


def services_of(settings: Settings) -> list[ServiceProcess]:
    """Every service that exists so far, with the port it serves HTTP (and health) on."""
    return [
        ServiceProcess("ingest", settings.ingest_port),
        ServiceProcess("ocr", settings.ocr_port),
        ServiceProcess("validate", settings.validate_port),
        ServiceProcess("aggregate", settings.aggregate_port),
        ServiceProcess("results", settings.results_port),
    ]


@dataclass
class Supervised:
    service: ServiceProcess
    process: subprocess.Popen
    restarts: int = 0
    started_at: float = field(default_factory=time.monotonic)


class EmbeddedStack:
    def __init__(self, settings: Settings, say=print) -> None:
        self.settings = settings
        self.say = say
        self.log_dir = settings.var_dir / "log"
        self.nats: EmbeddedNats | None = None
        self.children: list[Supervised] = []
        self.env = children_env(settings)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.nats = start_nats_server(
            self.settings.embedded_nats_port,
            self.settings.var_dir / "jetstream",
            log_file=self.log_dir / "nats-server.log",
        )
        self.say(
            f"nats-server      {self.nats.url} (JetStream in {self.settings.var_dir}/jetstream)"
        )
        self.env["REKAP_NATS_URL"] = self.nats.url
        self.settings = self.settings.model_copy(update={"nats_url": self.nats.url})
        asyncio.run(declare_on(self.settings))
        for service in services_of(self.settings):
            self.children.append(Supervised(service, self._spawn(service)))
        for child in self.children:
            wait_until_healthy(child.service, child.process)
            self.say(f"{child.service.name:<16} http://127.0.0.1:{child.service.port} (healthy)")

    def supervise_until_interrupted(self) -> None:
        """Restart a service that dies; return on Ctrl-C (SIGINT) or SIGTERM."""
        stop = False

        def request_stop(*_):
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stop:
            for child in self.children:
                if child.process.poll() is not None:
                    self._restart(child)
            time.sleep(0.5)

    def stop(self) -> None:
        for child in self.children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.process.wait(15)
            except subprocess.TimeoutExpired:
                child.process.kill()
        if self.nats is not None:
            self.nats.stop()
        self.say("stopped: every service and the nats-server")

    def _spawn(self, service: ServiceProcess) -> subprocess.Popen:
        log = (self.log_dir / f"{service.name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", service.name],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _restart(self, child: Supervised) -> None:
        code = child.process.returncode
        quick_crash = time.monotonic() - child.started_at < 5
        self.say(
            f"{child.service.name} exited with status {code}; restarting "
            f"(see {self.log_dir / (child.service.name + '.log')})"
        )
        if quick_crash:
            time.sleep(min(30, 2**child.restarts))
        child.restarts += 1
        child.process = self._spawn(child.service)
        child.started_at = time.monotonic()


def children_env(settings: Settings) -> dict[str, str]:
    """The environment of the services: this one, with the stack's own state where its
    settings say (a database URL or photo folder not set means the one under var_dir)."""
    env = dict(os.environ, REKAP_VAR_DIR=str(settings.var_dir))
    for name, value in (
        ("REKAP_DATABASE_URL", settings.database_url),
        ("REKAP_PHOTO_DIR", settings.photo_dir),
    ):
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


async def declare_on(settings: Settings) -> None:
    connection = await nats.connect(settings.nats_url)
    try:
        await declare_topology(connection.jetstream(), settings)
    finally:
        await connection.close()


def wait_until_healthy(service: ServiceProcess, process: subprocess.Popen, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(service.health_url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{service.name} not healthy at {service.health_url} in {timeout:.0f}s")


def occupied_ports(settings: Settings) -> list[int]:
    """Ports `rekap up` needs that something else (an earlier `rekap up`?) already holds."""
    ports = [settings.embedded_nats_port] + [s.port for s in services_of(settings)]
    return [port for port in ports if _port_in_use(port)]


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
