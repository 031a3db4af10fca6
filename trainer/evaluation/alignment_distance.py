"""All-pairs similarity-Procrustes distances, vectorised for retrieval baselines.

- 2D (keypoint baseline): mean joint distance after aligning each index pose onto the query with
  rotation (proper), uniform scale and translation. In 2D the optimum has a closed form with complex
  numbers: centre both, then b' = c * b with c = <b, a> / <b, b> (complex), so every pair costs O(J).
- 3D (lifting baseline): root-mean-square joint distance after the optimal similarity alignment, from the
  singular values of each pair's 3x3 cross-covariance (sign-corrected for a proper rotation), without
  forming the aligned poses.
"""
from __future__ import annotations

import numpy as np


def _complex_centred(xy: np.ndarray) -> np.ndarray:
    z = np.asarray(xy, dtype=np.float64)
    z = z[..., 0] + 1j * z[..., 1]
    return z - z.mean(-1, keepdims=True)


def procrustes_2d_matrix(query: np.ndarray, index: np.ndarray, chunk: int = 64) -> np.ndarray:
    """Mean joint distance after aligning index[m] onto query[n]. (N, J, 2), (M, J, 2) -> (N, M) float32."""
    qa, ib = _complex_centred(query), _complex_centred(index)
    norm_b = np.maximum((np.abs(ib) ** 2).sum(-1), 1e-12)  # (M,)
    out = np.empty((len(qa), len(ib)), dtype=np.float32)
    for s in range(0, len(qa), chunk):
        a = qa[s:s + chunk]  # (n, J)
        coef = (a @ ib.conj().T) / norm_b[None]  # (n, M): sum_j a_j conj(b_j) / |b|^2
        resid = a[:, None, :] - coef[..., None] * ib[None]  # (n, M, J)
        out[s:s + chunk] = np.abs(resid).mean(-1)
    return out


def procrustes_3d_matrix(query: np.ndarray, index: np.ndarray, chunk: int = 128) -> np.ndarray:
    """RMS joint distance after the best similarity alignment of index[m] onto query[n].

    (N, J, 3), (M, J, 3) -> (N, M) float32. The rotation is proper (det = +1).
    """
    q = np.asarray(query, dtype=np.float64)
    b = np.asarray(index, dtype=np.float64)
    q = q - q.mean(-2, keepdims=True)
    b = b - b.mean(-2, keepdims=True)
    n_joints = q.shape[-2]
    sq_q = (q**2).sum((-1, -2))
    sq_b = np.maximum((b**2).sum((-1, -2)), 1e-12)
    out = np.empty((len(q), len(b)), dtype=np.float32)
    for s in range(0, len(q), chunk):
        cov = np.einsum("nja,mjb->nmab", q[s:s + chunk], b)  # (n, M, 3, 3)
        sing = np.linalg.svd(cov, compute_uv=False)
        sign = np.sign(np.linalg.det(cov))
        trace = sing[..., 0] + sing[..., 1] + np.where(sign < 0, -1.0, 1.0) * sing[..., 2]
        resid = sq_q[s:s + chunk, None] - trace**2 / sq_b[None]
        out[s:s + chunk] = np.sqrt(np.maximum(resid, 0.0) / n_joints)
    return out
