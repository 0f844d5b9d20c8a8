"""The hubs drill's deployment: a private primary, its standby, the relays standing for the distance, two hubs."""

from __future__ import annotations

import argparse
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.env import PYTHON, ROOT, django_env
from bench.hubs_cluster import Standby, run_quietly
from bench.hubs_relay import RelayProcess
from bench.hubs_traffic import Answer, Hub
from bench.outage_cluster import PrivateCluster, free_port
from bench.server import Gunicorn


def netem_available() -> bool:
    """Whether this kernel has the netem qdisc (probed in a namespace of our own, never on a real interface)."""
    if os.geteuid() != 0 or not (shutil.which("ip") and shutil.which("tc")):
        return False
    namespace = f"hubs-drill-probe-{os.getpid()}"
    if not run_quietly(["ip", "netns", "add", namespace]):
        return False
    try:
        return run_quietly(["ip", "netns", "exec", namespace, "tc", "qdisc", "add", "dev", "lo", "root", "netem"])
    finally:
        run_quietly(["ip", "netns", "del", namespace])


class Deployment:
    """The clusters, relays and hubs of the drill, and how to tear them down."""

    def __init__(self, args: argparse.Namespace, root: Path):
        self.args, self.root = args, root
        self.primary = PrivateCluster(root / "primary", free_port(args.pg_port))
        self.standby: Standby | None = None
        self.relays: list[RelayProcess] = []
        self.servers: dict[str, Gunicorn] = {}
        self.hubs: dict[str, Hub] = {}
        self.answers: list[Answer] = []  # every answer from every hub
        self.api_token = ""

    def relay(self, target: int) -> RelayProcess:
        port = free_port(self.args.relay_port + len(self.relays))
        relay = RelayProcess(port, target, self.args.rtt_ms / 2, PYTHON, ROOT).start()
        self.relays.append(relay)
        return relay

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/registry"

    def start_hubs(self, databases: dict[str, tuple[int, int | None]]) -> None:
        """Start hubs at once (in parallel): ``{name: (database port, replica port or None)}``."""
        servers = {name: self._server(name, *ports) for name, ports in databases.items()}
        self.servers.update(servers)  # stopped on teardown, even if another fails to start
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda server: server.__enter__(), servers.values()))
        for name, server in servers.items():
            self.hubs[name] = Hub(name, server.base_url, self.api_token, self.answers)

    def _server(self, name: str, database_port: int, replica_port: int | None) -> Gunicorn:
        env = django_env(self.url(database_port))
        env["HUB_NAME"] = name
        env.pop("DATABASE_REPLICA_URL", None)
        if replica_port is not None:
            env["DATABASE_REPLICA_URL"] = self.url(replica_port)
        port = free_port(self.args.web_port + (name == "beijing"))
        return Gunicorn("config.wsgi:application", env, self.root / f"{name}.log", "/health", port=port)

    def stop_hubs(self) -> None:
        with ThreadPoolExecutor(max(1, len(self.servers))) as pool:
            list(pool.map(lambda server: server.stop(), self.servers.values()))
        self.servers.clear()
        self.hubs.clear()

    def teardown(self) -> None:
        self.stop_hubs()
        for relay in self.relays:
            relay.stop()
        for cluster in (self.standby, self.primary):
            if cluster is not None:
                cluster.destroy()
