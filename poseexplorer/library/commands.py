"""The headless `poseexplorer index` and `poseexplorer export` subcommands (registered by poseexplorer.cli)."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

EXIT_FAILED_FILES = 1
EXIT_CANCELLED = 130


def register(sub: argparse._SubParsersAction) -> None:
    """Add `index` and `export` to the `poseexplorer` command's subparsers."""
    p = sub.add_parser("index", help="detect poses in videos / image folders / keypoint files into the library",
                       description="Detect poses in each PATH (video, image file or folder, COCO/OpenPose JSON, "
                       "keypoint CSV/NPZ) and store them in the pose library. Work is saved in batches: "
                       "Ctrl-C (or a crash) loses at most the batch in flight, and running the same command "
                       "again resumes. Files already indexed (even moved) are not detected again.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    _library_option(p)
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="detection processes (default 1; 0 = in this process)")
    p.add_argument("--model", metavar="FILE", default=argparse.SUPPRESS,
                   help="embedding model weights (default: the bundled model, if installed)")
    p.add_argument("--engine", choices=("pool", "ray"), default="pool",
                   help="pool: worker processes on this machine; ray: Ray actors (pip install .[cluster])")
    p.add_argument("--address", metavar="ADDR", default=None,
                   help="with --engine ray: an existing Ray cluster (default: a local Ray started for the run)")
    p.add_argument("--no-embed", action="store_true", help="detect only; compute no embeddings")
    p.add_argument("--max-people", type=_positive, default=1, metavar="N",
                   help="people per frame (default 1: the single-person detector; more: the multi-person "
                   "PoseLandmarker, with person tracks across each video's frames)")
    p.set_defaults(run=run_index)

    e = sub.add_parser("export", help="export keypoints, world landmarks and embeddings per media",
                       description="Write one CSV/JSON/NPZ file per MEDIA (an id, a path, a file name, or 'all') "
                       "into DIR; the columns are documented in poseexplorer/library/export.py.")
    e.add_argument("media", nargs="+", metavar="MEDIA")
    e.add_argument("--to", required=True, metavar="DIR", dest="to")
    e.add_argument("--format", choices=("csv", "json", "npz"), default="csv")
    _library_option(e)
    e.add_argument("--model", metavar="FILE", default=argparse.SUPPRESS,
                   help="embed with this model first and export its embeddings")
    e.add_argument("--model-key", metavar="SHA256", help="export embeddings of this model (a key prefix is "
                   "enough; default: the most recent model in the library)")
    e.set_defaults(run=run_export)


