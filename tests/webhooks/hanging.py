"""A receiver on 127.0.0.1 that accepts connections, reads the requests and never answers."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable


class HangingReceiver:
    """Counts the connections the sender keeps open (a connection ends when the sender closes it)."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(1024)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._lock = threading.Lock()
        self._open = 0
        self.accepted = 0
        self._conns: list[socket.socket] = []
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def open(self) -> int:
        with self._lock:
            return self._open

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self._open += 1
                self.accepted += 1
                self._conns.append(conn)
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    def _drain(self, conn: socket.socket) -> None:
        """Read and ignore until the sender closes its end; never write a byte."""
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        with self._lock:
            self._open -= 1

    def stop(self) -> None:
        self._stopped = True
        self._sock.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


async def wait_for(condition: Callable[[], bool], within: float) -> bool:
    """Poll `condition` until it holds or `within` seconds pass (no fixed sleeps as sync)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


def established_to(port: int) -> int:
    """TCP connections of this machine (network namespace) in ESTABLISHED state towards `port`:
    the sender's side of the connections to a receiver on that port."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            remote, state = fields[2], fields[3]
            if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count
