"""The README's Python API in one script: load the bundled model, embed poses, compare them, align two clips.

    python examples/api_quick_start.py

The poses are generated (poseexplorer.testing): one motion seen from the front (A) and, slowed down, from
45 degrees to the side (B), as COCO-13 image keypoints.
"""
import numpy as np

import poseexplorer as px               # light: loads neither torch nor Qt nor cv2
from poseexplorer.testing import motion_poses, project_to_image

times_a = np.arange(60) / 30.0                      # 2 s at 30 fps
times_b = np.arange(80) / 40.0 * 0.75               # the same motion, slower, 1.5 s in 80 frames
xy_a = project_to_image(motion_poses(seed=1, times=times_a), (400, 600))
xy_b = project_to_image(motion_poses(seed=1, times=times_b), (400, 600), yaw=np.pi / 4)

model = px.load_model()                 # the bundled Pr-VIPE model (or px.load_model("my.safetensors"))
xy = xy_a
emb = model.embed(xy, scores=None)      # xy: (N, 13, 2) image coords (x right, y down), COCO-13 order
emb.mean, emb.stddev                    # (N, 16) float32 arrays: the Gaussian of each pose
emb_a, emb_b = emb, model.embed(xy_b)
P = model.matching_probability(emb_a, emb_b)   # (Na, Nb) matching probability, K=20 samples, seeded
path = px.align(emb_a, emb_b, model)    # (L, 2) monotone DTW path: column 0 frames of A, column 1 of B
scores_b = np.ones(xy_b.shape[:2], np.float32)
path = px.align(emb_a, emb_b, model, mirrored_b=model.embed(*px.core.mirror_coco13(xy_b, 0.0, scores_b)))

print(f"embedded {len(emb.mean)} poses of A into {emb.mean.shape[1]}-D Gaussians "
      f"(mean sigma {emb.stddev.mean():.3f})")
print(f"matching probability A x B: {P.shape}, frame 30 of A best matches frame {int(P[30].argmax())} of B")
truth = np.interp(times_a, times_b, np.arange(len(times_b)))   # B frame showing each A moment
err = np.abs(np.array([np.median(path[path[:, 0] == i, 1]) for i in range(len(times_a))]) - truth)
print(f"DTW path of {len(path)} steps; median error against the known timing {np.median(err):.1f} frames")
