"""Skeleton definitions: joint orders, the MediaPipe map, left/right twins and bones for drawing.

Plain constants, like smplx's joint names. Indices refer to the orders defined here:
- COCO-13: the 2D input order of Pr-VIPE (COCO-17 without eyes and ears).
- H36M-17: the 3D label order.
- MediaPipe-33: MediaPipe Pose landmarks.
"""
from __future__ import annotations

COCO13_NAMES: tuple[str, ...] = (
    "nose",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
)
NUM_COCO13 = len(COCO13_NAMES)

#: MediaPipe-33 landmark index of each COCO-13 joint.
MEDIAPIPE_TO_COCO13: tuple[int, ...] = (0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)

#: Index of each COCO-13 joint's left/right twin (the nose is its own twin).
COCO13_MIRROR: tuple[int, ...] = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11)

COCO13_LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12))

#: Bones for drawing a COCO-13 pose.
COCO13_BONES: tuple[tuple[int, int], ...] = (
    (0, 1), (0, 2), (1, 2),
    (1, 3), (3, 5), (2, 4), (4, 6),
    (1, 7), (2, 8), (7, 8),
    (7, 9), (9, 11), (8, 10), (10, 12),
)

#: The 4 torso joints whose largest pairwise distance sets the 2D scale.
COCO13_TORSO: tuple[int, ...] = (1, 2, 7, 8)
COCO13_LEFT_HIP, COCO13_RIGHT_HIP = 7, 8

H36M17_NAMES: tuple[str, ...] = (
    "pelvis", "head", "neck_nose", "thorax",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "spine",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
)
NUM_H36M17 = len(H36M17_NAMES)
H36M17_PELVIS, H36M17_SPINE, H36M17_THORAX = 0, 10, 3

#: H36M-17 joint used for each COCO-13 joint when projecting 3D labels to 2D inputs
#: (the 2D nose pairs with the 3D head, as in the original code).
H36M17_TO_COCO13: tuple[int, ...] = (1, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16)

H36M17_MIRROR: tuple[int, ...] = (0, 1, 2, 3, 5, 4, 7, 6, 9, 8, 10, 12, 11, 14, 13, 16, 15)

H36M17_BONES: tuple[tuple[int, int], ...] = (
    (0, 10), (10, 3), (3, 2), (2, 1),
    (3, 4), (4, 6), (6, 8),
    (3, 5), (5, 7), (7, 9),
    (0, 11), (11, 13), (13, 15),
    (0, 12), (12, 14), (14, 16),
)

MEDIAPIPE33_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
NUM_MEDIAPIPE33 = len(MEDIAPIPE33_NAMES)

#: Bones for drawing the 33 MediaPipe landmarks (body only, face reduced to nose-ears).
MEDIAPIPE33_BONES: tuple[tuple[int, int], ...] = (
    (0, 7), (0, 8),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31),
    (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),
)


def is_left(name: str) -> bool:
    """True for a joint name on the subject's left side."""
    return name.startswith("left_")
