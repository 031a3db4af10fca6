"""Benchmark: the explorer window opened on a large library (e.g. one from benchmarks/library_open.py --keep),
with the bundled model: seconds until the snapshot is in, until the scatter is drawn, and until a search from
the first pose answers; the window's peak RSS (VmHWM).

    QT_QPA_PLATFORM=offscreen nice -n 10 .venv/bin/python benchmarks/app_open_large.py LIBRARY [--timeout 600]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("library", type=Path)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from poseexplorer.gui.main_window import MainWindow
    from poseexplorer.gui.settings import AppSettings

    app = QApplication.instance() or QApplication([])
    rss_start = peak_rss_mb()
    t0 = time.perf_counter()
    w = MainWindow(settings=AppSettings(), with_3d=False)
    w.show()
    w.start(library=str(args.library))
    marks: dict[str, float] = {}

    def wait(name: str, cond) -> bool:
        while time.perf_counter() - t0 < args.timeout:
            app.processEvents()
            if cond():
                marks[name] = time.perf_counter() - t0
                print(f"  {name:24s}{marks[name]:8.1f} s after the window was created", flush=True)
                return True
            time.sleep(0.01)
        print(f"{name}: not reached in {args.timeout:.0f} s")
        return False

    ok = wait("snapshot in", lambda: len(w.state.snapshot) > 0 and w.state.snapshot.has_embeddings)
    ok = ok and wait("scatter drawn", lambda: w.scatter.view.point_count > 0)
    snap = w.state.snapshot
    if ok:
        pose = int(snap.pose_ids[0])
        w.state.select_pose(pose) if hasattr(w.state, "select_pose") else None
        wait("first search answered", lambda: len(w.state.results) > 0)   # the app searches a selected pose
    print(f"library {args.library} ({len(snap):,} poses, {len(snap.media):,} media); "
          f"load average {os.getloadavg()[0]:.1f} (2 cores, shared)")
    print(f"  scatter points drawn {w.scatter.view.point_count:,}; peak RSS {peak_rss_mb():.0f} MB "
          f"(process before the window {rss_start:.0f} MB)")
    w.close()


if __name__ == "__main__":
    main()
