"""Benchmark: the PCA scatter with 100,000 points, our ScatterView against a naive pyqtgraph scatter.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_scatter.py [--n 100000] [--groups 8]

Both draw the same points in the same colours (one colour per media) at the same widget size:
- ours: poseexplorer.gui.views.scatter_view.ScatterView, one ScatterPlotItem per colour group with a
  single brush, pxMode, built once, cached as a device pixmap (a pan blits it);
- reference: one pg.ScatterPlotItem with a per-point list of brushes (what "colour each point" gives).
Printed: time to build/colour the points, median time of a full repaint (widget.grab), frames per second
during a pan (10 view-range changes, each repainted on screen), hover lookup time (KD-tree), and the ratios.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402


def _time(fn, repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _pan_fps(widget, app, viewbox, steps: int = 10) -> float:
    (x0, x1), (y0, y1) = viewbox.viewRange()
    dx = (x1 - x0) / 50
    t0 = time.perf_counter()
    for i in range(steps):
        viewbox.setRange(xRange=(x0 + i * dx, x1 + i * dx), yRange=(y0, y1), padding=0)
        widget.viewport().repaint()   # the on-screen paint path (grab() renders without the item cache)
    return steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=8)
    args = parser.parse_args()

    from poseexplorer.gui.app import create_app

    app = create_app()
    import pyqtgraph as pg

    from poseexplorer.gui.views.scatter_view import ScatterView
    from poseexplorer.gui.views.skeleton_style import media_colour

    rng = np.random.default_rng(0)
    xy = rng.normal(size=(args.n, 2)) + rng.integers(0, 4, size=(args.n, 1)) * 2.0
    groups = rng.integers(0, args.groups, args.n)
    colours = [media_colour(i) for i in range(args.groups)]

    ours = ScatterView()
    ours.resize(900, 600)
    ours.show()
    build_ours = _time(lambda: ours.set_points(xy, np.arange(args.n), groups, colours))[0]
    app.processEvents()

    ref = pg.PlotWidget()
    ref.resize(900, 600)
    ref.show()

    def build_ref():
        brushes = [pg.mkBrush(*colours[g], 200) for g in groups]
        ref.addItem(pg.ScatterPlotItem(xy[:, 0], xy[:, 1], pxMode=True, size=5, pen=None, brush=brushes))

    build_ref_t = _time(build_ref)[0]
    app.processEvents()

    paint_ours = statistics.median(_time(ours.grab, 5))
    paint_ref = statistics.median(_time(ref.grab, 5))
    fps_ours = _pan_fps(ours, app, ours.vb)
    fps_ref = _pan_fps(ref, app, ref.getViewBox())
    from PySide6.QtCore import QPointF

    probes = [QPointF(*p) for p in xy[rng.integers(0, args.n, 200)]]
    hover = statistics.median(_time(lambda: [ours.nearest(p) for p in probes])) / len(probes)

    print(f"points: {args.n:,} in {args.groups} colours; widget 900x600, Qt platform {app.platformName()}")
    print(f"{'':28s}{'ScatterView':>14s}{'per-point brushes':>20s}{'ratio':>9s}")
    print(f"{'build + colour (s)':28s}{build_ours:14.3f}{build_ref_t:20.3f}{build_ref_t / build_ours:8.1f}x")
    print(f"{'full repaint, median (ms)':28s}{1000 * paint_ours:14.1f}{1000 * paint_ref:20.1f}"
          f"{paint_ref / paint_ours:8.1f}x")
    print(f"{'pan, frames per second':28s}{fps_ours:14.1f}{fps_ref:20.1f}{fps_ours / fps_ref:8.1f}x")
    print(f"hover lookup (KD-tree), median per query: {1e6 * hover:.0f} us")
    os._exit(0)  # skip Qt teardown at interpreter exit


if __name__ == "__main__":
    main()
