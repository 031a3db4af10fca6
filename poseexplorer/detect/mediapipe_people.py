"""Several people per frame: MediaPipe Tasks PoseLandmarker on the locally built bundle, as a Detector.

The Tasks API's own VIDEO mode runs the person detector only when it tracks nobody, so a second person
who is missed at first stays missed (on the Pose2Sim multi-person views it found both people in 22-78%
of frames). We therefore detect on the whole frame in IMAGE mode every frame and, in video mode, also
re-detect each person of the previous frame in a square crop around them, where they fill the
detector's input (BlazePose's detector looks for a face, and people far from the camera or with a
blurred face are found far more often at this scale). The whole-frame pass also runs on a few square
tiles along the frame's long side (square_tiles): the detector squeezes the whole frame into 224 x 224,
where a face of 50 px in a 1920 px portrait frame is 6 px; in a tile it is twice that (on the Pose2Sim
multi-person views, frames with both people: cam01 85% -> 98%, cam03 17% -> 67%). Candidates from both are merged by duplicate
suppression and the `max_people` best are kept. Identities across frames are assigned later, on the
whole stored sequence (detect.tracking).
"""
from __future__ import annotations

import os

import numpy as np

from ..core.skeleton import MEDIAPIPE_TO_COCO13
from .base import MAX_DETECT_SIDE, Detection
from .people import crop_around, keypoint_distance, person_boxes, suppress_duplicates

#: Chosen on the Pose2Sim multi-person views (see benchmarks/multi_person.py): the default 0.5 misses
#: the man with the blurred face in most frames of cam01; 0.2 on the whole frame with crops finds him.
DETECTION_CONFIDENCE = 0.2
PRESENCE_CONFIDENCE = 0.5
#: A crop re-detection counts as the previous person only within this keypoint distance (box-relative).
SAME_PERSON_DISTANCE = 0.5
#: Among duplicates, a fit that continues a person of the previous frame (within this keypoint distance)
#: is preferred; any other fit's mean score is weighted by NEW_FIT_WEIGHT (a wrong second fit of a
#: person, found by another pass, otherwise wins now and then and swaps identities).
CONTINUES_DISTANCE = 0.1
NEW_FIT_WEIGHT = 0.8
#: A person lost from view is still looked for around their last place for this many frames.
REMEMBER_FRAMES = 10
#: Square tiles along the long side of the frame, searched as well as the whole frame (see square_tiles).
TILES = 3
_COCO = list(MEDIAPIPE_TO_COCO13)


