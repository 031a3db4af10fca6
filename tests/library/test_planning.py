"""Small pure parts of the index planning: missing frame runs, segments, content hashes."""
from __future__ import annotations

import os

import numpy as np

from poseexplorer.library.changes import fingerprints
from poseexplorer.library.hashing import SAMPLE, file_hash, folder_hash
from poseexplorer.library.planning import MediaJob, interleave_lanes, missing_runs, segments_for
from poseexplorer.library.tables import MediaInfo


def test_missing_runs_match_a_slow_loop():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(0, 40))
        done = np.unique(rng.integers(-2, 45, int(rng.integers(0, 40))))
        slow, start = [], None
        for i in range(n + 1):
            missing = i < n and i not in set(done.tolist())
            if missing and start is None:
                start = i
            if not missing and start is not None:
                slow.append((start, i))
                start = None
        assert missing_runs(n, done) == slow


def _video(frames: int) -> MediaJob:
    return MediaJob(0, MediaInfo(1, "/v.mp4", "v.mp4", "video", 30.0, 64, 48, frames, "pending", None, 0))


def test_video_segments_cover_the_missing_frames_and_run_to_the_end(monkeypatch):
    monkeypatch.setattr("poseexplorer.library.planning.VIDEO_SEGMENT", 10)
    segs = list(segments_for(_video(35), np.array([0, 1, 2, 12, 13]), "d"))
    assert [(s.start, s.stop) for s in segs] == [(3, 12), (14, 24), (24, 34), (34, None)]
    # everything up to the container's estimate is done: still look past it
    segs = list(segments_for(_video(5), np.arange(5), "d"))
    assert [(s.start, s.stop) for s in segs] == [(5, None)]
    segs = list(segments_for(_video(20), np.array([19]), "d"))
    assert [(s.start, s.stop) for s in segs] == [(0, 10), (10, 19), (20, None)]


def test_interleave_lanes_matches_a_slow_loop():
    for n in range(12):
        for lanes in range(1, 5):
            k = min(lanes, max(1, n))
            sizes = [n // k + (i < n % k) for i in range(k)]
            starts = [sum(sizes[:i]) for i in range(k)]
            slow = []
            for j in range(max(sizes, default=0)):
                slow += [starts[i] + j for i in range(k) if j < sizes[i]]
            assert interleave_lanes(list(range(n)), lanes) == slow


def test_video_lanes_hand_out_the_same_segments_round_robin(monkeypatch):
    monkeypatch.setattr("poseexplorer.library.planning.VIDEO_SEGMENT", 10)
    done = np.array([0, 1, 2, 12, 13])
    plain = list(segments_for(_video(95), done, "d"))
    laned = list(segments_for(_video(95), done, "d", lanes=2))
    assert sorted(laned, key=lambda s: s.start) == plain and laned != plain
    assert [s.start for s in laned[:4]] == [3, 54, 14, 64]   # each lane's next segment continues it


def test_hashes_follow_content_not_names(tmp_path):
    data = np.random.default_rng(1).integers(0, 256, 5 * SAMPLE, dtype=np.uint8).tobytes()
    a, b = tmp_path / "a.mp4", tmp_path / "renamed.mp4"
    a.write_bytes(data)
    b.write_bytes(data)
    assert file_hash(a) == file_hash(b)
    for pos in (10, len(data) // 2, len(data) - 10):     # start, middle and end samples all count
        changed = bytearray(data)
        changed[pos] ^= 0xFF
        b.write_bytes(bytes(changed))
        assert file_hash(b) != file_hash(a)
    b.write_bytes(data + b"x")
    assert file_hash(b) != file_hash(a)
    (tmp_path / "f1").mkdir()
    (tmp_path / "f1" / "x.png").write_bytes(b"123")
    h = folder_hash(fingerprints(tmp_path / "f1", ["x.png"]))
    assert h == folder_hash(fingerprints(tmp_path / "f1", ["x.png"]))
    assert h != folder_hash(fingerprints(tmp_path / "f1", ["y.png"]))
    os.utime(tmp_path / "f1" / "x.png", ns=(0, 10**9))   # same name and size, replaced: another mtime
    assert h != folder_hash(fingerprints(tmp_path / "f1", ["x.png"]))
