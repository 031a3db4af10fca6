"""The search index of a large (paged) library keeps its derived arrays beside the library's columns: the
next session memory-maps them instead of computing them, and answers exactly as an index built afresh."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from poseexplorer.core.poses import Embedding
from poseexplorer.jobs import never_cancel, no_progress
from poseexplorer.library.columns import open_columns
from poseexplorer.search import PoseIndex
from poseexplorer.session.library_jobs import paged_snapshot
from poseexplorer.session.search_jobs import IndexCache
from poseexplorer.testing.generated_library import write_generated_library

MODEL = SimpleNamespace(sha256="stub-key", name="stub", embed_dim=16, a=3.36, b=14.9)


def test_index_arrays_saved_then_memory_mapped(tmp_path, monkeypatch):
    path = write_generated_library(tmp_path / "lib.sqlite", 6, 300, ("stub-key", "stub", 16), seed=3)
    open_columns(path, "stub-key")
    snap = paged_snapshot(str(path), MODEL, no_progress, never_cancel)
    built = IndexCache().get(snap, MODEL)
    assert (tmp_path / "lib.sqlite.columns").is_dir() and snap.store
    assert sorted(p.name for p in (tmp_path.glob("lib.sqlite.columns/*/search-index/*.npy"))) == [
        "origin.npy", "rho.npy", "scan.npy"]

    def computed(*args, **kwargs):
        raise AssertionError("the index was computed again")

    monkeypatch.setattr(PoseIndex, "_derive", computed)
    again = paged_snapshot(str(path), MODEL, no_progress, never_cancel)
    loaded = IndexCache().get(again, MODEL)
    assert isinstance(loaded._arr.scan, np.memmap)
    monkeypatch.undo()
    fresh = PoseIndex(np.asarray(snap.pose_ids), np.asarray(snap.media_ids),
                      Embedding(np.array(snap.mean), np.array(snap.stddev)), MODEL.a, MODEL.b,
                      visibility=np.asarray(snap.mean_visibility()))
    for row in (0, 77, 901, len(snap) - 1):
        query = Embedding(np.array(snap.mean[row:row + 1]), np.array(snap.stddev[row:row + 1]))
        answers = [[(h.pose_id, h.probability) for h in index.query(query, k=10, exclude_media=[
            int(snap.media_ids[row])])] for index in (built, loaded, fresh)]
        assert answers[0] == answers[1] == answers[2]
        assert loaded.last_stats.certified
        per_media = [index.best_per_media(query) for index in (loaded, fresh)]
        assert np.array_equal(per_media[0].rows, per_media[1].rows)
