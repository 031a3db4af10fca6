"""Compare exported models on held-out motion capture through the public API (load_model + embed).

Used by `export --half auto`: the float16 file ships only when its validation Hit@1 (clean and noisy) is
within `tolerance` of the float32 file's. Also measures the normalised-2D-keypoint baseline on the same
views, so the card can show the margin.
"""
from __future__ import annotations

from pathlib import Path

from .cross_view_validation import build_set, cross_view_hits, keypoint_embedder, model_embedder

HALF_TOLERANCE = 0.005   # 0.5 percentage points of Hit@1


def figures(embed, vset, a: float = 1.0, b: float = 0.0) -> dict:
    out = {}
    for prefix, noisy in (("clean", False), ("noisy", True)):
        hits = cross_view_hits(embed, vset, noisy=noisy, a=a, b=b)
        out.update({f"{prefix}_hit{k}": round(v, 5) for k, v in hits.items()})
    return out


def validation_set(val_data: str | Path, size: int = 1000, seed: int = 0):
    from .training_step import load_training_poses

    poses, _ = load_training_poses([str(val_data)])
    return build_set(poses, size=size, seed=seed)


def compare(paths: dict[str, Path], val_data: str | Path, size: int = 1000) -> dict:
    """{name: figures} for each model file, plus "keypoints_2d" for the baseline."""
    from poseexplorer.embed.model import load_model

    vset = validation_set(val_data, size)
    out = {"keypoints_2d": figures(keypoint_embedder, vset), "frames": len(vset)}
    for name, path in paths.items():
        model = load_model(path)
        out[name] = figures(model_embedder(model), vset, model.a, model.b)
        if name == "float32" and model.spec.visibility_input:
            # the visibility input's worth: the same noisy views with the detector scores thrown away
            blind = model_embedder(model)
            hits = cross_view_hits(lambda xy, scores: blind(xy, None), vset, noisy=True, a=model.a, b=model.b)
            out["float32_noisy_scores_ignored"] = {f"noisy_hit{k}": round(v, 5) for k, v in hits.items()}
    return out


def half_is_free(result: dict, tolerance: float = HALF_TOLERANCE) -> bool:
    return all(abs(result["float16"][k] - result["float32"][k]) <= tolerance for k in ("clean_hit1", "noisy_hit1"))
