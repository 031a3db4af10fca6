"""Benchmark: synced playback of two large videos, decode threads (ours) against decoding in the GUI thread.

    xvfb-run -a env QT_QPA_PLATFORM=xcb .venv/bin/python benchmarks/sync_playback.py [--seconds 3]
        [--speed 1] [VIDEO_A VIDEO_B]

Without videos, two 1920x1080 30 fps MPEG-4 clips with a moving textured picture are generated in a
temporary folder. Both players are poseexplorer.gui.sync.players.SyncPlayers on the same videos, same
window size, same clock (the follower uses an identity sync map clipped to its length):
- ours: each video decoded by its own FrameLoader thread, frames shown when they arrive, late ones dropped;
- reference 1: SynchronousPlayers, the same widget decoding in the GUI thread on every tick (what the panel
  did before the decode threads);
- reference 2: FullSizePaintPlayers, decode threads but the GUI thread converts the full-size frame and
  paintEvent scales it (what the players did before the loader prepared display-size images).
Printed per player: frames that reached the screen out of the frames the clock passed (both views), the
longest event-loop stall (a 5 ms heartbeat timer), the mean GUI-thread time per clock tick and per paint
of a view (mean and longest); then the ratios ours / reference.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def write_clip(path: Path, seconds: float, fps: float = 30.0, size: tuple[int, int] = (1920, 1080)) -> Path:
    import cv2

    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (size[1], size[0] * 2, 3), dtype=np.uint8)
    texture = cv2.GaussianBlur(texture, (0, 0), 3)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for k in range(int(seconds * fps)):
        writer.write(np.ascontiguousarray(texture[:, 8 * k: 8 * k + size[0]]))
    writer.release()
    return path


def measure(players_cls, paths: list[str], speed: float, seconds: float) -> dict[str, float]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from poseexplorer.align.playback import FollowerTrack
    from poseexplorer.io import open_media

    app = QApplication.instance() or QApplication([])
    readers = [open_media(p) for p in paths]
    fps, n_ref, n_fol = readers[0].fps, len(readers[0]), len(readers[1])
    n_play = min(n_ref, int(seconds * fps * speed))
    track = FollowerTrack(np.minimum(np.arange(n_ref), n_fol - 1), n_fol, readers[1].fps)
    players = players_cls()
    players.resize(1400, 600)
    players.show()
    players.set_videos(readers, ["a", "b"], fps, [track])
    players.set_speed(speed)
    seen, gaps, ticks = set(), [], []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
        seen.update((i, f) for i, f in enumerate(players.shown_frames()))

    players._timer.timeout.disconnect(players._tick)

    def timed_tick() -> None:
        t0 = time.perf_counter()
        players._tick()
        ticks.append(time.perf_counter() - t0)
        if players.reference_frame() >= n_play - 1:
            players.pause()

    players._timer.timeout.connect(timed_tick)
    paints: list[float] = []
    for view in players.views():
        view.paintEvent = _timed(view.paintEvent, paints)
    heartbeat = QTimer()
    heartbeat.timeout.connect(beat)
    heartbeat.start(5)
    players.play()
    while players.is_playing():
        app.processEvents()
        time.sleep(0.001)
    heartbeat.stop()
    players.clear()
    players.close()
    passed = n_play + len({int(track.frame_for(r)) for r in range(n_play)})
    return {"shown": len(seen) / passed, "max_stall_ms": max(gaps) * 1000, "tick_ms": np.mean(ticks) * 1000,
            "paint_ms": np.mean(paints) * 1000 if paints else float("nan"),
            "max_paint_ms": max(paints, default=float("nan")) * 1000, "dropped": players.playback_counts()["dropped"]}


def _timed(paint, times: list[float]):
    """paintEvent wrapped to record its duration (the GUI thread's share of showing a frame)."""
    def timed(event) -> None:
        t0 = time.perf_counter()
        paint(event)
        times.append(time.perf_counter() - t0)
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each (the machine is shared)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 shared cores)")
    from poseexplorer.gui.frame_loader import DecodedFrame, display_image
    from poseexplorer.gui.sync.players import SyncPlayers

    class SynchronousPlayers(SyncPlayers):
        """Reference: decodes in the GUI thread on every tick (the paused path, used while playing)."""

        def _render(self, at_once: bool = True) -> None:
            playing, self._playing = self._playing, False
            try:
                super()._render(at_once=True)
            finally:
                self._playing = playing

    class FullSizePaintPlayers(SyncPlayers):
        """Reference: decode threads, but the GUI thread converts each full-size frame to a QImage and
        paintEvent scales it (what the players did before the loader prepared display-size images)."""

        def _show(self, i, frame, picture) -> None:
            super()._show(i, frame, DecodedFrame(picture.rgb, display_image(picture.rgb)))

    players = {"decode threads + display-size images (ours)": SyncPlayers,
               "GUI-thread decode (reference)": SynchronousPlayers,
               "GUI-thread convert, scale in paint (reference)": FullSizePaintPlayers}
    with tempfile.TemporaryDirectory() as tmp:
        paths = args.videos or [str(write_clip(Path(tmp) / f"{c}.mp4", args.seconds + 0.5)) for c in "ab"]
        runs = [{name: measure(cls, paths, args.speed, args.seconds) for name, cls in players.items()}
                for _ in range(args.rounds)]
    for run in runs:
        print("  round: " + "; ".join(f"shown {r['shown']:.0%} stall {r['max_stall_ms']:.0f} ms paint "
                                      f"{r['paint_ms']:.1f} ms" for r in run.values()))
    medians = {name: {k: float(np.median([run[name][k] for run in runs])) for k in runs[0][name]}
               for name in players}
    print(f"medians over {args.rounds} alternating rounds:")
    for name, r in medians.items():
        print(f"{name:47s} frames shown {r['shown']:6.1%}   longest stall {r['max_stall_ms']:5.0f} ms   "
              f"GUI time per tick {r['tick_ms']:6.2f} ms   paint per view {r['paint_ms']:5.1f} ms "
              f"(longest {r['max_paint_ms']:.0f} ms)")
    ours = medians[next(iter(players))]
    for name in list(players)[1:]:
        ref = medians[name]
        print(f"ratio ours/{name}: frames shown x{ours['shown'] / ref['shown']:.2f}, longest stall "
              f"x{ours['max_stall_ms'] / ref['max_stall_ms']:.2f}, tick time x{ours['tick_ms'] / ref['tick_ms']:.3f}, "
              f"paint per view x{ours['paint_ms'] / ref['paint_ms']:.2f}")


if __name__ == "__main__":
    main()
