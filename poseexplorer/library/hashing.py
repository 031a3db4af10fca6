"""Fast content hashes that recognise a file (or image folder) after it moved or was renamed.

A file's hash is sha256 over its size and three 1 MiB samples (start, middle, end): reading 3 MiB
instead of gigabytes, and still different for any two real videos. A folder's hash is sha256 over the
(name, size, mtime) of the media files it holds ("d2"), so a moved or renamed folder is recognised (a move
keeps mtimes), and adding or replacing an image, even by one of the same size, changes the hash. "d1"
hashes (names and sizes only) of older libraries are still recognised (legacy_folder_hash).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

SAMPLE = 1 << 20


def file_hash(path: str | os.PathLike) -> str:
    """"f1:<sha256>" of size + first, middle and last MiB. OSError if unreadable."""
    path = Path(path)
    size = path.stat().st_size
    h = hashlib.sha256(f"size={size};".encode())
    with open(path, "rb") as fh:
        for offset in sorted({0, max(0, size // 2 - SAMPLE // 2), max(0, size - SAMPLE)}):
            fh.seek(offset)
            h.update(fh.read(SAMPLE))
    return "f1:" + h.hexdigest()


def folder_hash(prints) -> str:
    """"d2:<sha256>" of the folder's (name, size, mtime_ns) fingerprints, in order."""
    h = hashlib.sha256()
    for name, size, mtime in prints:
        h.update(f"{name}\x00{size}\x00{mtime}\x00".encode("utf-8", "surrogateescape"))
    return "d2:" + h.hexdigest()


def legacy_folder_hash(path: str | os.PathLike, names: list[str]) -> str:
    """"d1:<sha256>" of the given file names (in order) and their sizes (libraries before mtimes)."""
    h = hashlib.sha256()
    for name in names:
        try:
            size = os.stat(os.path.join(path, name)).st_size
        except OSError:
            size = -1
        h.update(f"{name}\x00{size}\x00".encode("utf-8", "surrogateescape"))
    return "d1:" + h.hexdigest()
