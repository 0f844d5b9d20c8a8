"""A TCP relay on loopback that delays every chunk it forwards: the distance between a hub and the primary.

``python -m bench.hubs_relay --listen 18220 --target 56410 --delay-ms 60`` forwards
connections on 127.0.0.1:18220 to 127.0.0.1:56410. While the distance is on, each chunk is
delivered ``delay`` after it arrived, in order, in each direction, so a round trip costs
2 x delay more; bandwidth is not limited. It starts with the distance off; SIGUSR1 turns it
on, SIGUSR2 off. It prints ``ready`` once it listens. (The drill uses this rather than
``tc netem``, which this kernel lacks and which would delay a whole interface.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
from pathlib import Path

HOST = "127.0.0.1"
CHUNK = 65536


class Relay:
    def __init__(self, target_port: int, delay_s: float):
        self.target_port, self.delay_s, self.on = target_port, delay_s, False

    def delay(self) -> float:
        return self.delay_s if self.on else 0.0

    async def handle(self, client_reader, client_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(HOST, self.target_port)
        except OSError:
            client_writer.close()  # the target is down: the client sees the connection closed at once
            return
        with contextlib.suppress(asyncio.CancelledError):  # the relay is stopping
            await asyncio.gather(
                self.pipe(client_reader, server_writer), self.pipe(server_reader, client_writer), return_exceptions=True
            )

    async def pipe(self, reader, writer) -> None:
        """Copy one direction, each chunk released ``delay`` after it arrived."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    break
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(CHUNK):
                queue.put_nowait((loop.time() + self.delay(), data))
        except OSError:
            pass
        queue.put_nowait((loop.time() + self.delay(), None))
        with contextlib.suppress(OSError):
            await sender
        writer.close()


class RelayProcess:
    """The relay as a child process: ``start()``, ``far()``/``near()``, ``stop()``."""

    def __init__(self, listen: int, target: int, delay_ms: float, python: str, cwd: Path):
        self.listen, self.target, self.delay_ms = listen, target, delay_ms
        self.command = [python, "-m", "bench.hubs_relay", "--listen", str(listen), "--target", str(target)]
        self.command += ["--delay-ms", str(delay_ms)]
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def start(self) -> RelayProcess:
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the relay on {self.listen} did not start")
        return self

    def far(self) -> None:
        self.process.send_signal(signal.SIGUSR1)

    def near(self) -> None:
        self.process.send_signal(signal.SIGUSR2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def serve(args) -> None:
    relay = Relay(args.target, args.delay_ms / 1000)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: setattr(relay, "on", True))
    loop.add_signal_handler(signal.SIGUSR2, lambda: setattr(relay, "on", False))
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    server = await asyncio.start_server(relay.handle, HOST, args.listen)
    print("ready", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.hubs_relay", description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=int, required=True, help="Port to listen on (127.0.0.1).")
    parser.add_argument("--target", type=int, required=True, help="Port to forward to (127.0.0.1).")
    parser.add_argument("--delay-ms", type=float, default=60.0, help="One-way delay while the distance is on.")
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
