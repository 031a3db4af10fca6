"""The LibrarySnapshot and media_to_open, headless, each checked against a slow obvious version."""
import numpy as np
import pytest

from poseexplorer.session import LibrarySnapshot, MediaRow, ambiguity_scores, media_to_open, percentile_of


def _snapshot(n=12, d=4, seed=0):
    rng = np.random.default_rng(seed)
    media = (MediaRow(1, "a", "/a"), MediaRow(2, "b", "/b"))
    pose_ids = np.arange(100, 100 + n, dtype=np.int64)
    media_ids = np.where(np.arange(n) < n // 2, 1, 2).astype(np.int64)
    frames = np.arange(n, dtype=np.int64) % (n // 2)
    xy = rng.normal(size=(n, 13, 2)).astype(np.float32)
    scores = rng.uniform(size=(n, 13)).astype(np.float32)
    std = rng.uniform(0.1, 1.0, size=(n, d)).astype(np.float32)
    return LibrarySnapshot(media, pose_ids, media_ids, frames, xy, scores, None, std * 0, std)


def test_snapshot_lookups_match_a_scan():
    snap = _snapshot()
    for i, pid in enumerate(snap.pose_ids):
        assert snap.row_of(pid) == i
        m, f = snap.media_ids[i], snap.frames[i]
        scan = [p for p, mm, ff in zip(snap.pose_ids, snap.media_ids, snap.frames) if mm == m and ff == f]
        assert snap.pose_at(m, f) == scan[0]
    assert snap.row_of(5) == -1 and snap.pose_at(1, 999) == -1
    assert list(snap.frames_of(2)) == sorted(snap.frames[snap.media_ids == 2])


def test_snapshot_rejects_mismatched_rows():
    snap = _snapshot()
    with pytest.raises(ValueError, match="frames"):
        LibrarySnapshot(snap.media, snap.pose_ids, snap.media_ids, snap.frames[:-1], snap.xy, snap.scores)


def test_ambiguity_and_percentile_against_loops():
    snap = _snapshot(n=30, d=5, seed=3)
    amb = ambiguity_scores(snap.stddev)
    for i in range(len(amb)):
        assert amb[i] == pytest.approx(sum(float(s) for s in snap.stddev[i]) / 5, rel=1e-6)
        slow = 100.0 * sum(1 for v in amb if v <= amb[i]) / len(amb)
        assert percentile_of(amb, amb[i]) == pytest.approx(slow)
    assert percentile_of(np.zeros(0), 1.0) == 0.0


def test_media_to_open_prefers_the_import_then_a_person():
    media = (MediaRow(1, "broken", "/b", status="error"), MediaRow(2, "empty", "/e"), MediaRow(3, "a", "/a"),
             MediaRow(4, "b", "/b2"))
    media_ids = np.array([3, 3, 4], np.int64)
    frames = np.array([9, 4, 0], np.int64)
    snap = LibrarySnapshot(media, np.array([10, 11, 12]), media_ids, frames, np.zeros((3, 13, 2), np.float32),
                           np.ones((3, 13), np.float32))
    assert media_to_open(snap, 4) == (4, 0)        # the imported file, at its first frame with a person
    assert media_to_open(snap, None) == (3, 4)     # else the first media with a person
    assert media_to_open(snap, 2) == (2, 0)        # an imported file without a person: its first frame
    assert media_to_open(snap, 1) == (3, 4)        # never a media that failed
    assert media_to_open(LibrarySnapshot.empty(), None) is None


def test_a_new_snapshot_keeps_the_selected_poses_it_has():
    from poseexplorer.session import Session

    session = Session()
    session.selection = np.array([105, 150, 101, 105])
    session.set_snapshot(_snapshot())                     # pose ids 100..111
    assert session.selection.tolist() == [101, 105]       # np.intersect1d's answer: sorted, unique


def test_warm_answers_as_the_scans():
    snap = _snapshot(n=40, d=5, seed=7).warm()
    amb = snap.ambiguity()
    for row in range(len(snap)):
        assert snap.ambiguity_percentile(row) == pytest.approx(percentile_of(amb, amb[row]))
    assert snap.ambiguity_extremes(5, most=True).tolist() == np.argsort(-amb, kind="stable")[:5].tolist()
    assert snap.ambiguity_extremes(5, most=False).tolist() == np.argsort(amb, kind="stable")[:5].tolist()
    np.testing.assert_allclose(snap.median_stddev(), np.median(snap.stddev, axis=0))
    assert snap.pose_counts() == {1: 20, 2: 20}
