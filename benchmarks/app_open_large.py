"""Benchmark: the explorer window opened on a large library (e.g. one from benchmarks/library_open.py --keep),
with the bundled model: seconds until the window's first paint, until the library's media and poses are
listed (before the model has loaded), until the snapshot with embeddings is in, until the scatter is drawn, and until the search of the pose it opens on answers; the window's peak RSS (VmHWM). Reference, in
the same run: the headless open (library_open.py's child: snapshot_job in a fresh process, model loaded
first). Also printed: the GUI thread's longest stall (the longest gap between two turns of its event loop)
and the load average.

    QT_QPA_PLATFORM=offscreen nice -n 10 .venv/bin/python benchmarks/app_open_large.py LIBRARY [--timeout 600]
        [--single-frame] [--embeddings SEARCH_SCALE_DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def headless_open(library: Path) -> float:
    """Seconds of the app's snapshot job on `library` in a fresh process (library_open.py --child paged)."""
    script = Path(__file__).with_name("library_open.py")
    out = subprocess.run([sys.executable, str(script), "--child", "paged", str(library)], capture_output=True,
                         text=True, check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1])["open"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("library", type=Path)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--single-frame", action="store_true",
                    help="untick 'by motion': the first answer is the best single frame per view")
    ap.add_argument("--embeddings", type=Path, help="a folder with mean.npy and stddev.npy (search_scale.py's "
                    "--dir): copied over the library's embedding columns first (search_app_large.py does the same)")
    args = ap.parse_args()
    if args.embeddings:
        sys.path.insert(0, str(Path(__file__).parent))
        from search_app_large import _replace_embeddings

        _replace_embeddings(args.library, args.embeddings)
    reference = headless_open(args.library)
    print(f"reference: headless open (snapshot_job, fresh process) {reference:.2f} s; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from poseexplorer.gui.main_window import MainWindow
    from poseexplorer.gui.settings import AppSettings

    class FirstPaint(QObject):
        at = None

        def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
            if event.type() == QEvent.Type.Paint and self.at is None:
                self.at = time.perf_counter()
            return False

    app = QApplication.instance() or QApplication([])
    rss_start = peak_rss_mb()
    t0 = time.perf_counter()
    w = MainWindow(settings=AppSettings(), with_3d=False)
    painted = FirstPaint()
    w.installEventFilter(painted)
    by_motion = getattr(w.retrieval, "by_motion", None)
    if args.single_frame and by_motion is not None:
        by_motion.setChecked(False)
    w.show()
    w.start(library=str(args.library))
    marks: dict[str, float] = {}
    stall = [0.0]   # the longest single processEvents call: the GUI thread busy without a break

    def wait(name: str, cond) -> bool:
        while time.perf_counter() - t0 < args.timeout:
            before = time.perf_counter()
            app.processEvents()
            stall[0] = max(stall[0], time.perf_counter() - before)
            if cond():
                marks[name] = time.perf_counter() - t0
                print(f"  {name:24s}{marks[name]:8.1f} s after the window was created "
                      f"({marks[name] / reference:.1f} x the headless open)", flush=True)
                return True
            time.sleep(0.01)
        print(f"{name}: not reached in {args.timeout:.0f} s")
        return False

    ok = wait("first paint", lambda: painted.at is not None)
    ok = ok and wait("library listed", lambda: len(w.state.snapshot) > 0 and w.library_panel.list.count() > 0)
    ok = ok and wait("snapshot in", lambda: len(w.state.snapshot) > 0 and w.state.snapshot.has_embeddings)
    ok = ok and wait("scatter drawn", lambda: w.scatter.view.point_count > 0)
    snap = w.state.snapshot
    if ok:   # the window opens a media and searches its pose by itself
        wait("first search answered", lambda: len(w.state.results) > 0)
    mode = ("by motion" if getattr(getattr(w.retrieval, "by_motion", None), "isChecked", lambda: False)()
            else "best frame per view" if w.retrieval.per_media.isChecked() else "top k")
    print(f"library {args.library} ({len(snap):,} poses, {len(snap.media):,} media); search mode {mode}; "
          f"{len(w.state.results):,} results, {w.retrieval.grid.count()} tiles drawn; "
          f"load average {os.getloadavg()[0]:.1f} (2 cores, shared)")
    print(f"  longest GUI-thread stall while waiting {stall[0]:.2f} s; scatter points drawn "
          f"{w.scatter.view.point_count:,}; peak RSS {peak_rss_mb():.0f} MB (process before the window "
          f"{rss_start:.0f} MB)")
    w.close()


if __name__ == "__main__":
    main()
