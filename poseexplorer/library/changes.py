"""A known path whose content changed: keep the user's data (the media row, so its tags and sync pairs),
and drop only the detections that no longer describe the file.

- A video or keypoint file that changed is detected (read) again as a whole; its media id stays.
- An image folder keeps each image's fingerprint (name, size, mtime) in `media_files`. When the folder
  changed, detections of images whose fingerprint is unchanged move to the image's new position (their
  embeddings follow, being keyed by detection id); only new or changed images are detected again.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Sequence

from .store import Library

Fingerprint = tuple[str, int, int]   # (file name, size in bytes, mtime in ns)


def fingerprints(folder: str | os.PathLike, names: Sequence[str]) -> list[Fingerprint]:
    """(name, size, mtime_ns) of each image in the folder; (-1, -1) for one that cannot be stat'ed."""
    out = []
    for name in names:
        try:
            st = os.stat(os.path.join(folder, name))
            out.append((name, int(st.st_size), int(st.st_mtime_ns)))
        except OSError:
            out.append((name, -1, -1))
    return out


def stored_fingerprints(lib: Library, media_id: int) -> list[Fingerprint] | None:
    """The fingerprints saved when the folder was last indexed (None for folders indexed before they were
    kept, or a read-only library of an older schema)."""
    try:
        rows = lib._query("SELECT name, size, mtime_ns FROM media_files WHERE media_id = ? ORDER BY frame_index",
                          (media_id,))
    except Exception:  # noqa: BLE001 - no such table in a read-only library of an older schema
        return None
    return [(str(n), int(s), int(m)) for n, s, m in rows] or None


def save_fingerprints(lib: Library, media_id: int, prints: Sequence[Fingerprint]) -> None:
    with lib._tx() as c:
        c.execute("DELETE FROM media_files WHERE media_id = ?", (media_id,))
        c.executemany("INSERT INTO media_files(media_id, frame_index, name, size, mtime_ns) VALUES (?,?,?,?,?)",
                      [(media_id, i, n, s, m) for i, (n, s, m) in enumerate(prints)])


def kept_positions(old: Sequence[Fingerprint], new: Sequence[Fingerprint]) -> dict[int, int]:
    """{old frame index: new frame index} for images whose fingerprint is unchanged (unreadable ones never)."""
    where = {fp: i for i, fp in enumerate(old) if fp[1] >= 0}
    return {where[fp]: j for j, fp in enumerate(new) if fp in where}


def replace_content(lib: Library, media_id: int, content_hash: str, keep: dict[int, int], **fields) -> int:
    """In one transaction: detections listed in `keep` move to their new frame index, all others are
    deleted (with their embeddings); the media row gets the new hash, `fields` and status 'pending'.
    Tags and sync pairs are untouched. Returns the number of detections kept."""
    with lib._tx() as c:
        c.executemany("UPDATE detections SET frame_index = ? WHERE media_id = ? AND frame_index = ?",
                      [(-1 - new, media_id, old) for old, new in keep.items()])
        c.execute("DELETE FROM detections WHERE media_id = ? AND frame_index >= 0", (media_id,))
        c.execute("UPDATE detections SET frame_index = -1 - frame_index WHERE media_id = ?", (media_id,))
        cols = dict(fields, content_hash=content_hash, status="pending", error=None, updated=time.time())
        c.execute(f"UPDATE media SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ?", (*cols.values(), media_id))
    return len(keep)


def refresh_changed_folder(lib: Library, media_id: int, folder: Path, content_hash: str,
                           prints: list[Fingerprint]) -> str:
    """Re-index plan for a changed image folder; returns the note for the report."""
    old = stored_fingerprints(lib, media_id)
    keep = kept_positions(old, prints) if old else {}
    replace_content(lib, media_id, content_hash, keep, frames=len(prints))
    save_fingerprints(lib, media_id, prints)
    changed = len(prints) - len(keep)
    return (f"the folder changed since it was indexed: {changed} of {len(prints)} images are new or changed and "
            "are detected again; tags and sync pairs kept")
