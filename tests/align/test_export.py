"""Synced side-by-side export: frame count, pairing by content, overlay, cancel, clear errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from poseexplorer.align.export import ExportError, export_synced_video  # noqa: E402
from poseexplorer.jobs import Cancelled  # noqa: E402


class ListReader:
    """A tiny reader with open_media's interface, from sequential cv2.VideoCapture reads."""

    def __init__(self, path: Path) -> None:
        cap = cv2.VideoCapture(str(path))
        self.fps = float(cap.get(cv2.CAP_PROP_FPS))
        self.frames = []
        ok, bgr = cap.read()
        while ok:
            self.frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            ok, bgr = cap.read()
        cap.release()
        h, w = self.frames[0].shape[:2]
        self.size = (w, h)
        self.reads = 0

    def __len__(self) -> int:
        return len(self.frames)

    def read(self, index: int) -> np.ndarray:
        self.reads += 1
        return self.frames[index]


def grey_video(path: Path, n: int, size: tuple[int, int], fps: float, step: int) -> Path:
    """Frame i is a flat grey of level 10 + step * i, so its index can be read back from the pixels."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for i in range(n):
        writer.write(np.full((h, w, 3), 10 + step * i, np.uint8))
    writer.release()
    return path


def read_all(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out = []
    ok, bgr = cap.read()
    while ok:
        out.append(bgr[..., ::-1])
        ok, bgr = cap.read()
    cap.release()
    return out


@pytest.fixture()
def readers(tmp_path):
    a = ListReader(grey_video(tmp_path / "a.avi", 24, (64, 48), 10.0, 9))
    b = ListReader(grey_video(tmp_path / "b.avi", 30, (80, 40), 15.0, 8))
    return a, b


@pytest.mark.parametrize("suffix", [".mp4", ".avi"])
def test_export_pairs_a_frames_with_synced_b_frames(tmp_path, readers, suffix):
    a, b = readers
    sync = np.clip((np.arange(24) * 1.2).astype(int) + 1, 0, 29)
    calls = []
    out = export_synced_video(a, b, sync, tmp_path / f"synced{suffix}",
                              progress=lambda d, t, m="": calls.append((d, t)))
    frames = read_all(out)
    assert len(frames) == 24
    assert frames[0].shape == (48, 64 + 96, 3)  # B scaled to A's height: 80 x 40 -> 96 x 48
    for i in (0, 7, 15, 23):
        left = frames[i][8:40, 8:56].mean()
        right = frames[i][8:40, 64 + 8:64 + 88].mean()
        assert abs(left - (10 + 9 * i)) < 4, (i, left)
        assert abs(right - (10 + 8 * sync[i])) < 4, (i, right)
    assert calls[-1] == (24, 24)
    assert b.reads == len(np.unique(sync))  # each B frame read once
    assert not list(tmp_path.glob(".export-*"))


def test_skeleton_overlay_is_drawn(tmp_path, readers):
    a, b = readers
    xy_a = np.tile(np.linspace([10, 5], [50, 40], 13, dtype=np.float32), (24, 1, 1))
    xy_b = np.full((30, 13, 2), np.nan, np.float32)  # no person in B: nothing drawn there
    sync = np.arange(24)
    plain = read_all(export_synced_video(a, b, sync, tmp_path / "plain.avi"))
    drawn = read_all(export_synced_video(a, b, sync, tmp_path / "drawn.avi", overlay=(xy_a, xy_b)))
    diff = np.abs(drawn[5].astype(int) - plain[5].astype(int)).sum(-1)
    assert diff[:, :64].max() > 100 and diff[:, 64:].max() < 40
    seen = []
    export_synced_video(a, b, sync, tmp_path / "fn.avi", overlay=lambda side, i, rgb: seen.append((side, i)) or rgb)
    assert ("a", 3) in seen and ("b", 3) in seen


def test_cancel_stops_and_leaves_no_file(tmp_path, readers):
    a, b = readers
    polls = iter(range(1000))
    with pytest.raises(Cancelled):
        export_synced_video(a, b, np.arange(24), tmp_path / "x.mp4", cancel=lambda: next(polls) >= 5)
    assert not (tmp_path / "x.mp4").exists()
    assert not list(tmp_path.glob(".export-*"))


def test_existing_file_survives_a_cancelled_export(tmp_path, readers):
    a, b = readers
    target = tmp_path / "keep.avi"
    target.write_bytes(b"precious")
    with pytest.raises(Cancelled):
        export_synced_video(a, b, np.arange(24), target, cancel=lambda: True)
    assert target.read_bytes() == b"precious"


def test_unwritable_targets_fail_clearly(tmp_path, readers):
    a, b = readers
    with pytest.raises(ExportError, match="does not exist"):
        export_synced_video(a, b, np.arange(24), tmp_path / "missing" / "x.mp4")
    with pytest.raises(ExportError, match="unknown video type"):
        export_synced_video(a, b, np.arange(24), tmp_path / "x.txt")
    (tmp_path / "dir.mp4").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        export_synced_video(a, b, np.arange(24), tmp_path / "dir.mp4")
    with pytest.raises(ValueError, match="sync_map"):
        export_synced_video(a, b, np.arange(23), tmp_path / "x.mp4")
    with pytest.raises(ValueError, match="outside"):
        export_synced_video(a, b, np.full(24, 30), tmp_path / "x.mp4")


def test_export_with_the_library_media_readers(tmp_path):
    io = pytest.importorskip("poseexplorer.io")
    try:
        open_media = io.open_media
    except AttributeError:
        pytest.skip("poseexplorer.io.open_media is not there yet")
    a = open_media(grey_video(tmp_path / "a.avi", 12, (64, 48), 10.0, 15))
    b = open_media(grey_video(tmp_path / "b.avi", 9, (48, 64), 25.0, 20))
    try:
        sync = np.array([0, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 8])
        frames = read_all(export_synced_video(a, b, sync, tmp_path / "out.mp4"))
    finally:
        a.close()
        b.close()
    assert len(frames) == 12 and frames[0].shape == (48, 64 + 36, 3)
    for i in (1, 6, 11):
        assert abs(frames[i][10:38, 74:90].mean() - (10 + 20 * sync[i])) < 4
