"""Syncing followers to a reference across frame rates, headless: sequences, the job, the group export."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.align import MatchParams
from poseexplorer.align.playback import FollowerTrack
from poseexplorer.align.sync_export import FlippedReader, FollowersReader
from poseexplorer.session.sync_jobs import make_sync_job, sequence_from_frames
from poseexplorer.align.video_sync import PoseSequence, align_follower, resampled
from poseexplorer.core.poses import Embedding
from poseexplorer.jobs import Cancelled

PARAMS = MatchParams(2.0, 1.0)


def _trajectory(times: np.ndarray, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    freq, phase = rng.uniform(0.4, 2.0, (3, 6)), rng.uniform(0, 6.3, (3, 6))
    return np.sin(2 * np.pi * freq * np.asarray(times)[:, None, None] + phase).sum(1).astype(np.float32)


def _sequence(times: np.ndarray, fps: float, name: str = "v") -> PoseSequence:
    mean = _trajectory(times)
    return PoseSequence(name, f"/videos/{name}.mp4", fps, Embedding(mean, np.full_like(mean, 0.05)),
                        np.ones(len(mean), bool))


def test_pose_sequence_validates():
    emb = Embedding(np.zeros((4, 3), np.float32), np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match="valid"):
        PoseSequence("v", "p", 30.0, emb, np.ones(3, bool))
    with pytest.raises(ValueError, match="no person"):
        PoseSequence("v", "p", 30.0, emb, np.zeros(4, bool))
    with pytest.raises(ValueError, match="fps"):
        PoseSequence("v", "p", 0.0, emb, np.ones(4, bool))


def test_resampled_picks_the_frame_shown_at_each_time():
    seq = _sequence(np.arange(20) / 20.0, 20.0)
    common, idx = resampled(seq, 30.0)
    assert common.fps == 30.0
    assert common.n_frames == len(idx) == 29
    np.testing.assert_array_equal(common.embedding.mean, seq.embedding.mean[idx])


def test_follower_at_half_the_frame_rate_with_an_offset_is_recovered():
    # reference 30 fps; follower 15 fps starting 0.4 s into the action: follower frame = (t - 0.4) * 15
    ref = _sequence(np.arange(90) / 30.0, 30.0, "ref")
    fol = _sequence(0.4 + np.arange(36) / 15.0, 15.0, "fol")
    sync = align_follower(ref, fol, PARAMS)
    assert sync.sync_map.shape == (90,) and sync.n_frames == 36
    inside = [i for i in range(90) if 0.45 <= i / 30.0 <= 0.4 + 35 / 15.0 - 0.05]
    err = [abs(sync.sync_map[i] - (i / 30.0 - 0.4) * 15.0) for i in inside]
    assert np.median(err) <= 0.5 and max(err) <= 1.5
    assert sync.path[:, 0].max() == 89  # the path is on the reference's frames


def test_sequence_from_frames_embeds_detections_and_their_mirror_images():
    calls = []

    class Recorder:
        a, b = 2.0, 1.0

        def embed(self, xy, scores=None):
            calls.append(np.array(xy))
            mean = np.asarray(xy, np.float32).reshape(len(xy), 26)[:, :4]
            return Embedding(mean, np.full_like(mean, 0.1))

    xy = np.random.default_rng(0).normal(size=(5, 13, 2)).astype(np.float32)
    seq = sequence_from_frames("v", "p", 25.0, 8, np.array([0, 2, 3, 5, 9]), xy, np.ones((5, 13)),
                               np.array([True, True, False, True, True]), Recorder())
    assert seq.n_frames == 8 and seq.valid.tolist() == [1, 0, 1, 0, 0, 1, 0, 0]  # frame 9 is past the end
    np.testing.assert_array_equal(seq.embedding.mean[[0, 2, 5]], xy[[0, 1, 3]].reshape(3, 26)[:, :4])
    assert len(calls) == 2 and np.allclose(calls[1][:, 0, 0], -calls[0][:, 0, 0])  # mirrored: x flipped


def test_sync_job_reports_progress_and_honours_cancel():
    ref = _sequence(np.arange(60) / 30.0, 30.0, "ref")
    fols = [_sequence(0.2 + np.arange(40) / 25.0, 25.0, "f1"), _sequence(np.arange(30) / 20.0, 20.0, "f2")]
    seen = []
    result = make_sync_job([ref, *fols], PARAMS, "")(lambda d, t, m="": seen.append((d, t)), lambda: False)
    assert [f.name for f in result.followers] == ["f1", "f2"]
    assert result.paired_frames().shape == (60, 3)
    assert seen[-1] == (1000, 1000)
    with pytest.raises(Cancelled):
        make_sync_job([ref, *fols], PARAMS, "")(lambda *a: None, lambda: True)
    with pytest.raises(ValueError, match="at least two"):
        make_sync_job([ref], PARAMS, "")


class _Reader:
    """Frames of constant value (frame index) so a composition can be read back."""

    def __init__(self, n: int, size: tuple[int, int], fps: float = 30.0) -> None:
        self.n, self.size, self.fps = n, size, fps

    def __len__(self) -> int:
        return self.n

    def read(self, i: int) -> np.ndarray:
        img = np.full((self.size[1], self.size[0], 3), i, np.uint8)
        img[:, :6] = 255  # a marker on the left edge, to see flips
        return img


def test_followers_reader_places_each_synced_frame_side_by_side():
    readers = [_Reader(10, (40, 20)), _Reader(7, (30, 30))]
    tracks = [FollowerTrack(np.array([0, 1, 2, 3, 5]), 10, 30.0, nudge=1), FollowerTrack(np.arange(5), 7, 25.0)]
    group = FollowersReader([FlippedReader(readers[0], False), FlippedReader(readers[1], True)], tracks, 5, 30.0)
    assert len(group) == 5 and group.size == (40 + 20, 20)  # the second is scaled to height 20
    frame = group.read(4)
    assert frame.shape == (20, 60, 3)
    assert frame[5, 10, 0] == 6 and frame[5, 0, 0] == 255  # sync 5 + nudge 1; marker on the left
    assert frame[5, 45, 0] == 4 and frame[5, 59, 0] == 255  # flipped: the marker moved to the right edge


def test_group_export_cancel_leaves_no_file(tmp_path):
    from poseexplorer.align.sync_export import export_synced_group

    out = tmp_path / "synced.avi"
    tracks = [FollowerTrack(np.arange(30) // 2, 15, 15.0)]
    calls = []

    def cancel_after_ten() -> bool:
        calls.append(1)
        return len(calls) > 10

    with pytest.raises(Cancelled):
        export_synced_group(_Reader(30, (32, 24)), [_Reader(15, (24, 32))], tracks, out, cancel=cancel_after_ten)
    assert not out.exists() and not list(tmp_path.iterdir())  # no half-written file, no temporary left
    path = export_synced_group(_Reader(30, (32, 24)), [_Reader(15, (24, 32))], tracks, out)
    assert path == out and out.stat().st_size > 0


def test_max_drift_keeps_the_path_near_the_straight_line():
    ref = _sequence(np.arange(60) / 30.0, 30.0, "ref")
    fol = _sequence(0.5 + np.arange(40) / 20.0, 20.0, "fol")  # starts 0.5 s late: far off the straight line
    free = align_follower(ref, fol, PARAMS)
    held = align_follower(ref, fol, PARAMS, max_drift_s=0.2)
    ta, tb = free.cost.shape

    def drift(path):  # in seconds at the reference fps, from the line (0, 0) -> (ta-1, tb-1)
        return np.abs(path[:, 1] - path[:, 0] * (tb - 1) / (ta - 1)).max() / 30.0

    assert drift(free.path) > 0.3
    assert drift(held.path) <= 0.2 + 1 / 30.0
