"""Reading what a child process wrote to a pseudo-terminal (tests that need a real tty)."""

from __future__ import annotations

import os


def read_until_closed(leader: int) -> bytes:
    """Everything written to ``leader``'s pty until the child's side closes; closes ``leader``."""
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks)
