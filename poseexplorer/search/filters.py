"""Query filters over the index rows: media, pose ids, visibility."""
from __future__ import annotations

from typing import Iterable

import numpy as np


def allowed_rows(pose_ids: np.ndarray, media_ids: np.ndarray, visibility: np.ndarray, *,
                 exclude_media: Iterable[int] = (), restrict_media: Iterable[int] | None = None,
                 restrict_pose_ids: Iterable[int] | None = None, exclude_pose_ids: Iterable[int] = (),
                 min_visibility: float = 0.0) -> np.ndarray | None:
    """(N,) bool mask of rows that pass every filter, or None when no filter is set (all rows pass)."""
    mask = None

    def _and(m: np.ndarray) -> None:
        nonlocal mask
        mask = m if mask is None else (mask & m)

    exclude_media = np.asarray(list(exclude_media), np.int64)
    if exclude_media.size == 1:  # the common case (the query's own video): one comparison pass
        _and(media_ids != exclude_media[0])
    elif exclude_media.size:
        _and(~np.isin(media_ids, exclude_media))
    if restrict_media is not None:
        _and(np.isin(media_ids, np.asarray(list(restrict_media), np.int64)))
    if restrict_pose_ids is not None:
        _and(np.isin(pose_ids, np.asarray(list(restrict_pose_ids), np.int64)))
    exclude_pose_ids = np.asarray(list(exclude_pose_ids), np.int64)
    if exclude_pose_ids.size:
        _and(~np.isin(pose_ids, exclude_pose_ids))
    if min_visibility > 0.0:
        _and(visibility >= min_visibility)
    return mask
