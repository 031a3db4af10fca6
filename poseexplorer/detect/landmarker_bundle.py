"""The PoseLandmarker `.task` bundle, built locally from the two models inside the mediapipe wheel.

mediapipe 0.10.21 ships `pose_detection.tflite` and `pose_landmark_full.tflite` (used by the legacy
solution) but not the Tasks API bundle, whose download we refuse. The Tasks API only needs the two
models with image-normalisation metadata, packed into one aligned zip: we add the metadata with the
wheel's own metadata writer (detector: (x - 127.5) / 127.5, landmark model: x / 255) and pack with
its model-asset-bundle utility. The bundle is built once into the user's cache
($XDG_CACHE_HOME/poseexplorer, or $POSEEXPLORER_CACHE_DIR), keyed by the mediapipe version.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: (file name inside the bundle, module folder and file in the wheel, normalisation mean, std)
BUNDLE_PARTS = (("pose_detector.tflite", "pose_detection/pose_detection.tflite", 127.5, 127.5),
                ("pose_landmarks_detector.tflite", "pose_landmark/pose_landmark_full.tflite", 0.0, 255.0))


class BundleError(RuntimeError):
    """The PoseLandmarker bundle cannot be built (the message says why and what to do)."""


def cache_dir() -> Path:
    """$POSEEXPLORER_CACHE_DIR, else $XDG_CACHE_HOME (~/.cache)/poseexplorer."""
    folder = os.environ.get("POSEEXPLORER_CACHE_DIR")
    if folder:
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "poseexplorer"


def _with_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, "input normalisation for the Tasks API")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    for _ in writer_utils.get_output_tensor_types(bytearray(model)):
        writer.add_feature_output()
    return bytes(writer.populate()[0])


def build_bundle(out: Path) -> Path:
    """Write the bundle to `out` (atomically: a half-written file is never left under that name)."""
    try:
        import mediapipe as mp
        from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils
    except ImportError as exc:
        raise BundleError(f"cannot build the multi-person pose model: mediapipe is missing or broken ({exc}); "
                          "run scripts/setup.sh") from exc
    modules = Path(mp.__file__).parent / "modules"
    parts: dict[str, bytes] = {}
    for inner, rel, mean, std in BUNDLE_PARTS:
        src = modules / rel
        if not src.is_file():
            raise BundleError(f"cannot build the multi-person pose model: {src} is missing from the mediapipe "
                              f"wheel (mediapipe {mp.__version__}; 0.10.21 ships it)")
        parts[inner] = _with_metadata(src.read_bytes(), Path(rel).stem, mean, std)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=out.name, suffix=".part", dir=out.parent)
        os.close(fd)
        model_asset_bundle_utils.create_model_asset_bundle(parts, tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise BundleError(f"cannot write the multi-person pose model to {out}: {exc.strerror or exc} "
                          "(set POSEEXPLORER_CACHE_DIR to a writable folder)") from exc
    return out


def landmarker_bundle() -> Path:
    """The bundle in the cache, built on first use; BundleError when it cannot be built."""
    import mediapipe as mp

    path = cache_dir() / f"pose_landmarker_full-mediapipe-{mp.__version__}.task"
    if path.is_file() and path.stat().st_size > 0:
        return path
    return build_bundle(path)
