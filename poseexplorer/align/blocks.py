"""Work on a large matrix in blocks of rows, on 2 threads (numpy's ufuncs, products and partitions release
the GIL, so two threads use the 2 cores the alignment targets)."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

WORKERS = max(1, min(2, os.cpu_count() or 1))


def run_blocks(run: Callable[[int], None], starts: Iterable[int], cells: int) -> None:
    """run(start) for every block start; on WORKERS threads when the matrix is large (>= 1M cells)."""
    if cells < 1_000_000 or WORKERS == 1:
        for start in starts:
            run(start)
    else:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(run, starts))
