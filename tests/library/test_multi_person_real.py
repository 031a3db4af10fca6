"""Several people on real footage: the Pose2Sim multi-person views indexed with the CLI (--max-people 3) into
a fresh library, judged against who is who from torso colour (poseexplorer.testing.people_truth).

Per view: both main people found in >= 90% of frames, <= 2 identity switches (the issue's target, met on
every view since the masked re-detection of people seen from behind and the capped track assignment); a query on the woman retrieves the woman, not the man,
in the other views at the same instant (+-3 frames); syncing driven by either person's track lines the
views up, and both people give the same sync.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poseexplorer.library import Library
from poseexplorer.library.people import people
from poseexplorer.testing.people_truth import (MAN, WOMAN, both_found, identity_switches, label_people,
                                               main_track)

REPO = Path(__file__).resolve().parents[2]
VIEWS = ["cam01", "cam02", "cam03", "cam04"]
pytestmark = pytest.mark.slow
#: (share of frames with both people, identity switches) the issue asks of every view
TARGET = (0.9, 2)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """{view: (media_id, PersonTable, labels)} and the library path, indexed once by the CLI."""
    shared = REPO.parent / "shared" / "data" / "media" / "pose2sim_multiperson_4views"
    if not shared.is_dir():
        pytest.skip("../shared/data is absent")
    lib_path = tmp_path_factory.mktemp("multi") / "lib.sqlite"
    videos = [str(shared / f"{v}.mp4") for v in VIEWS]
    done = subprocess.run([sys.executable, "-m", "poseexplorer", "index", *videos, "--library", str(lib_path),
                           "--max-people", "3", "--workers", "2"], cwd=REPO, capture_output=True, text=True,
                          timeout=1500)
    assert done.returncode == 0, done.stdout + done.stderr
    out = {}
    with Library.open(lib_path) as lib:
        by_name = {Path(m.path).stem: m for m in lib.media()}
        for v, video in zip(VIEWS, videos):
            media = by_name[v]
            table = people(lib, media.id)
            out[v] = (media.id, media.frames, table, label_people(video, table.frame_index, table.xy))
    return lib_path, out


def test_cli_stores_several_people_per_frame_with_tracks(indexed):
    _, views = indexed
    for v, (_, n, table, _) in views.items():
        assert n == 100
        per_frame = np.bincount(table.frame_index, minlength=n)
        assert per_frame.max() <= 3 and np.mean(per_frame >= 2) >= 0.6, (v, np.bincount(per_frame))
        assert (table.track >= 0).all(), v
        assert (table.person == np.concatenate([np.arange(c) for c in per_frame])).all()


def test_both_main_people_are_found_and_keep_their_identity(indexed):
    _, views = indexed
    found = {v: both_found(t.frame_index, labels, n) for v, (_, n, t, labels) in views.items()}
    switches = {v: identity_switches(t.frame_index, t.track, labels) for v, (_, _, t, labels) in views.items()}
    print("both found", found, "identity switches", switches)
    for v, (_, _, table, labels) in views.items():
        assert main_track(table.frame_index, table.track, labels, MAN) != \
            main_track(table.frame_index, table.track, labels, WOMAN)
    for v in VIEWS:
        assert found[v] >= TARGET[0] and switches[v] <= TARGET[1], (v, found, switches)


@pytest.fixture(scope="module")
def snapshot(indexed):
    from poseexplorer.embed.model import load_model
    from poseexplorer.session.library_jobs import snapshot_job

    model = load_model(None)
    snap = snapshot_job(str(indexed[0]), model)(lambda *a: None, lambda: False)
    assert snap.has_embeddings
    return model, snap


def test_a_query_on_the_woman_retrieves_the_woman_in_the_other_views(indexed, snapshot):
    from poseexplorer.session.search_jobs import IndexCache, SearchRequest, search_job

    model, snap = snapshot
    _, views = indexed
    label_of = {int(p): lab for _, _, t, labels in views.values() for p, lab in zip(t.pose_id, labels)}
    cache = IndexCache()
    query_media, _, table, labels = views["cam01"]
    right = wrong = 0
    for f in range(0, 100, 5):
        woman = table.pose_id[(table.frame_index == f) & (labels == WOMAN)]
        if not len(woman):
            continue
        for v in VIEWS[1:]:
            _, _, other, other_labels = views[v]
            near = np.abs(other.frame_index - f) <= 3
            if not ({MAN, WOMAN} <= set(other_labels[near])):
                continue        # only instants where both are there to choose from
            req = SearchRequest(int(woman[0]), k=1, restrict_pose_ids=other.pose_id[near])
            (hit,) = search_job(snap, model, cache, req)(lambda *a: None, lambda: False)
            right += label_of[hit.pose_id] == WOMAN
            wrong += label_of[hit.pose_id] == MAN
    print("woman query: the woman", right, "times, the man", wrong)
    assert right + wrong >= 40
    assert right >= 0.75 * (right + wrong), (right, wrong)


def test_sync_driven_by_either_person_lines_the_views_up(indexed, snapshot):
    from poseexplorer.session.sync_jobs import VideoSource, make_sync_job

    lib_path, views = indexed
    model, _ = snapshot
    maps = []
    for who in (WOMAN, MAN):
        sources = []
        for v in ("cam01", "cam02"):
            media_id, _, table, labels = views[v]
            sources.append(VideoSource(media_id=media_id, track=main_track(table.frame_index, table.track, labels, who)))
        result = make_sync_job(sources, model, str(lib_path))(lambda *a: None, lambda: False)
        (follower,) = result.followers
        maps.append(np.asarray(follower.sync_map))
        error = np.abs(maps[-1] - np.arange(len(maps[-1])))
        print(who, "sync off the diagonal: median", np.median(error), "max", error.max())
        assert np.median(error) <= 3 and np.mean(error <= 3) >= 0.8, (who, error)
    assert np.median(np.abs(maps[0] - maps[1])) <= 2, maps
