"""The window on a library it treats as large (paged snapshot) reads no table whole at start: no Library.media()
(it counts every media's poses), no second column build for the snapshot made before the model has loaded, a
few pages of pose rows, and the result grid draws a page of tiles at a time. What made the first answer on a
10M-pose library take 44 s, checked here by what is read rather than by wall time
(benchmarks/app_open_large.py measures the time)."""
from __future__ import annotations

import pytest

from poseexplorer.gui.main_window import MainWindow
from poseexplorer.gui.panels.retrieval_panel import TILE_PAGE
from poseexplorer.gui.settings import AppSettings
from poseexplorer.library import Library, columns
from poseexplorer.library import paged
from poseexplorer.library.paged import PagedRows
from poseexplorer.session import library_jobs
from poseexplorer.testing.generated_library import write_generated_library

from .explorer_media import tiny_model

pytestmark = pytest.mark.gui
N_MEDIA, FRAMES = 60, 80      # 4,300-odd poses, 60 'views' of one length: the window searches per view


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from poseexplorer.embed.model import load_model

    folder = tmp_path_factory.mktemp("large")
    model_path = tiny_model(folder / "tiny.safetensors")
    model = load_model(str(model_path))
    path = write_generated_library(folder / "lib.sqlite", N_MEDIA, FRAMES,
                                   (str(model.sha256), model.name, model.embed_dim))
    columns.open_columns(path, str(model.sha256))   # built when the library was last opened
    return path, model_path


def test_window_start_reads_no_table_whole(qtbot, library, monkeypatch):
    path, model_path = library
    monkeypatch.setattr(library_jobs, "PAGED_FROM", 0)
    monkeypatch.setattr(paged, "PAGE_ROWS", 64)    # pages as small against this library as 1,024 at 10^7
    calls = {"media": 0, "build": 0, "rows": 0}
    media, build = Library.media, columns._build
    page, scattered = PagedRows._page, PagedRows._scattered

    def count(name, fn, size=None):
        def wrapper(*args, **kwargs):
            out = fn(*args, **kwargs)
            calls[name] += 1 if size is None else size(out)
            return out
        return wrapper

    monkeypatch.setattr(Library, "media", count("media", media))
    monkeypatch.setattr(columns, "_build", count("build", build))
    monkeypatch.setattr(PagedRows, "_page", count("rows", page, len))
    monkeypatch.setattr(PagedRows, "_scattered", count("rows", scattered, len))
    w = MainWindow(settings=AppSettings(), with_3d=False)
    qtbot.addWidget(w)
    w.show()
    w.start(library=str(path), model=str(model_path))
    qtbot.waitUntil(lambda: w.state.snapshot.has_embeddings and len(w.state.results) > 0
                    and w.runner.running_count == 0, timeout=60000)
    snap = w.state.snapshot
    assert isinstance(snap.xy, PagedRows) and len(snap.media) == N_MEDIA
    assert calls["media"] == 0 and calls["build"] == 0
    assert calls["rows"] < len(snap) / 2, calls     # a few pages of the media shown, a page of tiles
    assert len(w.state.results) == N_MEDIA - 1 > TILE_PAGE   # one per other view
    assert w.retrieval.grid.count() == TILE_PAGE and w.retrieval.more.isVisibleTo(w.retrieval)
    w.retrieval.more.click()
    assert w.retrieval.grid.count() == N_MEDIA - 1 and not w.retrieval.more.isVisibleTo(w.retrieval)
    w.close()
