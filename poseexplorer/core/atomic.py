"""Writing a file all or nothing: into a temporary file beside it, renamed over the target only once the
write finished, so a full disk, a crash or an error never leaves a truncated file under the real name."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path (same folder, same suffix) to write; on success it replaces `target`, on
    any error it is removed and `target` is left as it was."""
    target = Path(target)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.partial{target.suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
