"""Generated inputs for tests, examples, benchmarks and scripts: synthetic motion, keypoint tracks, videos.

Nothing here is real data: each generator is deterministic (seeded) and small, so examples and tests run
anywhere without ../shared. Imports numpy (and cv2 only when a video is written).
"""
from .motion import REST_POSE, keypoint_track, motion_npz, motion_poses, project_to_image, warp

__all__ = ["REST_POSE", "keypoint_track", "motion_npz", "motion_poses", "project_to_image", "warp"]
