"""Section 7 of the results: real pose2sim footage, retrieval judged by triangulated 3D, with stressed queries."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from poseexplorer.align.video_sync import SYNC_WINDOW_RATE, SYNC_WINDOW_TAPS

from . import report
from .footage_3d import (
    STRESSES, evaluate_ranker, fused_ranker, keypoints_ranker, match_matrix_3d, model_ranker, world_ranker,
)
from .footage_motion import motion_ranker, world_motion_ranker
from .footage_section import FOOTAGE, footage_detections
from .triangulation import read_qualisys, triangulate

STRESS_TEXT = {"clean": "as detected", "upper_body": "lower body hidden", "rot90": "rotated 90 deg",
               "rot180": "rotated 180 deg", "lr_swap": "L/R swapped on 1/3"}


def rankings(main_model, main_path: Path, extra: dict[Path, object]) -> dict[str, object]:
    """Row label -> ranker: the two baselines, the main model, every extra model file."""
    rows = {"2D keypoints, Procrustes": keypoints_ranker, "MediaPipe world landmarks, Procrustes": world_ranker}
    rows[f"Pr-VIPE `{main_path.name}` (main model)"] = model_ranker(main_model)
    rows["fused: world landmarks + main model (reciprocal ranks)"] = fused_ranker([world_ranker,
                                                                                   model_ranker(main_model)])
    rows["main model by motion (the app's best frame per view for video)"] = motion_ranker(main_model)
    rows["world landmarks by motion (the same window)"] = world_motion_ranker
    for path, model in extra.items():
        rows[f"`{path.name}` ({model.kind})"] = model_ranker(model)
    return rows


def _section_command(command: str) -> str:
    """The run's command with its section choice replaced by this section."""
    parts = command.split(" --sections ")
    rest = parts[1].split(" ", 1)[1] if len(parts) > 1 and " " in parts[1] else ""
    return f"{parts[0]} --sections footage3d {rest}".strip()


def _cell(res) -> str:
    return f"{report.pct(res.rate('3d', 1))} / {report.pct(res.rate('3d', 5))} / {report.pct(res.rate('frames', 1))}"


def footage3d_markdown(cfg, main_model, main_path: Path, extra: dict[Path, object], progress, cancel) -> str:
    videos, _, det = footage_detections(cfg, progress, cancel)
    cams = read_qualisys(cfg.data.joinpath(*FOOTAGE) / "Calib.qca.txt")
    by_name = {c.name: c for c in cams}
    tri = triangulate([by_name[n] for n in det.names], det.xy, det.scores)
    match3d = match_matrix_3d(tri.xyz)
    complete = tri.complete
    chance = match3d[np.ix_(complete, complete)].mean() if complete.any() else float("nan")
    dropped = np.isnan(tri.xyz[..., 0]).sum(0)
    err = tri.error[np.isfinite(tri.error)]
    text = (f"Command (this section alone): `{_section_command(cfg.command)}`\n\n"
            f"The {len(videos)} views ({det.xy.shape[1]} frames each) triangulated from the same MediaPipe "
            f"detections (cache `{cfg.cache.name}/`) with the calibration `Calib.qca.txt` (Qualisys; lens "
            f"distortion removed): confidence-weighted DLT (trainer/evaluation/triangulation.py), a joint kept "
            f"when at least 2 views see it with score >= 0.3 and its mean reprojection error is <= 25 px (if all "
            f"views together miss that, each view is left out in turn: a detector's left/right swap in one view). "
            f"Reprojection error of the kept joints: median **{np.median(err):.1f} px**, mean {err.mean():.1f} px, "
            f"90th percentile {np.percentile(err, 90):.1f} px (images 1080-1088 x 1920). Joints dropped: "
            f"{int(dropped.sum())} of {tri.xyz.shape[0] * tri.xyz.shape[1]}; frames with a complete 3D pose: "
            f"**{int(complete.sum())} of {len(complete)}** (only these are 3D-judged queries; an incomplete "
            f"retrieved frame counts as a miss).\n\n"
            f"A **3D hit** is a retrieved frame whose triangulated pose is within NP-MPJPE {0.1} of the query "
            f"frame's (poseexplorer.core.np_mpjpe on the 13 joints completed to H36M-17: pelvis, thorax, spine "
            f"and neck as midpoints, head = nose). The person balances on a treadmill, so many frames share a pose: "
            f"a random index frame is a 3D match of the query **{report.pct(chance)} %** of the time (chance "
            f"Hit@1). The **+-3 frames** criterion (same instant) is kept beside it.\n\n"
            f"Queries: every frame of view A; index: every frame of view B; all 12 ordered pairs. Stressed "
            f"queries (the index stays as detected): *lower body hidden*: hips, knees and ankles at score 0 "
            f"(upper-body framing; the Procrustes rows align only the visible joints); *rotated*: the query's "
            f"keypoints turned by 90 or 180 degrees (a sideways or upside-down camera; MediaPipe's world "
            f"landmarks turned the same way about the optical axis, and Procrustes ignores rotation, so those "
            f"two baselines cannot lose here; MediaPipe itself was not rerun on rotated frames); *L/R swapped*: "
            f"left and right labels exchanged on a seeded third of the query frames (image and world). Models "
            f"are used through `px.load_model`, `model.embed(xy, scores)` and `model.matching_probability`.\n\n")
    rows = rankings(main_model, main_path, extra)
    results = {}
    for i, (label, rank) in enumerate(rows.items()):
        for s in STRESSES:
            if cancel():
                from poseexplorer.jobs import Cancelled

                raise Cancelled()
            results[(label, s)] = evaluate_ranker(rank, det, match3d, complete, s, seed=cfg.seed)
        progress(i + 1, len(rows), f"footage 3D: {label}")
    text += "**3D Hit@1 / 3D Hit@5 / +-3 frames Hit@1**, percent:\n\n"
    text += report.table(["ranking"] + [STRESS_TEXT[s] for s in STRESSES],
                         [[label] + [_cell(results[(label, s)]) for s in STRESSES] for label in rows])
    text += "\n**Per view pair** (queries as detected): 3D Hit@1 / +-3 frames Hit@1, percent:\n\n"
    pairs = list(results[(next(iter(rows)), "clean")].pairs)
    text += report.table(["query -> index"] + list(rows),
                         [[f"{a} -> {b}"] + [f"{report.pct(results[(r, 'clean')].pairs[(a, b)][0])} / "
                                             f"{report.pct(results[(r, 'clean')].pairs[(a, b)][1])}" for r in rows]
                          for a, b in pairs])
    text += ("\nThe fused row adds, per index frame, 1 / (60 + its rank) under MediaPipe's world landmarks and under "
             "the main model (reciprocal-rank fusion; no weights tuned). It needs the world landmarks the app "
             "already stores for every pose.\n\n"
             "The two *by motion* rows score each frame pair by a window of frames around both (video queries "
             "only): the main model row is what the app's 'best frame per view' does for a video query "
             "(poseexplorer.session.motion_search -> align.moments: the sync panel's window of "
             f"{SYNC_WINDOW_TAPS} taps {SYNC_WINDOW_RATE} frames apart along slopes 1/2..2, hub-corrected -log P, "
             "left/right chosen per frame pair; chosen for syncing on held-out motion capture and used unchanged); "
             "the world row puts MediaPipe's world-landmark Procrustes errors through the same window, left/right "
             "chosen per pair, without the hub correction (trainer/evaluation/footage_motion.py). The motion rows' "
             "stressed queries are stressed in every frame of the window.\n")
    return text
