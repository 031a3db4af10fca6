"""The headless pose core: numpy only, importable without Qt or torch."""
from .camera import CameraRanges, PinholeCamera, look_at, random_camera_2d
from .mirror import mirror_coco13, mirror_h36m17
from .normalize import normalize_2d, normalize_3d
from .npmpjpe import (MATCH_THRESHOLD, np_mpjpe, np_mpjpe_matrix, procrustes_mpjpe, similarity_align,
                      similarity_align_finite)
from .poses import Embedding, Pose2D, Pose3D
from .probability import matching_probability, probability_from_distance

__all__ = [
    "CameraRanges", "PinholeCamera", "look_at", "random_camera_2d", "mirror_coco13", "mirror_h36m17",
    "normalize_2d", "normalize_3d", "MATCH_THRESHOLD", "np_mpjpe", "np_mpjpe_matrix", "procrustes_mpjpe",
    "similarity_align", "similarity_align_finite", "Embedding", "Pose2D", "Pose3D", "matching_probability",
    "probability_from_distance",
]
