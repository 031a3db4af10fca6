"""Index what a folder holds (videos, keypoint files, image folders) into a pose library (headless, resumable).

    python examples/index_folder.py [FOLDER] [--library FILE]

Each entry of FOLDER becomes one media of the library: detection (MediaPipe) for videos and images, none for
keypoint files, then embedding with the bundled model. Without FOLDER, three generated keypoint tracks are
written to a temporary folder and indexed. Running it again on the same library skips what is done.
"""
import argparse
import tempfile
from pathlib import Path

import numpy as np

import poseexplorer as px
from poseexplorer.session import Session
from poseexplorer.testing import keypoint_track

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("folder", nargs="?")
parser.add_argument("--library", help="library file (default: a temporary one)")
args = parser.parse_args()

work = Path(tempfile.mkdtemp(prefix="px-index-"))
folder = Path(args.folder) if args.folder else work / "clips"
if not args.folder:
    folder.mkdir()
    for i, yaw in enumerate((0.0, 0.6, 1.2)):
        keypoint_track(folder / f"view{i}.npz", np.arange(45) / 30.0, 30.0, yaw=yaw)

session = Session()
session.open_library(args.library or work / "poses.sqlite")
session.set_model(px.load_model())
entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
report = session.import_paths(entries)
for f in report.files:
    print(f"{Path(f.path).name}: {'ok' if f.ok else f.message}")
snap = session.snapshot
print(f"library {session.library_path}: {len(snap.media)} media, {len(snap)} poses, "
      f"embeddings {'stored' if snap.has_embeddings else 'missing'}")
