"""Benchmark: GUI-thread time to show one video frame in the main viewer, ours against the old way.

    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb .venv/bin/python benchmarks/viewer_frame.py
        [--frames 30] [--rounds 3] [VIDEO]

- ours: FrameView.set_frame(DecodedFrame) + a synchronous repaint; the frame was converted to a QImage and
  scaled to the view's size beforehand in the FrameLoader thread (that cost is printed too, but it is not
  the GUI thread's);
- reference: a pyqtgraph ImageItem given the full-size RGB array + a repaint (what FrameView did before:
  the ARGB conversion and the smooth scale of the 1080p picture happen in the GUI thread).
Both views are 1000x600 in the same window; rounds alternate because the machine is shared. Without a
video, 1920x1080 textured frames are generated.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def frames_from(video: str | None, n: int) -> list[np.ndarray]:
    if video:
        from poseexplorer.io import open_media

        reader = open_media(video)
        frames = [reader.read(i) for i in range(min(n, len(reader)))]
        reader.close()
        return frames
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (1080, 1920 + 4 * n, 3), dtype=np.uint8)
    return [np.ascontiguousarray(base[:, 4 * k: 4 * k + 1920]) for k in range(n)]


def time_view(show, view, frames) -> list[float]:
    times = []
    for item in frames:
        t0 = time.perf_counter()
        show(item)
        view.viewport().repaint()   # a QGraphicsView paints in its viewport
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 shared cores)")
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from poseexplorer.gui.frame_loader import decoded_frame
    from poseexplorer.gui.views.frame_view import FrameView

    app = QApplication.instance() or QApplication([])
    frames = frames_from(args.video, args.frames)
    ours = FrameView()
    ref = pg.GraphicsLayoutWidget()
    ref_box = ref.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
    ref_item = pg.ImageItem()
    ref_box.addItem(ref_item)
    for view in (ours, ref):
        view.resize(1000, 600)
        view.show()
    app.processEvents()
    ours.set_frame(decoded_frame(frames[0], ours.display_box()))
    ref_item.setImage(frames[0], autoLevels=False, levels=(0, 255))
    ref_box.setRange(xRange=(0, frames[0].shape[1]), yRange=(0, frames[0].shape[0]), padding=0.01)
    app.processEvents()
    gui_ours, gui_ref, prep = [], [], []
    for _ in range(args.rounds):
        box = ours.display_box()
        t0 = time.perf_counter()
        prepared = [decoded_frame(f, box) for f in frames]   # what the loader thread does
        prep.append((time.perf_counter() - t0) / len(frames))
        gui_ours += time_view(ours.set_frame, ours, prepared)
        gui_ref += time_view(lambda f: ref_item.setImage(f, autoLevels=False, levels=(0, 255)), ref, frames)
        app.processEvents()
    size = f"{frames[0].shape[1]}x{frames[0].shape[0]}"
    med_o, med_r = np.median(gui_ours) * 1000, np.median(gui_ref) * 1000
    print(f"{len(frames)} frames of {size} x {args.rounds} rounds into a 1000x600 view")
    print(f"ours (prepared in the loader thread) GUI time per frame: median {med_o:6.2f} ms, max "
          f"{max(gui_ours) * 1000:6.1f} ms   (loader thread: {np.median(prep) * 1000:.1f} ms per frame)")
    print(f"reference (full-size array to pyqtgraph ImageItem):   median {med_r:6.2f} ms, max "
          f"{max(gui_ref) * 1000:6.1f} ms")
    print(f"ratio ours/reference: median x{med_o / med_r:.3f}, max x{max(gui_ours) / max(gui_ref):.3f}")


if __name__ == "__main__":
    main()
