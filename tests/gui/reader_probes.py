"""Test helpers around media readers: which thread read a frame, whether the reader was closed."""
from __future__ import annotations

import threading


class ThreadRecordingReader:
    """A media reader that records the thread of every read and whether it was closed."""

    def __init__(self, reader) -> None:
        self.reader, self.threads, self.closed = reader, [], False
        self.fps, self.size = getattr(reader, "fps", 0.0), getattr(reader, "size", (0, 0))

    def __len__(self) -> int:
        return len(self.reader)

    def read(self, i: int):
        self.threads.append(threading.get_ident())
        return self.reader.read(i)

    def close(self) -> None:
        self.closed = True
        self.reader.close()

    def reads_in(self, thread_id: int) -> int:
        return self.threads.count(thread_id)
