"""Search a pose across views: the best matches of one pose among the poses of the other media.

    python examples/search.py

Two generated views of one motion (front and 50 degrees to the side) are imported into a temporary
library; the search for each of a few front frames lists its best matches in the side view, with the
matching probability and the model's calibrated confidence.
"""
import tempfile
from pathlib import Path

import numpy as np

import poseexplorer as px
from poseexplorer.session import Session
from poseexplorer.testing import keypoint_track

work = Path(tempfile.mkdtemp(prefix="px-search-"))
times = np.arange(60) / 30.0
front = keypoint_track(work / "front.npz", times, 30.0)
side = keypoint_track(work / "side.npz", times, 30.0, yaw=np.deg2rad(50))

session = Session()
session.open_library(work / "poses.sqlite")
session.set_model(px.load_model())
session.import_paths([front, side])
snap = session.snapshot
front_id = next(m.media_id for m in snap.media if m.name == "front.npz")

for frame in (10, 25, 40):
    query = snap.pose_at(front_id, frame)
    rows = session.search(session.search_request(query, k=3))   # the query's own media is excluded
    hits = ", ".join(f"{snap.media_name(r.media_id)} frame {r.frame} (P {r.probability:.2f}, "
                     f"confidence {r.shown_confidence:.2f})" for r in rows)
    print(f"front frame {frame}: {hits}")