def square_tiles(width: int, height: int, n: int = TILES) -> list[tuple[int, int, int, int]]:
    """Squares (x0, y0, x1, y1) of the short side, evenly spread along the long side, at least n and as
    many as cover the frame (one for a square frame): each is seen by the detector at a larger scale
    than the whole frame."""
    side, long = min(width, height), max(width, height)
    count = max(n, -(-long // max(side, 1)))
    starts = sorted(set(np.linspace(0, long - side, count).round().astype(int).tolist()))
    return [(0, s, side, s + side) if height > width else (s, 0, s + side, side) for s in starts]


class MediaPipePeopleDetector:
    """detect_people(rgb) -> list[Detection] (best first); detect(rgb) -> the first or None."""

    def __init__(self, video: bool = True, max_people: int = 4, detection_confidence: float = DETECTION_CONFIDENCE,
                 presence_confidence: float = PRESENCE_CONFIDENCE, max_side: int = MAX_DETECT_SIDE) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")   # one warning per person per frame otherwise
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        from .landmarker_bundle import landmarker_bundle

        if max_people < 1:
            raise ValueError(f"max_people must be >= 1, got {max_people}")
        self.video, self.max_people, self.max_side = bool(video), int(max_people), int(max_side)
        self.name = (f"mediapipe-landmarker-{mp.__version__}-full-{'video' if video else 'still'}"
                     f"-p{self.max_people}")
        bundle = str(landmarker_bundle())

        def make(num_poses: int):
            opts = vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=bundle), running_mode=vision.RunningMode.IMAGE,
                num_poses=num_poses, min_pose_detection_confidence=detection_confidence,
                min_pose_presence_confidence=presence_confidence)
            return vision.PoseLandmarker.create_from_options(opts)

        self._mp = mp
        self._full = make(self.max_people + 2)    # room for duplicates before suppression
        self._crop = make(2) if self.video else None
        self._previous: list[tuple[Detection, int]] = []   # (person, frames since last seen)
        self.tiles = TILES

    def _run(self, landmarker, rgb: np.ndarray, x0: int, y0: int, factor: float) -> list[Detection]:
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = landmarker.detect(image)
        h, w = rgb.shape[:2]
        out = []
        for lms, world in zip(result.pose_landmarks, result.pose_world_landmarks):
            px = np.array([((p.x * w + x0) * factor, (p.y * h + y0) * factor, p.visibility) for p in lms], np.float32)
            wl = np.array([(p.x, p.y, p.z) for p in world], np.float32)
            out.append(Detection.from_landmarks(px, wl))
        return out

    def detect_people(self, rgb: np.ndarray) -> list[Detection]:
        """rgb: (H, W, 3) uint8 -> the people found, best first (at most max_people)."""
        from .mediapipe_pose import _downscale

        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"detect needs an RGB uint8 (H, W, 3) image, got {rgb.dtype} {rgb.shape}")
        if min(rgb.shape[:2]) < 2:
            return []
        small, factor = _downscale(rgb, self.max_side)
        cands = self._run(self._full, small, 0, 0, factor)
        if self.tiles > 1:
            for x0, y0, x1, y1 in square_tiles(small.shape[1], small.shape[0], self.tiles):
                cands += self._run(self._full, small[y0:y1, x0:x1], x0, y0, factor)
        if self._crop is not None:
            cands += self._redetect(small, factor)
        people: list[Detection] = []
        if cands:
            xy, scores = np.stack([d.xy for d in cands]), np.stack([d.scores for d in cands])
            keep = suppress_duplicates(xy, scores, priority=scores.mean(1) * self._continuity(xy))
            people = [cands[i] for i in keep[: self.max_people]]
        if self._crop is not None:
            self._remember(people)
        return people

    def _continuity(self, xy: np.ndarray) -> np.ndarray:
        """(P,) weight of each candidate: 1 when it continues a person of the previous frame, else
        NEW_FIT_WEIGHT (1 for all when nobody was seen in the previous frame)."""
        last = [d for d, age in self._previous if age == 0]
        if not last:
            return np.ones(len(xy))
        last_xy = np.stack([d.xy for d in last])
        boxes = person_boxes(last_xy, np.stack([d.scores for d in last]))
        near = keypoint_distance(xy, last_xy, boxes).min(1) < CONTINUES_DISTANCE
        return np.where(near, 1.0, NEW_FIT_WEIGHT)

    def _remember(self, people: list[Detection]) -> None:
        """Keep this frame's people, and those of recent frames that nobody found again now."""
        kept = [(d, 0) for d in people]
        if people and self._previous:
            xy = np.stack([d.xy for d in people])
            boxes = person_boxes(xy, np.stack([d.scores for d in people]))
            for d, age in self._previous:
                if age + 1 < REMEMBER_FRAMES and keypoint_distance(d.xy[None], xy, boxes).min() > SAME_PERSON_DISTANCE:
                    kept.append((d, age + 1))
        elif self._previous:
            kept += [(d, age + 1) for d, age in self._previous if age + 1 < REMEMBER_FRAMES]
        self._previous = kept[: self.max_people + 2]

    def _redetect(self, small: np.ndarray, factor: float) -> list[Detection]:
        """Each person of the previous frame, looked for again in a crop around where they were."""
        if not self._previous:
            return []
        h, w = small.shape[:2]
        previous = [d for d, _ in self._previous]
        boxes = person_boxes(np.stack([d.xy for d in previous]) / factor, np.stack([d.scores for d in previous]))
        found = []
        for p, box in enumerate(boxes):
            if not np.isfinite(box).all():
                continue
            x0, y0, x1, y1 = crop_around(box, w, h)
            if min(x1 - x0, y1 - y0) < 32:
                continue
            cands = self._run(self._crop, small[y0:y1, x0:x1], x0, y0, factor)
            if not cands:
                continue
            d = keypoint_distance(np.stack([c.xy for c in cands]), previous[p].xy[None],
                                  (boxes[p] * factor)[None])[:, 0]
            if d.min() < SAME_PERSON_DISTANCE:
                found.append(cands[int(np.argmin(d))])
        return found

    def detect(self, rgb: np.ndarray) -> Detection | None:
        people = self.detect_people(rgb)
        return people[0] if people else None

    def reset(self) -> None:
        self._previous = []

    def close(self) -> None:
        for lm in (self._full, self._crop):
            if lm is not None:
                lm.close()
        self._full = self._crop = None

    def __enter__(self) -> "MediaPipePeopleDetector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
