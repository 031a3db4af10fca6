"""An immutable in-memory copy of the library: plain arrays, numpy only.

Built by a job (session.library_jobs.snapshot_job) after every import or model switch, then handed to the
Session whole, so readers (the GUI's panels among them) see consistent arrays without touching SQLite.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: a library larger than the scatter's sample (search.pca.SCATTER_LIMIT) ranks ambiguity within that fixed
#: uniform sample (a percentile then errs by about 0.2 points), so no panel sorts or scans every pose
#: how many of the most and of the least ambiguous poses `warm` finds
EXTREMES = 100
#: the median sigma is taken over this many poses
MEDIAN_SAMPLE = 8192
CHUNK = 1 << 20

@dataclass(frozen=True)
class MediaRow:
    """What the application shows for one media file."""

    media_id: int
    name: str
    path: str
    kind: str = "video"          # "video" | "images" | "keypoints"
    n_frames: int = 0
    fps: float = 0.0
    size: tuple[int, int] = (0, 0)
    status: str = ""             # "pending" | "indexing" | "done" | "error" | "cancelled"
    error: str = ""
    n_poses: int = -1            # from the library; -1 when unknown


def ambiguity_scores(stddev: np.ndarray) -> np.ndarray:
    """One ambiguity score per pose: the mean of the embedding's per-dimension sigma. (N, D) -> (N,)."""
    stddev = np.asarray(stddev, dtype=np.float64)
    if stddev.ndim != 2:
        raise ValueError(f"stddev must have shape (N, D), got {stddev.shape}")
    if stddev.shape[1] == 0:
        return np.zeros(len(stddev))
    return stddev.mean(axis=1)


def percentile_of(scores: np.ndarray, value: float) -> float:
    """Percentage of `scores` that are <= value (0..100); 0 for an empty library."""
    scores = np.asarray(scores)
    if scores.size == 0:
        return 0.0
    return float(100.0 * np.count_nonzero(scores <= value) / scores.size)


