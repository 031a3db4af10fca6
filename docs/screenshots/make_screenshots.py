"""Regenerate the README screenshots from a real run of the app (Linux, needs xvfb-run and ImageMagick's
`import`): the 4 pose2sim views are dropped on the window, a frame of cam01 is searched, the best match is
opened, and the scatter is hovered.

    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python docs/screenshots/make_screenshots.py [--model FILE] [--frame 45] [--out DIR]

Writes search.png, result_3d.png and scatter_hover.png (1280x720, 192 colours) next to this file.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VIEWS = REPO.parent / "shared" / "data" / "media" / "pose2sim_4views"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model weights (default: the bundled model)")
    parser.add_argument("--frame", type=int, default=45, help="frame index of cam01 to search for")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pe-shots-"))
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")     # a new user's settings
    sys.path.insert(0, str(REPO))
    from poseexplorer.gui.app import apply_dark_palette, create_app

    app = create_app()
    apply_dark_palette(app)
    from poseexplorer.gui.main_window import MainWindow

    w = MainWindow()
    w.setGeometry(0, 0, 1920, 1080)
    w.show()
    w.start(library=str(work / "library.sqlite"), model=args.model)
    _wait(lambda: w.state.model is not None or w.controller.model_error, 300)
    w.import_paths([str(p) for p in sorted(VIEWS.glob("cam0*.mp4"))])   # what a drop on the window does
    _wait(lambda: w.runner.running_count == 0 and len(w.state.snapshot.media) == 4
          and w.state.snapshot.has_embeddings, 1800)
    names = {m.name: m.media_id for m in w.state.snapshot.media}
    w.state.select_media(names["cam01.mp4"], args.frame)
    _wait(lambda: bool(w.state.results) and w.runner.running_count == 0, 120)
    _pump(2500)
    shots = [_shot(work / "search.png")]
    w.retrieval._clicked(w.retrieval.grid.item(0))
    _pump(2500)
    shots.append(_shot(work / "result_3d.png"))
    w.scatter.colour_by.setCurrentIndex(1)
    w.ambiguity.colour.setChecked(True)
    _hover_a_point(w)
    _pump(2500)
    shots.append(_shot(work / "scatter_hover.png"))
    for path in shots:
        _shrink(path, args.out / path.name)
    w.close()
    os._exit(0)


def _hover_a_point(w) -> None:
    from PySide6.QtCore import QPointF

    view = w.scatter.view
    row = len(view.xy) // 3
    scene = view.vb.mapViewToScene(QPointF(*view.xy[row]))
    w.scatter._hovered(int(view.pose_ids[row]), scene.x(), scene.y())


def _pump(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait(cond, timeout_s: float) -> None:
    t0 = time.time()
    while not cond() and time.time() - t0 < timeout_s:
        _pump(50)


def _shot(path: Path) -> Path:
    subprocess.run(["import", "-window", "root", str(path)], check=True)   # includes the OpenGL view
    return path


def _shrink(src: Path, dst: Path) -> None:
    from PIL import Image

    image = Image.open(src).convert("RGB").resize((1280, 720), Image.LANCZOS)
    image.quantize(colors=192, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(dst, optimize=True)
    print(f"{dst}: {dst.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