def _library_option(p: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps `poseexplorer --library X index ...` (the top-level option) working too
    p.add_argument("--library", metavar="FILE", default=argparse.SUPPRESS,
                   help="pose library file (default: $POSEEXPLORER_DATA_DIR or the user data folder)")


def _library_path(args: argparse.Namespace) -> Path:
    from .store import default_library_path

    return Path(args.library).expanduser() if getattr(args, "library", None) else default_library_path()


def _load_model(args: argparse.Namespace, required: bool):
    """The model to embed with, or None (no --model and no bundled model, or --no-embed)."""
    if getattr(args, "no_embed", False):
        return None
    path = getattr(args, "model", None)
    try:
        from ..embed.model import load_model
    except ImportError:
        if path or required:
            raise SystemExit("poseexplorer: the embedding model code is not installed")
        return None
    try:
        return load_model(path)
    except Exception as exc:  # noqa: BLE001 - a missing bundled model means detect only
        if path or required:
            raise SystemExit(f"poseexplorer: cannot load model {path or '(bundled)'}: {exc}")
        print(f"note: no embedding model ({exc}); detecting only", file=sys.stderr)
        return None


class _CtrlC:
    """First Ctrl-C asks the job to stop (it saves and exits cleanly); a second one aborts."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._old = None

    def __enter__(self) -> "_CtrlC":
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()
        print("\nstopping after the work in flight (Ctrl-C again to abort)...", file=sys.stderr)

    def __exit__(self, *exc) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _sane_workers(requested: int, engine: str) -> int:
    """More local worker processes than cores only costs memory (each holds a detector): capped, with a note."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if engine != "pool" or requested <= cores:
        return requested
    print(f"note: --workers {requested} capped to {cores} (the CPU cores available; more only costs memory)",
          file=sys.stderr)
    return cores


def run_index(args: argparse.Namespace) -> int:
    from ..jobs import TqdmProgress
    from ..detect.landmarker_bundle import BundleError
    from .indexer import IndexCancelled, index_paths
    from .schema import LibraryError

    library = _library_path(args)
    workers = _sane_workers(args.workers, getattr(args, "engine", "pool"))
    if not library.parent.exists():
        print(f"note: creating the folder {library.parent} for a new library", file=sys.stderr)
    bar = TqdmProgress(desc="index", unit="frame")
    if not getattr(args, "no_embed", False):
        bar(0, 0, "loading the embedding model")   # seconds (torch): the counter shows from the start
    try:
        model = _load_model(args, required=False)
    except BaseException:
        bar.close()
        raise
    try:
        with _CtrlC() as ctrl_c:
            report = index_paths(library, args.paths, model=model, workers=workers, engine=args.engine,
                                 address=args.address, progress=bar,
                                 cancel=ctrl_c.event.is_set, max_people=args.max_people)
    except IndexCancelled as exc:
        bar.close()
        _print_report(exc.report, library)
        print("cancelled: finished work is saved; run the same command again to resume", file=sys.stderr)
        return EXIT_CANCELLED
    except (LibraryError, BundleError) as exc:
        bar.close()
        print(f"poseexplorer: {exc}", file=sys.stderr)
        return 2
    bar.close()
    _print_report(report, library)
    return 0 if report.ok else EXIT_FAILED_FILES


def _print_report(report, library: Path) -> None:
    for f in report.files:
        text = f.message if f.message.startswith(f.path) else f"{f.path}: {f.message}"
        print(f"{'ok  ' if f.ok else 'FAIL'} {text}")
    bad = sum(not f.ok for f in report.files)
    print(f"library {library}: {len(report.files) - bad} of {len(report.files)} input(s) ok"
          + (f", {report.n_embedded} poses embedded" if report.n_embedded else ""))


def _select_media(lib, wanted: list[str]) -> list:
    """Media matching each argument: 'all', an id, a path, or a file name."""
    media = lib.media()
    if "all" in wanted:
        return media
    out = []
    for w in wanted:
        full = str(Path(w).expanduser().resolve()) if os.path.exists(w) else None
        hits = [m for m in media if (w.isdigit() and m.id == int(w)) or m.path == full or m.name == w or m.path == w]
        if not hits:
            raise SystemExit(f"poseexplorer export: no media matches {w!r} (use an id, a path, a name or 'all'; "
                             "see the library's media list)")
        out.extend(h for h in hits if h not in out)
    return out


def _model_key(lib, args) -> tuple[str | None, str]:
    from ..jobs import TqdmProgress

    if getattr(args, "model", None):
        model = _load_model(args, required=True)
        bar = TqdmProgress(desc="embed", unit="pose")
        lib.ensure_embeddings(model, progress=bar)
        bar.close()
        return model.sha256, model.name
    models = [m for m in lib.models() if m.n_embeddings]
    if args.model_key:
        models = [m for m in lib.models() if m.key.startswith(args.model_key)]
        if len(models) != 1:
            raise SystemExit(f"poseexplorer export: --model-key {args.model_key!r} matches {len(models)} models")
    return (models[-1].key, models[-1].name) if models else (None, "")


def run_export(args: argparse.Namespace) -> int:
    from .export import export_media, write_manifest
    from .schema import LibraryError
    from .store import Library

    try:
        lib = Library.open(_library_path(args), create=False)
    except LibraryError as exc:
        print(f"poseexplorer: {exc}", file=sys.stderr)
        return 2
    with lib:
        media = _select_media(lib, args.media)
        key, name = _model_key(lib, args)
        folder = Path(args.to).expanduser()
        entries = []
        try:
            for m in media:
                out = export_media(lib, m, folder, args.format, key, name)
                entries.append({"media_id": m.id, "media_path": m.path, "file": out.name})
                print(f"{m.path} -> {out}")
            write_manifest(folder, entries, key, name)
        except OSError as exc:
            print(f"poseexplorer export: cannot write into {folder}: {exc.strerror or exc} "
                  f"({len(entries)} of {len(media)} media exported; no partial file was left)", file=sys.stderr)
            return 2
    print(f"exported {len(entries)} media" + (f" with embeddings of {name} ({key[:12]})" if key else
                                               " (no embeddings in the library)"))
    return 0
