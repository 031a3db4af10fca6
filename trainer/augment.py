"""Training pairs: two independent random cameras of the same 3D pose, with detector-like corruption.

Per view (anchor and positive independently), on the normalised 3D pose (prvipe-method.md section 7):
1. bone lengths and limb proportions change a little (another person with the same pose);
2. the hips may move up and outwards, where MediaPipe puts its hip points rather than the mocap hip joints;
3. a random camera (or one of the 4 chest-level views) projects the pose;
4. keypoints jitter by a per-pose fraction of the 2D torso size, a few jump far (gross errors);
5. keypoints drop out (the lower body leaves the frame sometimes, one side of the body is hidden, a whole
   limb is missing) and the mask goes to the network;
6. the left/right labels of the 2D keypoints are sometimes swapped, as detectors do on back views.
The NP-MPJPE labels always use the unmodified 3D pose. Camera roll may cover the full circle (NP-MPJPE
ignores global rotation, so a sideways camera or a person upside down is the same pose).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poseexplorer.core.camera import CameraRanges, project_normalised_3d, random_views, view_rotation
from poseexplorer.core.normalize import normalize_3d, torso_scale_2d
from poseexplorer.core.skeleton import COCO13_LEFT_RIGHT_PAIRS, H36M17_BONES
from poseexplorer.embed.inputs import network_input

#: Bone groups whose lengths change together (limb proportions): torso/head, arms, legs, shoulders, hips.
_GROUP_OF_BONE = {(0, 10): 0, (10, 3): 0, (3, 2): 0, (2, 1): 0,
                  (3, 4): 3, (4, 6): 1, (6, 8): 1, (3, 5): 3, (5, 7): 1, (7, 9): 1,
                  (0, 11): 4, (11, 13): 2, (13, 15): 2, (0, 12): 4, (12, 14): 2, (14, 16): 2}
_N_GROUPS = 5
_LOWER_BODY = ((11, 12), (9, 10, 11, 12), (7, 8, 9, 10, 11, 12))   # ankles; knees+ankles; +hips
_LOWER_BODY_P = (0.5, 0.35, 0.15)   # default shares of the three legs-out cases (legs_out_hips = 0.15)
#: One side of the body (COCO-13): arm and leg beyond the torso; with the torso points too.
_SIDES = ((3, 5, 9, 11), (4, 6, 10, 12))
_SIDES_TORSO = ((1, 7), (2, 8))
#: Whole limbs (COCO-13): left arm, right arm, left leg, right leg.
_LIMBS = ((3, 5), (4, 6), (9, 11), (10, 12))
_COCO13_SWAP = np.arange(13)
for _l, _r in COCO13_LEFT_RIGHT_PAIRS:
    _COCO13_SWAP[_l], _COCO13_SWAP[_r] = _r, _l
_CHEST_AZIMUTHS = np.deg2rad([0.0, 90.0, 180.0, 270.0])


@dataclass(frozen=True)
class Augmentation:
    """What happens to each view; see the module docstring. Fractions of the 2D torso size."""

    ranges: CameraRanges = CameraRanges()
    chest_views: bool = False
    visibility_input: bool = True
    jitter: float = 0.0
    outlier_rate: float = 0.0
    bone_scale: float = 0.0
    limb_scale: float = 0.0
    hip_offset: float = 0.0
    keypoint_dropout: float = 0.0
    legs_out_rate: float = 0.0
    legs_out_hips: float = 0.15
    side_out_rate: float = 0.0
    limb_out_rate: float = 0.0
    swap_rate: float = 0.0
    upright: bool = False
    snap_hipless: bool = False

    @staticmethod
    def from_config(cfg) -> "Augmentation":
        ranges = CameraRanges(tuple(cfg.azimuth), tuple(cfg.elevation), tuple(cfg.roll), cfg.depth)
        keys = ("chest_views", "visibility_input", "jitter", "outlier_rate", "bone_scale", "limb_scale",
                "hip_offset", "keypoint_dropout", "legs_out_rate", "legs_out_hips", "side_out_rate",
                "limb_out_rate", "swap_rate", "upright", "snap_hipless")
        return Augmentation(ranges=ranges, **{k: getattr(cfg, k) for k in keys})


def perturb_bones(xyz: np.ndarray, rng: np.random.Generator, bone_scale: float, limb_scale: float) -> np.ndarray:
    """Scale every bone by (group factor) x (own factor), rebuilding joints from the pelvis outwards.

    xyz: (N, 17, 3) H36M-17. Factors are uniform in [1 - s, 1 + s]. Returns (N, 17, 3) float64.
    """
    n = len(xyz)
    group = 1.0 + rng.uniform(-limb_scale, limb_scale, (n, _N_GROUPS))
    own = 1.0 + rng.uniform(-bone_scale, bone_scale, (n, len(H36M17_BONES)))
    out = np.array(xyz, dtype=np.float64)
    for b, (parent, child) in enumerate(H36M17_BONES):  # parents come before children in this list
        factor = (group[:, _GROUP_OF_BONE[(parent, child)]] * own[:, b])[:, None]
        out[:, child] = out[:, parent] + factor * (xyz[:, child] - xyz[:, parent])
    return out


def move_hips(xyz: np.ndarray, rng: np.random.Generator, prob: float) -> np.ndarray:
    """MediaPipe-like hips: with probability `prob` per pose, push both hips outwards (x1.0-1.4) and up
    towards the spine (0-0.15 normalised units). xyz: (N, 17, 3) normalised. Returns a new array."""
    out = np.array(xyz, dtype=np.float64)
    n = len(out)
    hit = rng.random(n) < prob
    widen = np.where(hit, rng.uniform(1.0, 1.4, n), 1.0)[:, None]
    lift = np.where(hit, rng.uniform(0.0, 0.15, n), 0.0)[:, None]
    pelvis = out[:, 0]
    up = out[:, 10] - pelvis
    up /= np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-9)
    for hip in (11, 12):
        out[:, hip] = pelvis + widen * (out[:, hip] - pelvis) + lift * up
    return out


def camera_rotations(n: int, rng: np.random.Generator, aug: Augmentation) -> np.ndarray:
    """(n, 3, 3) world -> camera rotations: random in the ranges, or one of the 4 chest-level views."""
    if aug.chest_views:
        az = _CHEST_AZIMUTHS[rng.integers(0, 4, n)]
        return view_rotation(az, np.zeros(n), np.zeros(n))
    return random_views(n, rng, aug.ranges)


def jitter_keypoints(xy: np.ndarray, rng: np.random.Generator, jitter: float, outlier_rate: float) -> np.ndarray:
    """Per-pose noise std ~ U(0, jitter) x torso size; a fraction `outlier_rate` of points move ~0.3 torso."""
    scale = torso_scale_2d(xy)[:, None, None]
    sigma = rng.uniform(0.0, jitter, (len(xy), 1, 1)) * scale
    out = xy + rng.standard_normal(xy.shape) * sigma
    outlier = rng.random(xy.shape[:2]) < outlier_rate
    return out + np.where(outlier[..., None], rng.normal(0.0, 0.3, xy.shape) * scale, 0.0)


def visibility_mask(n: int, rng: np.random.Generator, dropout: float, legs_out_rate: float,
                    legs_out_hips: float = 0.15, side_out_rate: float = 0.0,
                    limb_out_rate: float = 0.0) -> np.ndarray:
    """(n, 13) bool: True = visible. Independent dropout plus, sometimes, the lower body out of frame
    (ankles, knees too, or hips too: `legs_out_hips` is the share of the last, upper-body framing), one side
    of the body hidden (arm and leg, half the time the shoulder and hip as well), or one whole limb missing."""
    vis = rng.random((n, 13)) >= dropout
    legs_out = rng.random(n) < legs_out_rate
    rest = (1.0 - legs_out_hips) / (_LOWER_BODY_P[0] + _LOWER_BODY_P[1])
    which = rng.choice(len(_LOWER_BODY), size=n, p=(_LOWER_BODY_P[0] * rest, _LOWER_BODY_P[1] * rest,
                                                     legs_out_hips))
    for k, joints in enumerate(_LOWER_BODY):
        rows = legs_out & (which == k)
        vis[np.ix_(rows, joints)] = False
    if side_out_rate > 0:
        side_out = rng.random(n) < side_out_rate
        side, torso_too = rng.integers(0, 2, n), rng.random(n) < 0.5
        for s in (0, 1):
            vis[np.ix_(side_out & (side == s), _SIDES[s])] = False
            vis[np.ix_(side_out & (side == s) & torso_too, _SIDES_TORSO[s])] = False
    if limb_out_rate > 0:
        limb_out = rng.random(n) < limb_out_rate
        limb = rng.integers(0, len(_LIMBS), n)
        for k, joints in enumerate(_LIMBS):
            vis[np.ix_(limb_out & (limb == k), joints)] = False
    return vis


def facing_away(xyz: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """(N,) bool: the camera sees the body's back. xyz: (N, 17, 3) H36M-17 world; rot: (N, 3, 3) world ->
    camera (Z forward). The body's forward is (left - right) x up, from shoulders and hips."""
    across = (xyz[:, 4] - xyz[:, 5]) + (xyz[:, 11] - xyz[:, 12])
    forward = np.cross(across, xyz[:, 3] - xyz[:, 0])
    return np.einsum("nj,nj->n", rot[:, 2], forward) > 0


