"""Variable-frame-rate videos (phones record them): every frame reads right and none is lost in indexing."""
from __future__ import annotations

import numpy as np
import pytest

from poseexplorer.io.video import VideoReader
from poseexplorer.library import Library
from poseexplorer.library.indexer import index_paths
from tests.adversarial.generate import write_vfr_video
from tests.io.media_factory import read_barcode
from tests.library.fakes import expected_xy, barcode_factory

RATES = {
    "fast-slow": [(150, 60.0), (150, 10.0)],
    "fast-slow-fast": [(100, 60.0), (100, 10.0), (100, 60.0)],
    "slow-fast-slow": [(100, 10.0), (100, 60.0), (100, 10.0)],
}


@pytest.fixture(scope="module", params=sorted(RATES))
def vfr(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("vfr") / f"{request.param}.mp4"
    times = write_vfr_video(path, RATES[request.param])
    return path, times


def test_random_access_is_exact_on_variable_frame_rate(vfr):
    path, times = vfr
    order = np.random.default_rng(3).permutation(len(times))[:70].tolist() + [299, 0, 150, 60, 149, 298]
    with VideoReader(path) as r:
        got = [read_barcode(r.read(i)) for i in order]
        with pytest.raises(IndexError):
            r.read(len(times))
        tail = [read_barcode(f) for _, f in r.iter_frames(240)]
    assert got == order
    assert tail == list(range(240, len(times)))


def test_indexing_with_two_workers_keeps_every_frame(vfr, tmp_path):
    path, times = vfr
    lib_path = tmp_path / "lib.sqlite"
    report = index_paths(lib_path, [str(path)], workers=2, detector_factory=barcode_factory)
    (f,) = report.files
    assert f.ok, f.message
    with Library.open(lib_path) as lib:
        info = lib.media_info(f.media_id)
        table = lib.frames(f.media_id)
    assert (info.status, info.frames) == ("done", len(times))
    assert table.frame_index.tolist() == list(range(len(times)))
    for i in np.flatnonzero(table.has_pose):
        assert np.array_equal(table.xy[i], expected_xy(int(table.frame_index[i]))), f"frame {i} holds another frame"


def test_a_failure_in_the_last_segment_never_marks_the_video_done(tmp_path):
    """The last segment runs to the end of the file: when it fails, the frames after the failure are
    unknown, so the media stays unfinished and the next run reads on from there."""
    from tests.adversarial.detectors import FAIL_FROM, failing_tail_factory
    from tests.io.media_factory import write_barcode_video

    video = write_barcode_video(tmp_path / "v.avi", 140, fourcc="MJPG", size=(256, 64))
    lib_path = tmp_path / "lib.sqlite"
    (bad,) = index_paths(lib_path, [str(video)], workers=0, detector_factory=failing_tail_factory).files
    assert not bad.ok and "cannot decode frame" in bad.message
    with Library.open(lib_path) as lib:
        assert lib.media_info(bad.media_id).status != "done"
        assert lib.done_frames(bad.media_id).max() == FAIL_FROM - 1
    (good,) = index_paths(lib_path, [str(video)], workers=0, detector_factory=barcode_factory).files
    assert good.ok and good.n_frames == 140 and good.media_id == bad.media_id
