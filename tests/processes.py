"""Real processes for delivery tests: service workers as subprocesses, and a TCP
proxy the test controls to cut the broker without stopping the machine's RabbitMQ."""
from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path


def start_worker(package: str, env: dict[str, str], log_path: Path, module: str = "worker") -> subprocess.Popen:
    log = open(log_path, "ab")
    return subprocess.Popen([sys.executable, "-m", f"{package}.{module}"], env={**os.environ, **env},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen, timeout: float = 15) -> int:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@contextmanager
def workers(specs: list[tuple[str, dict[str, str]]], log_dir: Path):
    processes = [start_worker(package, env, log_dir / f"{package}.log") for package, env in specs]
    try:
        yield processes
    finally:
        for process in processes:
            stop(process)


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops every connection and
    refuses new ones until `restore()`."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket):
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 0.5)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            return
        finally:
            for sock in (a, b):
                try:
                    sock.close()
                except OSError:
                    pass

    def cut(self):
        self._open.clear()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                except OSError:
                    pass

    def restore(self):
        self._open.set()

    def close(self):
        self._closed = True
        self.cut()
        self._listener.close()


def queue_depth(settings, queue_name: str) -> int:
    """Messages waiting in a queue (ready ones; in-flight ones count on the embedded bus too)."""
    from shared import bus
    if bus.is_amqp(settings):
        with bus.connect(settings) as connection:
            _, count, _ = connection.default_channel.queue_declare(queue=queue_name, passive=True)
            return count
    folder = settings.bus_folder
    suffix = f".{queue_name}.msg"
    names = [p.name for p in (folder / "data").iterdir()]
    names += [p.name for d in (folder / "inflight").glob("*") for p in d.iterdir()]
    return sum(1 for n in names if n.partition(".")[2] == suffix[1:])
