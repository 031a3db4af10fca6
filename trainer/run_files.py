"""The files of a training run, read and written safely.

- load_tensors(path): a checkpoint through torch.load(weights_only=True). A file that holds anything but
  tensors and plain containers (a pickled object, possibly code) is refused with a message that does
  not repeat torch's suggestion to retry with weights_only=False (which would run that code).
- save_atomic(obj, path): torch.save to a temporary file in the same folder, then rename, so a crash or
  a full disk never leaves a truncated checkpoint where a good one was.
- prepared_cache_path(folder): the cache file of a prepared folder of clips, keyed on the folder's path
  and on the names, sizes and mtimes of its files, so adding or changing a clip prepares again.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

import torch


class CheckpointError(Exception):
    """A checkpoint that cannot be read safely; the message names the file."""


def load_tensors(path: Path) -> dict:
    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint at {path}") from None
    except pickle.UnpicklingError:
        raise CheckpointError(f"{path}: refused: the file holds pickled Python objects, not only tensors; it was "
                              "not written by this trainer and loading it could run code from it") from None
    except Exception as exc:  # noqa: BLE001 - truncated zip, wrong format, ...
        raise CheckpointError(f"{path}: unreadable checkpoint ({type(exc).__name__}: {str(exc)[:200]})") from None


def save_atomic(obj, path: Path) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def prepared_cache_path(folder: Path, root: Path = Path("runs") / "_prepared") -> Path:
    folder = Path(folder).resolve()
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            try:
                st = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), folder)
            h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
    stem = folder.as_posix().strip("/").replace("/", "_")
    return root / f"{stem}.{h.hexdigest()[:16]}.npz"
