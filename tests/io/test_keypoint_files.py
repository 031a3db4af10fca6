"""Keypoint files from other detectors: COCO, OpenPose, and the documented CSV / NPZ."""
from __future__ import annotations

import json

import numpy as np
import pytest

from poseexplorer.core.skeleton import COCO13_NAMES
from poseexplorer.io import KeypointTrack, MediaError, open_media, read_keypoint_file
from poseexplorer.io.detector_json import COCO17_TO_COCO13, OPENPOSE_BODY25_TO_COCO13
from poseexplorer.io.keypoint_files import write_keypoint_csv, write_keypoint_npz

COCO17 = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
          "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
          "right_knee", "left_ankle", "right_ankle"]
BODY25 = ["nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
          "left_wrist", "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
          "right_eye", "left_eye", "right_ear", "left_ear", "left_big_toe", "left_small_toe", "left_heel",
          "right_big_toe", "right_small_toe", "right_heel"]


def test_index_maps_agree_with_joint_names():
    assert [COCO17[i] for i in COCO17_TO_COCO13] == list(COCO13_NAMES)
    assert [BODY25[i] for i in OPENPOSE_BODY25_TO_COCO13] == list(COCO13_NAMES)


def _coco_kp(seed: int, visible=True) -> list[float]:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(10, 300, (17, 2))
    return np.concatenate([pts, np.full((17, 1), 2 if visible else 0)], axis=1).ravel().tolist()


def test_coco_dataset_file(tmp_path):
    doc = {"images": [{"id": 7, "file_name": "img10.jpg", "width": 640, "height": 480},
                      {"id": 3, "file_name": "img2.jpg", "width": 640, "height": 480},
                      {"id": 5, "file_name": "img3.jpg", "width": 640, "height": 480}],
           "annotations": [{"image_id": 7, "keypoints": _coco_kp(1), "bbox": [0, 0, 10, 10]},
                           {"image_id": 3, "keypoints": _coco_kp(2), "bbox": [0, 0, 10, 10]},
                           {"image_id": 3, "keypoints": _coco_kp(3), "bbox": [0, 0, 99, 99]}]}
    path = tmp_path / "person_keypoints.json"
    path.write_text(json.dumps(doc))
    t = read_keypoint_file(path)
    assert t.source == "coco" and t.size == (640, 480) and t.frame_index.tolist() == [0, 1, 2]
    # natural order of file names: img2 (id 3), img3 (id 5, no person), img10 (id 7)
    kp3 = np.array(_coco_kp(3)).reshape(17, 3)   # the larger of the two people in image 3 is kept
    assert np.allclose(t.xy[0], kp3[list(COCO17_TO_COCO13), :2])
    assert t.has_pose.tolist() == [True, False, True] and np.all(t.scores[0] == 1)


def test_coco_results_list_uses_confidences(tmp_path):
    kp = np.array(_coco_kp(4)).reshape(17, 3)
    kp[:, 2] = np.linspace(0.1, 0.9, 17)
    kp[0] = 0  # missing nose
    path = tmp_path / "results.json"
    path.write_text(json.dumps([{"image_id": 1, "category_id": 1, "keypoints": kp.ravel().tolist(), "score": 0.9}]))
    t = read_keypoint_file(path)
    assert np.allclose(t.scores[0, 1:], kp[list(COCO17_TO_COCO13)[1:], 2])
    assert np.isnan(t.xy[0, 0]).all() and t.scores[0, 0] == 0


def _openpose(people: list[np.ndarray]) -> dict:
    return {"version": 1.3, "people": [{"pose_keypoints_2d": p.ravel().tolist()} for p in people]}


def test_openpose_folder_body25_and_coco18(tmp_path):
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.uniform(0, 100, (25, 2)), np.full((25, 1), 0.9)], axis=1)
    weak = a.copy()
    weak[:, 2] = 0.2
    folder = tmp_path / "op"
    folder.mkdir()
    (folder / "clip_000000000012_keypoints.json").write_text(json.dumps(_openpose([weak, a])))
    (folder / "clip_000000000003_keypoints.json").write_text(json.dumps(_openpose([])))
    t = read_keypoint_file(folder)
    assert t.source == "openpose" and t.frame_index.tolist() == [3, 12]
    assert t.has_pose.tolist() == [False, True]
    assert np.allclose(t.xy[1], a[list(OPENPOSE_BODY25_TO_COCO13), :2])   # the confident person
    c18 = np.concatenate([rng.uniform(0, 100, (18, 2)), np.full((18, 1), 0.5)], axis=1)
    (tmp_path / "one.json").write_text(json.dumps(_openpose([c18])))
    one = read_keypoint_file(tmp_path / "one.json")
    assert np.allclose(one.xy[0, [1, 2, 7, 8]], c18[[5, 2, 11, 8], :2])
    with open_media(folder) as r:   # keypoint media open with blank frames
        assert r.kind == "keypoints" and len(r) == 13 and r.read(12).shape[2] == 3


def _track(n=6) -> KeypointTrack:
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 500, (n, 13, 2)).astype(np.float32)
    scores = rng.uniform(0, 1, (n, 13)).astype(np.float32)
    xy[2] = np.nan
    scores[2] = 0
    xy[4, 3] = np.nan
    scores[4, 3] = 0
    return KeypointTrack(np.arange(n) * 2, xy, scores, fps=30.0, size=(640, 480), source="npz")


def test_csv_round_trip(tmp_path):
    t = _track()
    path = tmp_path / "k.csv"
    write_keypoint_csv(path, t.frame_index, t.xy, t.scores)
    back = read_keypoint_file(path)
    assert back.frame_index.tolist() == t.frame_index.tolist()
    assert np.allclose(back.xy, t.xy, atol=1e-3, equal_nan=True)
    assert np.allclose(back.scores, t.scores, atol=1e-5)
    assert back.has_pose.tolist() == [True, True, False, True, True, True]


def test_npz_round_trip(tmp_path):
    t = _track()
    write_keypoint_npz(tmp_path / "k.npz", t)
    back = read_keypoint_file(tmp_path / "k.npz")
    assert back.fps == 30.0 and back.size == (640, 480)
    assert np.array_equal(back.xy, t.xy, equal_nan=True) and np.array_equal(back.frame_index, t.frame_index)


def test_bad_keypoint_files(tmp_path):
    (tmp_path / "a.csv").write_text("frame,foo\n1,2\n")
    (tmp_path / "b.json").write_text("{not json")
    (tmp_path / "c.json").write_text('{"hello": 1}')
    np.savez(tmp_path / "d.npz", xy=np.zeros((3, 12, 2)), scores=np.zeros((3, 12)))
    (tmp_path / "e.json").write_text("")
    for name, pattern in [("a.csv", "missing columns"), ("b.json", "not a readable JSON"),
                          ("c.json", "neither COCO"), ("d.npz", r"\(T, 13, 2\)"), ("e.json", "empty")]:
        with pytest.raises(MediaError, match=pattern):
            read_keypoint_file(tmp_path / name)