@dataclass(frozen=True)
class LibrarySnapshot:
    """All poses of the library as arrays, row-aligned.

    pose_ids, media_ids, frames: (N,) int64; xy: (N, 13, 2) float32 image coords; scores: (N, 13);
    world: (N, 33, 3) float32 MediaPipe world landmarks (NaN where unknown) or None;
    mean, stddev: (N, D) float32 embeddings of the current model, or None before embedding;
    visibility, amb: optional precomputed (N,) mean keypoint score and ambiguity.
    A large library gives memory-mapped columns and paged xy/scores/world (library.columns, library.paged):
    lookups here are binary searches and per-media indexes built on first use, never per-pose Python dicts.
    """

    media: tuple[MediaRow, ...]
    pose_ids: np.ndarray
    media_ids: np.ndarray
    frames: np.ndarray
    xy: np.ndarray
    scores: np.ndarray
    world: np.ndarray | None = None
    mean: np.ndarray | None = None
    stddev: np.ndarray | None = None
    model_key: str = ""
    visibility: np.ndarray | None = None
    amb: np.ndarray | None = None
    #: a folder that holds files derived from these embeddings only (a large library's column set, replaced
    #: whole when the library changes): the search index keeps its scan rows there; "" = none
    store: str = ""
    _sorter: list = field(default_factory=list, repr=False, compare=False)
    _by_media: dict = field(default_factory=dict, repr=False, compare=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.pose_ids)
        for name in ("media_ids", "frames", "xy", "scores"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"LibrarySnapshot.{name} has {len(getattr(self, name))} rows, expected {n}")
        if np.shape(self.xy)[1:] != (13, 2):
            raise ValueError(f"LibrarySnapshot.xy must be (N, 13, 2), got {np.shape(self.xy)}")
        for name in ("world", "mean", "stddev", "visibility", "amb"):
            arr = getattr(self, name)
            if arr is not None and len(arr) != n:
                raise ValueError(f"LibrarySnapshot.{name} has {len(arr)} rows, expected {n}")
        ids = self.pose_ids
        increasing = n < 2 or bool(np.all(ids[1:] > ids[:-1]))
        self._sorter.append(None if increasing else np.argsort(ids, kind="stable"))

    @staticmethod
    def empty() -> "LibrarySnapshot":
        z = np.zeros(0, dtype=np.int64)
        return LibrarySnapshot((), z, z, z, np.zeros((0, 13, 2), np.float32), np.zeros((0, 13), np.float32))

    def __len__(self) -> int:
        return len(self.pose_ids)

    @property
    def media_by_id(self) -> dict[int, MediaRow]:
        """{media id: MediaRow} (built once: result lists look a media up per row; do not modify it)."""
        if "media" not in self._cache:
            self._cache["media"] = {m.media_id: m for m in self.media}
        return self._cache["media"]

    @property
    def has_embeddings(self) -> bool:
        return self.mean is not None and len(self.mean) == len(self)

    def row_of(self, pose_id: int) -> int:
        """Row index of a pose id, -1 when absent."""
        return int(self.rows_of(np.array([pose_id]))[0])

    def rows_of(self, pose_ids: np.ndarray) -> np.ndarray:
        """Row index of each pose id, -1 where absent."""
        ids = np.asarray(pose_ids, dtype=np.int64).reshape(-1)
        if len(self) == 0:
            return np.full(len(ids), -1, np.int64)
        sorter = self._sorter[0]
        pos = np.minimum(np.searchsorted(self.pose_ids, ids, sorter=sorter), len(self) - 1)
        rows = pos if sorter is None else sorter[pos]
        return np.where(np.asarray(self.pose_ids[rows]) == ids, rows, -1).astype(np.int64)

    def _media_frames(self, media_id: int) -> tuple[np.ndarray, np.ndarray]:
        """(frames sorted, their rows) of one media; the first row of a frame comes first. Cached."""
        key = int(media_id)
        if key not in self._by_media:
            rows = np.flatnonzero(np.asarray(self.media_ids) == key)
            order = np.argsort(np.asarray(self.frames[rows]), kind="stable")
            self._by_media[key] = (np.asarray(self.frames[rows])[order], rows[order])
        return self._by_media[key]

    def pose_at(self, media_id: int, frame: int) -> int:
        """The pose id detected in that frame (its first row), -1 when none."""
        frames, rows = self._media_frames(media_id)
        i = int(np.searchsorted(frames, int(frame)))
        return int(self.pose_ids[rows[i]]) if i < len(frames) and frames[i] == frame else -1

    def frames_of(self, media_id: int) -> np.ndarray:
        """Frame indices with a pose in the given media, sorted."""
        return self._media_frames(media_id)[0].copy()

    def ambiguity(self) -> np.ndarray:
        """(N,) ambiguity score per pose; empty when there are no embeddings."""
        if not self.has_embeddings:
            return np.zeros(0)
        if self.amb is not None:
            return self.amb
        if "amb" not in self._cache:
            self._cache["amb"] = ambiguity_scores(self.stddev)
        return self._cache["amb"]

    def warm(self) -> "LibrarySnapshot":
        """Compute what the panels read from every pose (plot sample, ambiguity ranks and extremes, median
        sigma) now, in the thread that built the snapshot, so the GUI thread never scans the library."""
        self.media_by_id
        self.pose_counts()
        if self.has_embeddings:    # the plot and the ranks need embeddings (and display_rows imports search)
            self.display_rows()
            self._ranks()
            self.ambiguity_extremes(EXTREMES, most=True)
            self.ambiguity_extremes(EXTREMES, most=False)
            self.median_stddev()
        return self

    def pose_counts(self) -> dict[int, int]:
        """{media id: poses}: the media rows' counts when they all carry one (a large library's do), else
        counted from media_ids."""
        if "counts" not in self._cache:
            if all(m.n_poses >= 0 for m in self.media):
                counts = {m.media_id: m.n_poses for m in self.media}
            else:
                ids, n = np.unique(np.asarray(self.media_ids), return_counts=True)
                counts = dict(zip(ids.tolist(), n.tolist()))
            self._cache["counts"] = counts
        return self._cache["counts"]

    def display_rows(self) -> np.ndarray:
        """Rows a plot draws: all, or a fixed uniform sample of a large library (search.display_rows)."""
        from ..search.pca import display_rows

        if "display" not in self._cache:
            self._cache["display"] = display_rows(len(self))
        return self._cache["display"]

    def _ranks(self) -> np.ndarray:
        """Sorted ambiguity of the poses in display_rows() (all of a library up to the scatter's limit)."""
        if "ranks" not in self._cache:
            self._cache["ranks"] = np.sort(np.asarray(self.ambiguity()[self.display_rows()], dtype=np.float64))
        return self._cache["ranks"]

    def ambiguity_percentile(self, row: int) -> float:
        """percentile_of(ambiguity(), ambiguity()[row]): exact up to the scatter's limit, else within its sample."""
        ranks = self._ranks()
        if ranks.size == 0 or not 0 <= row < len(self):
            return 0.0
        value = float(np.asarray(self.ambiguity()[row], dtype=np.float64))
        return float(100.0 * np.searchsorted(ranks, value, side="right") / ranks.size)

    def ambiguity_extremes(self, count: int, most: bool = True) -> np.ndarray:
        """Rows of the `count` most (most=True) or least ambiguous poses, in that order (one O(N) partition of
        the whole column, kept for later calls asking no more rows)."""
        key = "most" if most else "least"
        cached = self._cache.get(key)
        if cached is None or len(cached) < min(count, len(self)):
            amb = self.ambiguity()
            m = min(max(count, EXTREMES), len(amb))
            picked = []                      # the m best of each chunk hold the m best overall; memory stays flat
            for lo in range(0, len(amb), CHUNK):
                keyed = np.asarray(amb[lo:lo + CHUNK], np.float32) * (-1 if most else 1)
                part = np.argpartition(keyed, m - 1)[:m] if m < len(keyed) else np.arange(len(keyed))
                picked.append(part.astype(np.int64) + lo)
            rows = np.concatenate(picked) if picked else np.zeros(0, np.int64)
            keyed = np.asarray(amb[rows], np.float32) * (-1 if most else 1)
            cached = rows[np.lexsort((rows, keyed))][:m]    # ties: the lower row first
            self._cache[key] = cached
        return cached[:count]

    def median_stddev(self) -> np.ndarray:
        """(D,) median sigma per embedding dimension over MEDIAN_SAMPLE poses spread over the library (all
        of a smaller one); empty without embeddings."""
        if not self.has_embeddings:
            return np.zeros(0)
        if "median" not in self._cache:
            n, block = len(self), 128
            if n <= MEDIAN_SAMPLE:
                rows = np.arange(n)
            else:   # 64 evenly spaced runs of rows: scattered rows of a memory-mapped column each map a
                    # 64 KB stretch of it (the kernel's fault-around), 600 MB for 8,192 rows of 10^7
                starts = np.linspace(0, n - block, MEDIAN_SAMPLE // block).astype(np.int64)
                rows = (starts[:, None] + np.arange(block)).ravel()
            self._cache["median"] = np.median(np.asarray(self.stddev[rows]), axis=0)
        return self._cache["median"]

    def mean_visibility(self) -> np.ndarray:
        """(N,) mean keypoint score per pose (the search's min_visibility filter)."""
        if self.visibility is not None:
            return np.asarray(self.visibility)
        return np.asarray(self.scores).mean(axis=1)

    def media_name(self, media_id: int) -> str:
        row = self.media_by_id.get(int(media_id))
        return row.name if row else f"media {media_id}"
