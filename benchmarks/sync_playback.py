"""Benchmark: synced playback of two large videos, decode threads (ours) against decoding in the GUI thread.

    xvfb-run -a env QT_QPA_PLATFORM=xcb .venv/bin/python benchmarks/sync_playback.py [--seconds 3]
        [--speed 1] [VIDEO_A VIDEO_B]

Without videos, two 1920x1080 30 fps MPEG-4 clips with a moving textured picture are generated in a
temporary folder. Both players are poseexplorer.gui.sync.players.SyncPlayers on the same videos, same
window size, same clock (the follower uses an identity sync map clipped to its length):
- ours: each video decoded by its own FrameLoader thread, frames shown when they arrive, late ones dropped;
- reference: SynchronousPlayers, the same widget decoding in the GUI thread on every tick (what the panel
  did before the decode threads).
Printed per player: frames that reached the screen out of the frames the clock passed (both views), the
longest event-loop stall (a 5 ms heartbeat timer) and the mean GUI-thread time per clock tick; then the
ratios ours / reference.
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
            "dropped": players.playback_counts()["dropped"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each (the machine is shared)")
    args = parser.parse_args()
    from poseexplorer.gui.sync.players import SyncPlayers

    class SynchronousPlayers(SyncPlayers):
        """Reference: decodes in the GUI thread on every tick (the paused path, used while playing)."""

        def _render(self) -> None:
            playing, self._playing = self._playing, False
            try:
                super()._render()
            finally:
                self._playing = playing

    with tempfile.TemporaryDirectory() as tmp:
        paths = args.videos or [str(write_clip(Path(tmp) / f"{c}.mp4", args.seconds + 0.5)) for c in "ab"]
        runs = [(measure(SyncPlayers, paths, args.speed, args.seconds),
                 measure(SynchronousPlayers, paths, args.speed, args.seconds)) for _ in range(args.rounds)]
    for r_ours, r_ref in runs:
        print(f"  round: shown {r_ours['shown']:.0%} vs {r_ref['shown']:.0%} (ours dropped {r_ours['dropped']}), "
              f"stall {r_ours['max_stall_ms']:.0f} vs {r_ref['max_stall_ms']:.0f} ms")
    ours, ref = ({k: float(np.median([r[j][k] for r in runs])) for k in runs[0][0]} for j in (0, 1))
    print(f"medians over {args.rounds} alternating rounds:")
    for name, r in (("decode threads (ours)", ours), ("GUI-thread decode (reference)", ref)):
        print(f"{name:32s} frames shown {r['shown']:6.1%}   longest stall {r['max_stall_ms']:6.0f} ms   "
              f"GUI time per tick {r['tick_ms']:6.2f} ms")
    print(f"ratio ours/reference: frames shown x{ours['shown'] / ref['shown']:.2f}, longest stall "
          f"x{ours['max_stall_ms'] / ref['max_stall_ms']:.2f}, tick time x{ours['tick_ms'] / ref['tick_ms']:.3f}")


if __name__ == "__main__":
    main()
