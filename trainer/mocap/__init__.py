"""Motion-capture loading: ASF/AMC, BVH and NPZ files to H36M-17 clips in metres, y up, right-handed."""
from __future__ import annotations

from .clip import Clip
from .loader import CLIP_SUFFIXES, clip_labels, load_clip
from .mapping import FAMILIES, load_mapping
from .resample import resample_clip
from .skeleton_motion import MocapError, SkeletonMotion

__all__ = ["Clip", "CLIP_SUFFIXES", "FAMILIES", "MocapError", "SkeletonMotion", "clip_labels", "load_clip",
           "load_mapping", "resample_clip"]
