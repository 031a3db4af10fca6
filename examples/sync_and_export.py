"""Sync two recordings of one motion and export them side by side as one video.

    python examples/sync_and_export.py [VIDEO_A VIDEO_B] [--out synced.mp4]

Without videos, two generated keypoint tracks are used: B shows the motion from another side, at 20 fps
against A's 30, starting later and running at 85% speed with a wobble. The sources are indexed into a
library (detections are kept), embedded, aligned by DTW and the found sync is saved in the library.
"""
import argparse
import tempfile
from pathlib import Path

import numpy as np

import poseexplorer as px
from poseexplorer.session import Session, VideoSource
from poseexplorer.testing import keypoint_track, warp

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("videos", nargs="*")
parser.add_argument("--out", help="output video (default: synced.mp4 in a temporary folder)")
args = parser.parse_args()

work = Path(tempfile.mkdtemp(prefix="px-sync-"))
timing = (0.4, 0.85, 0.08, 2.5)          # B's frame at time u shows the motion at warp(u, *timing)
if args.videos:
    paths = [Path(v) for v in args.videos]
else:
    paths = [keypoint_track(work / "a.npz", np.arange(90) / 30.0, 30.0, (400, 600)),
             keypoint_track(work / "b.npz", warp(np.arange(50) / 20.0, *timing), 20.0, (300, 300), yaw=0.5)]

session = Session()
session.open_library(work / "poses.sqlite")
session.set_model(px.load_model())
result = session.sync([VideoSource(str(p)) for p in paths])
follower = result.followers[0]
print(f"{follower.name} follows {result.reference.name}: mean path cost {follower.distance:.3f}, "
      f"mirrored {follower.mirrored}")
for i in (15, 45, 75):
    print(f"  reference frame {i} -> {follower.name} frame {int(follower.sync_map[i])}")
if not args.videos:
    shown = warp(follower.sync_map / 20.0, *timing)            # the moment B shows at each A frame
    inside = (np.arange(90) / 30.0 >= timing[0] + 0.1) & (np.arange(90) / 30.0 <= shown.max() - 0.1)
    err = np.abs(shown - np.arange(90) / 30.0)[inside]
    print(f"  against the known timing: median error {1000 * np.median(err):.0f} ms")
out = session.export_sync(result, args.out or work / "synced.mp4")
print(f"exported {out}")
