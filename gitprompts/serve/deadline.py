"""Reading a client's socket with an idle timeout and, for the request head, a deadline.

A socket timeout alone drops a client that goes quiet, but not a slowloris
one that sends a byte just before each timeout: its request line and
headers (up to 100 lines of 64 KB) could hold a thread for days. So the
head has a deadline for all of it, checked before each ``recv``; the body
and the response only have the idle timeout, because a clone or a push may
move data for minutes and is never idle that long.

>>> left, right = socket.socketpair()
>>> reader = DeadlineReader(left, idle=5.0)
>>> reader.start_deadline(0.0)
>>> right.sendall(b"GET / HTTP/1.1\\r\\n")
>>> reader.readinto(bytearray(64))
Traceback (most recent call last):
TimeoutError: the request line and headers did not arrive within 0.0 s
>>> left.close(); right.close()
"""

from __future__ import annotations

import io
import socket
import time
from typing import Any


class DeadlineReader(io.RawIOBase):
    """A raw reader over ``sock``: each ``recv`` waits at most ``idle`` seconds, and none
    starts after the deadline (``start_deadline``) while one is set.

    Wrap it in ``io.BufferedReader`` to get the ``rfile`` an HTTP handler reads.

    >>> a, b = socket.socketpair()
    >>> b.sendall(b"hello")
    >>> io.BufferedReader(DeadlineReader(a, idle=1.0)).read(5)
    b'hello'
    >>> a.close(); b.close()
    """

    def __init__(self, sock: socket.socket, idle: float) -> None:
        super().__init__()
        self.sock = sock
        self.idle = idle
        self._deadline: float | None = None
        self._allowed = 0.0

    def start_deadline(self, seconds: float) -> None:
        """From now, everything read must arrive within ``seconds`` (until ``clear_deadline``)."""
        self._allowed = seconds
        self._deadline = time.monotonic() + seconds

    def clear_deadline(self) -> None:
        self._deadline = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        timeout = self.idle
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"the request line and headers did not arrive within {self._allowed} s"
                )
            timeout = min(timeout, left)
        self.sock.settimeout(timeout)
        return self.sock.recv_into(buffer)
