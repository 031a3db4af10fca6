"""Screenshots of the sync panel and the training dialog, from real runs. Run under Xvfb:

    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/screenshots_sync_training.py sync [--model FILE] [--out docs/screenshots]
    ... scripts/screenshots_sync_training.py training [--out docs/screenshots]

sync: two real views of ../shared (pose2sim cam01, and cam02 re-timed with a known warp, at another fps and
size) are detected, embedded and aligned by the panel, then shown at one instant. training: a short run on
generated 3D poses from the dialog, captured half-way (curves, elapsed, estimate), then run to the end and
exported.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]



def _run_sync(app, panel, paths) -> "np.ndarray":
    """Add the videos (first = reference), sync them, wait; the first follower's sync map."""
    for path in paths:
        panel.add_video(str(path))
    done: list = []
    panel.synced.connect(done.append)
    panel.start_sync()
    panel._worker.failed.connect(lambda msg, details: done.append(msg))
    _wait(app, lambda: done)
    if not panel.result():
        raise SystemExit(f"sync failed: {done}")
    return panel.result().followers[0].sync_map

def _wait(app, condition, timeout_s: float = 900) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("timed out")
        app.processEvents()
        time.sleep(0.01)


def _save(widget, path: Path, width: int = 1200) -> None:
    """Grab the widget; store it at most `width` wide with a 256-colour palette (screenshots < 300 KB)."""
    from PIL import Image

    raw = path.with_suffix(".raw.png")
    widget.grab().save(str(raw))
    image = Image.open(raw).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image.quantize(colors=256).save(path, optimize=True)
    raw.unlink()


def shot_sync(app, out: Path, model_path: str | None, followers: list[str], drift: float = 0.0) -> None:
    from poseexplorer.embed.model import load_model
    from poseexplorer.gui.sync_panel import SyncPanel
    from poseexplorer.testing.footage import retimed_views

    tmp = Path(tempfile.mkdtemp(prefix="sync-shot-"))
    views = REPO.parent / "shared" / "data" / "media" / "pose2sim_4views"
    written = [retimed_views(views, tmp, cam_b=cam) for cam in followers]
    path_a, path_b, source = written[0]
    panel = SyncPanel(library_path=str(tmp / "lib.sqlite"), model=load_model(model_path))
    panel.resize(1500 if len(followers) == 1 else 1900, 860)
    panel.drift.setValue(drift)
    panel.show()
    sync = _run_sync(app, panel, [path_a] + [path for _, path, _ in written])
    covered = [i for i in range(len(sync)) if source[0] <= i <= source[-1]]
    err = np.array([abs(source[sync[i]] - i) for i in covered])
    print(f"frame error against the known warp (60 fps frames): median {np.median(err):.1f}, "
          f"within 3: {np.mean(err <= 3):.0%}, within 6: {np.mean(err <= 6):.0%}")
    panel.players.seek(58)
    for _ in range(30):
        app.processEvents()
    _save(panel, out / ("sync_panel.png" if len(followers) == 1 else "sync_panel_multi.png"))


def mocap_tracks(folder: Path, seconds: float = 6.0, azimuth_b: float = 60.0) -> tuple[Path, Path, np.ndarray]:
    """CMU salsa 01 (BVH) seen by two pinhole cameras `azimuth_b` degrees apart, as keypoint NPZ files; B is
    re-timed (start, rate, wobble, period) = (1.0, 0.8, 0.15, 2.0) at 25 fps against A at 30 fps.
    Returns (A, B, action time shown in each B frame)."""
    from poseexplorer.core.camera import PinholeCamera, look_at
    from poseexplorer.core.skeleton import H36M17_TO_COCO13
    from poseexplorer.io import KeypointTrack, write_keypoint_npz
    from poseexplorer.testing import warp
    from trainer.mocap import load_clip, resample_clip

    clip = resample_clip(load_clip(REPO.parent / "shared" / "data" / "mocap" / "cmu_dance" / "salsa" / "01.bvh",
                                   fps=60.0), 60.0)
    joints = clip.joints[: int(seconds * 60)]
    centre = joints[:, 0].mean(axis=0)

    def write(path, azimuth_deg, times, fps, size):
        az = np.deg2rad(azimuth_deg)
        eye = centre + 4.5 * np.array([np.sin(az), 0.0, np.cos(az)]) + [0, 0.4, 0]
        cam = PinholeCamera(look_at(eye, centre), eye, 1.1 * size[1], (size[0] / 2, size[1] / 2), size)
        frames = np.clip(np.rint(np.asarray(times) * 60).astype(int), 0, len(joints) - 1)
        xy = cam.project(joints[frames][:, H36M17_TO_COCO13]).astype(np.float32)
        n = len(frames)
        write_keypoint_npz(path, KeypointTrack(np.arange(n), xy, np.ones((n, 13), np.float32), fps, size, "mocap"))
        return path

    n_a = int((seconds - 0.1) * 30)
    a = write(folder / "salsa01_cam_a.npz", 0.0, np.arange(n_a) / 30.0, 30.0, (640, 480))
    params = (1.0, 0.8, 0.15, 2.0)
    n_b = int(((seconds - 0.2) - params[0] - params[2]) / params[1] * 25)
    shown = warp(np.arange(n_b) / 25.0, *params)
    b = write(folder / "salsa01_cam_b_retimed.npz", azimuth_b, shown, 25.0, (480, 480))
    return a, b, shown


