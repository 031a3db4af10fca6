"""The PoseLandmarker bundle built from the wheel's own models, and the multi-person detector on real frames."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from poseexplorer.detect import make_detector
from poseexplorer.detect.landmarker_bundle import BUNDLE_PARTS, BundleError, build_bundle, landmarker_bundle


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("POSEEXPLORER_CACHE_DIR", str(folder))
    yield folder
    mp.undo()


def test_bundle_is_built_once_into_the_cache_with_normalisation_metadata(cache):
    from mediapipe.tasks.python.metadata import metadata

    path = landmarker_bundle()
    assert path.parent == cache and path.suffix == ".task"
    stamp = path.stat().st_mtime_ns
    assert landmarker_bundle() == path and path.stat().st_mtime_ns == stamp      # reused, not rebuilt
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == sorted(p[0] for p in BUNDLE_PARTS)
        for inner, _, mean, std in BUNDLE_PARTS:
            shown = json.loads(metadata.MetadataDisplayer.with_model_buffer(zf.read(inner)).get_metadata_json())
            norm = shown["subgraph_metadata"][0]["input_tensor_metadata"][0]["process_units"][0]["options"]
            assert norm["mean"] == [mean] and norm["std"] == [std]
    assert not list(cache.glob("*.part"))


def test_unwritable_cache_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(BundleError, match="cannot write the multi-person pose model"):
        build_bundle(blocker / "sub" / "x.task")


@pytest.fixture(scope="module")
def frames(shared_data):
    from poseexplorer.io import open_media

    out = {}
    with open_media(shared_data / "media" / "pose2sim_4views" / "cam01.mp4") as r:
        out["single"] = r.read(10).copy()
    with open_media(shared_data / "media" / "pose2sim_multiperson_4views" / "cam04.mp4") as r:
        out["multi"] = r.read(10).copy()
    return out


@pytest.mark.slow
def test_one_person_agrees_with_the_legacy_detector(cache, frames):
    with make_detector("mediapipe", video=False) as legacy, make_detector("mediapipe", False, max_people=3) as multi:
        a = legacy.detect(frames["single"])
        people = multi.detect_people(frames["single"])
    assert a is not None and len(people) >= 1
    b = people[0]
    ok = (a.scores > 0.5) & (b.scores > 0.5)
    height = np.ptp(a.xy[ok, 1])
    assert np.median(np.linalg.norm(a.xy[ok] - b.xy[ok], axis=1)) < 0.05 * height
    assert np.isfinite(b.world).all() and np.abs(b.world).max() < 2.0      # metres, hip-centred


@pytest.mark.slow
def test_two_people_are_found_with_distinct_boxes(cache, frames):
    from poseexplorer.detect.people import box_iou, person_boxes

    with make_detector("mediapipe", video=True, max_people=3) as det:
        assert det.name.startswith("mediapipe-landmarker-") and det.name.endswith("-p3")
        people = det.detect_people(frames["multi"])
        first = det.detect(frames["multi"])
    assert len(people) >= 2
    boxes = person_boxes(np.stack([p.xy for p in people]), np.stack([p.scores for p in people]))
    assert box_iou(boxes, boxes)[np.triu_indices(len(people), 1)].max() < 0.6
    assert first is not None
