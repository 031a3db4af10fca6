"""Keypoint files with several people: an export (CSV, JSON, NPZ) re-imports with its people and tracks, a
CSV from another tool with a `track`/`id` column keeps them, and people without identities get ours."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from poseexplorer.core.skeleton import COCO13_NAMES
from poseexplorer.io import read_keypoint_file
from poseexplorer.io.errors import MediaError
from poseexplorer.library import Library
from poseexplorer.library import people as pp
from poseexplorer.library.export import export_media
from poseexplorer.library.indexer import index_paths
from poseexplorer.testing.people import person_xy, two_people_library


def _people(path, media_id=None) -> tuple[list, np.ndarray]:
    """[(frame, person, track)] and xy (N, 13, 2) of every stored person of one media."""
    with Library.open(path) as lib:
        mid = media_id if media_id is not None else lib.media()[0].id
        t = pp.people(lib, mid)
    return list(zip(t.frame_index.tolist(), t.person.tolist(), t.track.tolist())), t.xy


@pytest.mark.parametrize("fmt", ["csv", "json", "npz"])
def test_an_export_of_several_people_reimports_with_its_tracks(tmp_path, fmt):
    (mid,) = two_people_library(tmp_path / "lib.sqlite", tmp_path, views=1)
    with Library.open(tmp_path / "lib.sqlite") as lib:
        out = export_media(lib, lib.media_info(mid), tmp_path / "out", fmt)
    truth, truth_xy = _people(tmp_path / "lib.sqlite", mid)
    assert len({t for _f, _p, t in truth}) == 2 and len(truth) == 24 * 2 - 3

    track = read_keypoint_file(out)
    assert track.several_people and len(track) == 24 * 2 - 3
    report = index_paths(tmp_path / "again.sqlite", [out], model=None)
    assert all(f.ok for f in report.files), report.files[0].message
    again, again_xy = _people(tmp_path / "again.sqlite")
    assert again == truth                                  # same frames, ranks and tracks
    assert np.allclose(again_xy, truth_xy, atol=0.01)
    with Library.open(tmp_path / "again.sqlite") as lib:
        media = lib.media()[0]
        assert media.frames == 24 and lib.done_frames(media.id).tolist() == list(range(24))


def _write_tool_csv(path, rows) -> None:
    """A CSV as another tracker writes it: frame, id, then the keypoint columns."""
    header = ["frame", "id"] + [f"{j}_{c}" for j in COCO13_NAMES for c in ("x", "y", "score")]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for f, ident, xy in rows:
            w.writerow([f, ident] + [v for p in xy for v in (*p, 0.9)])


def test_a_csv_with_an_id_column_keeps_the_ids_as_tracks(tmp_path):
    a, b = person_xy("A", 6), person_xy("B", 6)
    rows = [(f, 7, a[f]) for f in range(6)] + [(f, 3, b[f]) for f in range(0, 6, 2)]   # b listed after a
    _write_tool_csv(tmp_path / "tool.csv", rows)
    track = read_keypoint_file(tmp_path / "tool.csv")
    assert track.frame_index.tolist() == [0, 0, 1, 2, 2, 3, 4, 4, 5]
    assert track.track.tolist() == [7, 3, 7, 7, 3, 7, 7, 3, 7] and track.person.tolist() == [0, 1, 0, 0, 1, 0, 0, 1, 0]
    index_paths(tmp_path / "lib.sqlite", [tmp_path / "tool.csv"], model=None)
    stored, xy = _people(tmp_path / "lib.sqlite")
    assert [t for _f, _p, t in stored] == track.track.tolist()
    assert np.allclose(xy[1], b[0], atol=1e-3)


def test_people_without_ids_get_our_tracks_and_a_repeated_frame_needs_a_column(tmp_path):
    a, b = person_xy("A", 8), person_xy("B", 8)
    rows = []
    for f in range(8):                                         # order within the frame swaps: ranks only
        rows += [(f, "", b[f]), (f, "", a[f])] if f % 2 else [(f, "", a[f]), (f, "", b[f])]
    _write_tool_csv(tmp_path / "anon.csv", rows)
    index_paths(tmp_path / "lib.sqlite", [tmp_path / "anon.csv"], model=None)
    stored, xy = _people(tmp_path / "lib.sqlite")
    is_a = xy[:, 0, 0] < 160
    tracks = np.array([t for _f, _p, t in stored])
    assert (tracks >= 0).all() and len(set(tracks[is_a])) == 1 and set(tracks[is_a]).isdisjoint(tracks[~is_a])

    header = ["frame"] + [f"{j}_{c}" for j in COCO13_NAMES for c in ("x", "y", "score")]
    (tmp_path / "twice.csv").write_text(",".join(header) + "\n" + "\n".join(
        ",".join(["0"] + ["1"] * 39) for _ in range(2)) + "\n")
    with pytest.raises(MediaError, match="appears 2 times.*person or track column"):
        read_keypoint_file(tmp_path / "twice.csv")
