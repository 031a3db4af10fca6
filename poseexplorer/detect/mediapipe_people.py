"""Several people per frame: MediaPipe Tasks PoseLandmarker on the locally built bundle, as a Detector.

The Tasks API's own VIDEO mode runs the person detector only when it tracks nobody, so a second person
who is missed at first stays missed (on the Pose2Sim multi-person views it found both people in 22-78%
of frames). We therefore detect on the whole frame in IMAGE mode every frame and, in video mode, also
re-detect each person of the previous frame in a square crop around them, where they fill the
detector's input (BlazePose's detector looks for a face, and people far from the camera or with a
blurred face are found far more often at this scale). The whole-frame pass also runs on a few square
tiles along the frame's long side (square_tiles): the detector squeezes the whole frame into 224 x 224,
where a face of 50 px in a 1920 px portrait frame is 6 px; in a tile it is twice that (on the Pose2Sim
multi-person views, frames with both people: cam01 85% -> 98%, cam03 17% -> 67%). Candidates from both
are merged by duplicate suppression and the `max_people` best are kept.

A person standing with their back to the camera right beside another one's face is still missed: every
pass, crops included, locks on the visible face (cam03: the man turns away behind the woman for the last
quarter of the clip). So a remembered person whom no fit of this frame continues (one-to-one,
continued_by) is looked for once more in a crop around their last place with the people found painted
over in grey (people_mask); cam03 both-found 67% -> 95%. Identities across frames are assigned later,
on the whole stored sequence (detect.tracking).
"""
from __future__ import annotations

import os

import numpy as np

from ..core.skeleton import MEDIAPIPE_TO_COCO13
from .base import MAX_DETECT_SIDE, Detection
from .people import continued_by, crop_around, keypoint_distance, people_mask, person_boxes, suppress_duplicates

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
#: A remembered person counts as found again only by a fit this close (at 60 fps a person moves far
#: less; a wrong fit spanning them and the person beside them is further).
FOUND_AGAIN_DISTANCE = 0.25
#: A lost person's masked re-detection is kept unless its keypoints lie this close to a person found
#: (a copy of them); heads and boxes may overlap, as they do when one stands right behind the other.
NOT_A_COPY_DISTANCE = 0.15
#: Others are masked over the convex hull of their keypoints and a disc of this many shoulder widths
#: around the nose, in this grey.
MASK_HEAD_RADIUS = 0.5
MASK_GREY = 128
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
            people = [cands[i] for i in keep]
        if self._crop is not None:
            people = self._with_lost(small, factor, people)[: self.max_people]
            self._remember(people)
        return people[: self.max_people]

    def _with_lost(self, small: np.ndarray, factor: float, people: list[Detection]) -> list[Detection]:
        """people (best first) with the lost people found again (_find_lost) placed after those who
        continue someone remembered and before new ones, so a new spurious fit cannot push them out."""
        found = self._find_lost(small, factor, people[: self.max_people])
        if not found:
            return people
        xy = np.stack([d.xy for d in people])
        boxes = person_boxes(xy, np.stack([d.scores for d in people]))
        prev = np.stack([d.xy for d, _ in self._previous])
        going_on = set(continued_by(prev, xy, boxes, SAME_PERSON_DISTANCE).tolist())
        return ([d for i, d in enumerate(people) if i in going_on] + found
                + [d for i, d in enumerate(people) if i not in going_on])

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
        """Keep this frame's people, and those of recent frames that nobody continues now."""
        kept = [(d, 0) for d in people]
        lost = self._lost(people)
        kept += [(d, age + 1) for (d, age), gone in zip(self._previous, lost) if gone and age + 1 < REMEMBER_FRAMES]
        self._previous = kept[: self.max_people + 2]

    def _lost(self, people: list[Detection]) -> list[bool]:
        """Per remembered person: True when none of `people` continues them (one-to-one, continued_by)."""
        if not people or not self._previous:
            return [True] * len(self._previous)
        xy = np.stack([d.xy for d in people])
        boxes = person_boxes(xy, np.stack([d.scores for d in people]))
        prev = np.stack([d.xy for d, _ in self._previous])
        return (continued_by(prev, xy, boxes, FOUND_AGAIN_DISTANCE) < 0).tolist()

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

    def _find_lost(self, small: np.ndarray, factor: float, people: list[Detection]) -> list[Detection]:
        """Each recent person that nobody continues now, looked for in a crop around their last place
        with this frame's people painted over (people_mask): a person seen from behind next to another
        one's face is otherwise never found (the detector locks on the visible face)."""
        if not people:
            return []
        found: list[Detection] = []
        for (d, _), gone in zip(self._previous, self._lost(people)):
            if not gone:
                continue
            now = people + found
            xy = np.stack([p.xy for p in now])
            cand = self._masked_redetect(small, factor, d, xy)
            if cand is None:
                continue
            boxes = person_boxes(xy, np.stack([p.scores for p in now]))
            if keypoint_distance(cand.xy[None], xy, boxes).min() >= NOT_A_COPY_DISTANCE:
                found.append(cand)
        return found

    def _masked_redetect(self, small: np.ndarray, factor: float, lost: Detection,
                         others: np.ndarray) -> Detection | None:
        """The fit nearest to `lost` in a crop around its box with `others` (P, 13, 2) px masked, if it
        lies within SAME_PERSON_DISTANCE of it."""
        h, w = small.shape[:2]
        box = person_boxes(lost.xy[None] / factor, lost.scores[None])[0]
        if not np.isfinite(box).all():
            return None
        x0, y0, x1, y1 = crop_around(box, w, h)
        if min(x1 - x0, y1 - y0) < 32:
            return None
        crop = small[y0:y1, x0:x1].copy()
        crop[people_mask(y1 - y0, x1 - x0, others / factor - [x0, y0], MASK_HEAD_RADIUS)] = MASK_GREY
        cands = self._run(self._crop, crop, x0, y0, factor)
        if not cands:
            return None
        d = keypoint_distance(np.stack([c.xy for c in cands]), lost.xy[None], (box * factor)[None])[:, 0]
        return cands[int(np.argmin(d))] if d.min() < SAME_PERSON_DISTANCE else None

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
