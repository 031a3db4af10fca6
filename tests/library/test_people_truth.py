"""The who-is-who labeller of the multi-person footage: its pure parts against OpenCV and hand-made cases."""
from __future__ import annotations

import cv2
import numpy as np

from poseexplorer.testing.people_truth import (MAN, OTHER, WOMAN, identity_switches, main_track, rgb_to_hsv,
                                               torso_label, torso_pixels)


def test_hsv_matches_opencv():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    want = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float64)
    got = rgb_to_hsv(rgb)
    hue = np.abs(got[..., 0] - want[..., 0])
    assert np.minimum(hue, 180 - hue).max() <= 1.0 and np.abs(got[..., 1:] - want[..., 1:]).max() <= 1.0


def test_torso_pixels_are_the_filled_quadrilateral():
    rgb = np.random.default_rng(1).integers(0, 256, (300, 200, 3), dtype=np.uint8)
    xy = np.full((13, 2), np.nan)
    xy[[1, 2, 8, 7]] = [[50, 60], [150, 70], [140, 220], [60, 210]]
    mask = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, xy[[1, 2, 8, 7]].round().astype(np.int32), 1)
    got = torso_pixels(rgb, xy)
    assert abs(len(got) - int(mask.sum())) <= 0.03 * mask.sum()
    xy[8] = np.nan
    assert len(torso_pixels(rgb, xy)) == 0


def test_labels_by_torso_colour_and_size():
    xy = np.zeros((13, 2))
    xy[:, 1] = np.linspace(100, 900, 13)
    xy[:, 0] = 300
    xy[[1, 2, 8, 7]] = [[200, 200], [400, 200], [400, 500], [200, 500]]
    skin = np.full((1000, 600, 3), (200, 120, 90), np.uint8)
    grey = np.full((1000, 600, 3), (150, 150, 155), np.uint8)
    blue = np.full((1000, 600, 3), (40, 60, 200), np.uint8)
    assert [torso_label(im, xy) for im in (skin, grey, blue)] == [MAN, WOMAN, OTHER]
    small = xy.copy()
    small[:, 1] = small[:, 1] * 0.1 + 400
    assert torso_label(skin, small) == OTHER


def test_identity_switches_count_changes_of_track_per_person():
    frame = np.array([0, 0, 1, 1, 2, 2, 2, 3])
    track = np.array([0, 1, 0, 1, 2, 1, 0, 2])
    label = np.array([MAN, WOMAN, MAN, WOMAN, MAN, WOMAN, MAN, MAN])
    # man: {0} {0} {2, 0} {2}: no switch (frame 2 holds both tracks); woman: {1} {1} {1}: none
    assert identity_switches(frame, track, label) == 0
    label2 = np.array([MAN, WOMAN, WOMAN, MAN, MAN, WOMAN, OTHER, MAN])
    # man {0} {1} {2} {2}: 2 switches; woman {1} {0} {1}: 2 switches
    assert identity_switches(frame, track, label2) == 4
    assert main_track(frame, track, label, MAN) == 0 and main_track(frame, track, label, OTHER) == -1
