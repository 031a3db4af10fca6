"""A per-pose blob column of the library read on demand, a page of rows at a time, with a small LRU cache.

    xy = PagedRows(library_path, "xy", (13, 2), pose_ids)     # pose_ids: (N,) sorted, e.g. PoseColumns
    xy[row]            -> (13, 2) float32
    xy[lo:hi]          -> (hi - lo, 13, 2)
    xy[[r1, r2, ...]]  -> (n, 13, 2)

What the application shows at one time (the current pose, a page of results, a hover) touches a few rows,
so memory is pages x page_size rows however large the library is. Reads use their own read-only
connection; row r of the column is the pose pose_ids[r] (absent blobs read as NaN, or `fill`).
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .connect import connect

_COLUMNS = ("xy", "scores", "world", "landmarks")
#: rows per page unless given
PAGE_ROWS = 1024
#: rows touching more distinct pages than this (and than an eighth of the rows) are read by id, not by page
SPARSE_PAGES = 4


class PagedRows:
    """Rows of one detections blob column for the poses `pose_ids` (sorted ascending), loaded by page."""

    def __init__(self, library_path: str | os.PathLike, column: str, row_shape: tuple[int, ...],
                 pose_ids: np.ndarray, page_size: int | None = None, pages: int = 64, fill: float = np.nan) -> None:
        if column not in _COLUMNS:
            raise ValueError(f"column must be one of {_COLUMNS}, got {column!r}")
        ids = np.asarray(pose_ids)
        if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            raise ValueError("pose_ids must be strictly increasing")
        self._path = Path(library_path).expanduser().absolute()
        self._column, self._row_shape, self._ids = column, tuple(row_shape), ids
        self._page_size = int(PAGE_ROWS if page_size is None else page_size)
        self._pages, self._fill = int(pages), float(fill)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._conn = None

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self._ids), *self._row_shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    @property
    def ndim(self) -> int:
        return 1 + len(self._row_shape)

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            row = int(key) + (len(self) if key < 0 else 0)
            if not 0 <= row < len(self):
                raise IndexError(f"row {key} out of range for {len(self)} poses")
            page = self._page(row // self._page_size)
            return page[row % self._page_size].copy()
        if isinstance(key, slice):
            rows = np.arange(len(self))[key]
        else:
            rows = np.asarray(key)
            if rows.dtype == bool:
                rows = np.flatnonzero(rows)
            rows = np.where(rows < 0, rows + len(self), rows).astype(np.int64)
            if rows.size and (rows.min() < 0 or rows.max() >= len(self)):
                raise IndexError(f"rows out of range for {len(self)} poses")
        pages = np.unique(rows // self._page_size)
        if len(pages) > max(SPARSE_PAGES, len(rows) // 8):
            return self._scattered(rows)
        out = np.empty((len(rows), *self._row_shape), np.float32)
        for p in pages:
            sel = rows // self._page_size == p
            out[sel] = self._page(int(p))[rows[sel] % self._page_size]
        return out

    def __array__(self, dtype=None, copy=None):
        raise TypeError("PagedRows is read a page at a time; index it (rows[i], rows[a:b]) instead of "
                        "converting the whole column")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _scattered(self, rows: np.ndarray) -> np.ndarray:
        """Rows spread over many pages (a page of search results): read by id, no page cached for them."""
        ids, inverse = np.unique(self._ids[rows], return_inverse=True)
        out = np.full((len(ids), *self._row_shape), self._fill, np.float32)
        with self._lock:
            if self._conn is None:
                self._conn = connect(self._path, read_only=True)
            for lo in range(0, len(ids), 500):
                chunk = [int(i) for i in ids[lo:lo + 500]]
                found = self._conn.execute(f"SELECT id, {self._column} FROM detections WHERE id IN "
                                           f"({','.join('?' * len(chunk))})", chunk).fetchall()
                _place(out, ids, found, self._row_shape)
        return out[inverse]

    def _page(self, p: int) -> np.ndarray:
        with self._lock:
            if p in self._cache:
                self._cache.move_to_end(p)
                return self._cache[p]
            ids = self._ids[p * self._page_size:(p + 1) * self._page_size]
            page = np.full((len(ids), *self._row_shape), self._fill, np.float32)
            if len(ids):
                if self._conn is None:
                    self._conn = connect(self._path, read_only=True)
                rows = self._conn.execute(f"SELECT id, {self._column} FROM detections WHERE id BETWEEN ? AND ?",
                                          (int(ids[0]), int(ids[-1]))).fetchall()
                _place(page, ids, rows, self._row_shape)
            self._cache[p] = page
            if len(self._cache) > self._pages:
                self._cache.popitem(last=False)
            return page


def _place(out: np.ndarray, ids: np.ndarray, found: list, row_shape: tuple[int, ...]) -> None:
    """Write the blobs of `found` [(id, blob or None)] into the rows of `out` whose id in `ids` (sorted,
    unique, row-aligned with out) matches; ids not asked for and empty blobs are skipped."""
    found = [(i, b) for i, b in found if b is not None]
    if not found or not len(ids):
        return
    got = np.array([i for i, _ in found], np.int64)
    pos = np.minimum(np.searchsorted(ids, got), len(ids) - 1)
    ok = ids[pos] == got
    data = np.frombuffer(b"".join(b for _, b in found), np.float32).reshape(-1, *row_shape)
    out[pos[ok]] = data[ok]