def shot_mocap(app, out: Path, model_path: str | None) -> None:
    """Two mocap renderings (keypoint tracks) with a known warp, synced by the panel."""
    from poseexplorer.embed.model import load_model
    from poseexplorer.gui.sync_panel import SyncPanel

    tmp = Path(tempfile.mkdtemp(prefix="mocap-shot-"))
    a, b, shown = mocap_tracks(tmp)
    panel = SyncPanel(library_path=str(tmp / "lib.sqlite"), model=load_model(model_path))
    panel.resize(1500, 760)
    panel.show()
    sync = _run_sync(app, panel, [a, b])
    inside = [i for i in range(len(sync)) if shown[0] <= i / 30.0 <= shown[-1]]
    err = np.array([abs(shown[sync[i]] - i / 30.0) for i in inside])
    print(f"time error against the known warp: median {np.median(err) * 1000:.0f} ms, "
          f"90th percentile {np.percentile(err, 90) * 1000:.0f} ms, mirrored {panel.result().followers[0].mirrored}")
    panel.players.seek(len(sync) // 2)
    for _ in range(30):
        app.processEvents()
    _save(panel, out / "sync_mocap.png")


def shot_training(app, out: Path) -> None:
    from trainer.config import tiny_config

    from poseexplorer.gui.training_dialog import TrainingDialog
    from poseexplorer.testing import motion_npz

    tmp = Path(tempfile.mkdtemp(prefix="train-shot-"))
    (tmp / "mocap").mkdir()
    for seed in range(3):
        motion_npz(tmp / "mocap" / f"subject{seed}.npz", frames=600, seed=seed)
    base = tiny_config(name="my-model", data=(str(tmp / "mocap"),), val_data=str(tmp / "mocap"),
                       out_dir=str(tmp / "runs"), steps=150, width=128, log_every=5, val_every=25,
                       checkpoint_every=50, val_size=100)
    dialog = TrainingDialog(base=base)
    dialog.resize(1250, 820)
    dialog.show()
    ended: list = []
    dialog.runEnded.connect(ended.append)
    dialog.start()
    _wait(app, lambda: dialog.progress().step >= base.steps // 2 or ended)
    for _ in range(30):
        app.processEvents()
    _save(dialog, out / "training_dialog.png")
    _wait(app, lambda: ended)
    dialog.export_model()
    _wait(app, lambda: dialog.exported_model() is not None or not dialog.is_busy())
    print(f"run {ended[0]}; exported {dialog.exported_model()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("sync", "mocap", "training"))
    parser.add_argument("--model", help="model weights (default: the bundled model)")
    parser.add_argument("--followers", default="cam02", help="comma-separated views following cam01")
    parser.add_argument("--drift", type=float, default=0.0, help="the panel's Max drift in seconds (0: any)")
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from poseexplorer.gui.app import create_app

    app = create_app()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.what == "sync":
        shot_sync(app, out, args.model, args.followers.split(","), args.drift)
    elif args.what == "mocap":
        shot_mocap(app, out, args.model)
    else:
        shot_training(app, out)


if __name__ == "__main__":
    main()