def swap_left_right(xy: np.ndarray, vis: np.ndarray | None, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Swap the left/right labels of COCO-13 keypoints (not their positions) in the given rows.

    xy: (N, 13, 2); vis: (N, 13) or None; rows: (N,) bool. Returns new arrays."""
    xy = np.where(rows[:, None, None], xy[:, _COCO13_SWAP], xy)
    if vis is not None:
        vis = np.where(rows[:, None], vis[:, _COCO13_SWAP], vis)
    return xy, vis


def make_view(xyz_norm: np.ndarray, rng: np.random.Generator, aug: Augmentation) -> tuple[np.ndarray, np.ndarray]:
    """One corrupted camera view of each normalised pose -> (network inputs (N, 26|39), rotations (N, 3, 3))."""
    body = xyz_norm
    if aug.bone_scale > 0 or aug.limb_scale > 0:
        body = perturb_bones(body, rng, aug.bone_scale, aug.limb_scale)
    if aug.hip_offset > 0:
        body = move_hips(body, rng, aug.hip_offset)
    body = body - body[:, :1]
    rot = camera_rotations(len(body), rng, aug)
    xy = project_normalised_3d(np.asarray(body, np.float64), rot, aug.ranges.depth)
    if aug.jitter > 0 or aug.outlier_rate > 0:
        xy = jitter_keypoints(xy, rng, aug.jitter, aug.outlier_rate)
    vis = None
    if aug.visibility_input:
        vis = visibility_mask(len(xy), rng, aug.keypoint_dropout, aug.legs_out_rate, aug.legs_out_hips,
                              aug.side_out_rate, aug.limb_out_rate)
    if aug.swap_rate > 0:  # detectors assume a front view: they swap the labels of people seen from behind
        xy, vis = swap_left_right(xy, vis, facing_away(body, rot) & (rng.random(len(xy)) < aug.swap_rate))
    return network_input(xy, vis, aug.visibility_input, aug.upright, aug.snap_hipless), rot


@dataclass(frozen=True)
class PairBatch:
    """anchor, positive: (B, 26|39) network inputs; xyz: (B, 17, 3) normalised 3D labels;
    anchor_rot, positive_rot: (B, 3, 3) the cameras (for 3D lifting targets)."""

    anchor: np.ndarray
    positive: np.ndarray
    xyz: np.ndarray
    anchor_rot: np.ndarray
    positive_rot: np.ndarray


def with_nose(xyz: np.ndarray, nose: np.ndarray) -> np.ndarray:
    """The pose with its head joint replaced by a nose estimate, normalised like the pose.

    The 2D "nose" input is then projected from a real nose, as a detector reports it. xyz: (B, 17, 3),
    nose: (B, 3), same units. Returns (B, 17, 3) normalised (section 2, using the unmodified pose)."""
    xyz = np.asarray(xyz, dtype=np.float64)
    pelvis, spine, thorax = xyz[:, 0], xyz[:, 10], xyz[:, 3]
    scale = np.linalg.norm(spine - pelvis, axis=-1) + np.linalg.norm(thorax - spine, axis=-1)
    scale = np.where(scale > 1e-8, scale, 1.0)[:, None, None]
    out = xyz.copy()
    out[:, 1] = nose
    return (out - pelvis[:, None]) / scale


def make_pairs(xyz: np.ndarray, rng: np.random.Generator, aug: Augmentation,
               nose: np.ndarray | None = None) -> PairBatch:
    """Two independent corrupted views of each 3D pose. xyz: (B, 17, 3) in any unit, y up; nose:
    optional (B, 3) nose estimates projected as the 2D nose (else the head joint, as the original)."""
    norm = normalize_3d(xyz).astype(np.float64)
    nosed = None if nose is None else with_nose(xyz, nose)
    views = []
    for _ in range(2):
        body = norm
        if nosed is not None:  # half the views show a real nose, half the head joint (as projected mocap does)
            body = np.where((rng.random(len(norm)) < 0.5)[:, None, None], nosed, norm)
        views.append(make_view(body, rng, aug))
    (anchor, rot_a), (positive, rot_p) = views
    return PairBatch(anchor, positive, norm.astype(np.float32), rot_a, rot_p)


def camera_frame_3d(xyz_norm: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """The normalised 3D pose as the camera sees it (the lifting target). (N, 17, 3) -> (N, 17, 3)."""
    return np.einsum("nij,nkj->nki", rot, xyz_norm).astype(np.float32)
