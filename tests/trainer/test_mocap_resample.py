"""Resampling to a target frame rate against np.interp, and the Clip dataclass checks."""
from __future__ import annotations

import numpy as np
import pytest

from trainer.mocap import Clip, resample_clip
from trainer.mocap.resample import resample_array


def _slow(x, src, dst):
    t_src = np.arange(len(x)) / src
    t_dst = np.arange(0, t_src[-1] + 1e-9, 1 / dst)
    flat = x.reshape(len(x), -1)
    return np.stack([np.interp(t_dst, t_src, flat[:, k]) for k in range(flat.shape[1])], 1).reshape(
        (len(t_dst),) + x.shape[1:])


@pytest.mark.parametrize("src, dst, n", [(120, 30, 241), (120, 30, 243), (60, 30, 7), (50, 30, 101), (25, 30, 40),
                                         (30, 30, 5), (120, 29.97, 300)])
def test_matches_np_interp(src, dst, n):
    x = np.random.default_rng(0).normal(size=(n, 17, 3))
    np.testing.assert_allclose(resample_array(x, src, dst), _slow(x, src, dst), atol=1e-12)


def test_integer_ratio_picks_frames():
    x = np.random.default_rng(1).normal(size=(121, 17, 3)).astype(np.float32)
    np.testing.assert_array_equal(resample_array(x, 120, 30), x[::4])


def test_resample_clip_keeps_labels_and_nose():
    j = np.random.default_rng(2).normal(size=(120, 17, 3))
    clip = Clip("c", "bd", "kick", 120.0, j, nose=j[:, 1])
    out = resample_clip(clip, 30)
    assert (out.name, out.subject, out.action, out.fps, len(out)) == ("c", "bd", "kick", 30.0, 30)
    np.testing.assert_allclose(out.nose, j[::4, 1], atol=1e-6)
    assert resample_clip(out, 30) is out


def test_clip_validation():
    with pytest.raises(ValueError, match=r"joints must be \(T, 17, 3\)"):
        Clip("c", "s", "", 30.0, np.zeros((3, 13, 3)))
    with pytest.raises(ValueError, match="NaN"):
        Clip("c", "s", "", 30.0, np.full((3, 17, 3), np.nan))
    with pytest.raises(ValueError, match="fps"):
        Clip("c", "s", "", 0.0, np.zeros((3, 17, 3)))
    with pytest.raises(ValueError, match="nose"):
        Clip("c", "s", "", 30.0, np.zeros((3, 17, 3)), nose=np.zeros((2, 3)))
