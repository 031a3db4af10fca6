"""StablePCA: the 2D (or 3D) projection of the library's embedding means for the scatter.

The fit keeps running sums (count, sum, sum of outer products, in float64 around a fixed shift) so adding
media is an O(n D^2) update and a refit is an eigendecomposition of a D x D matrix, whatever the library
size. After each refit the new basis is aligned to the previous one so the picture does not flip or spin:
- orientation="rotation" (default): the orthogonal Procrustes rotation (reflections allowed) of the new
  components that best matches the old ones; the view plane is still the principal one, only its in-plane
  axes are chosen to match the old picture.
- orientation="sign": components stay the principal axes; each is matched to its most similar old axis
  (this also handles two axes swapping order) and its sign flipped to agree.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import orthogonal_procrustes
from scipy.optimize import linear_sum_assignment


class StablePCA:
    """PCA of (N, D) embedding means with an orientation kept stable between refreshes.

    Attributes after a fit: components_ (n_components, D) orthonormal rows, mean_ (D,),
    explained_variance_ratio_ (n_components,) of the principal axes, n_samples_.
    """

    def __init__(self, n_components: int = 2, orientation: str = "rotation") -> None:
        if n_components < 1:
            raise ValueError(f"n_components must be >= 1, got {n_components}")
        if orientation not in ("rotation", "sign"):
            raise ValueError(f"orientation must be 'rotation' or 'sign', got {orientation!r}")
        self.n_components, self.orientation = int(n_components), orientation
        self.components_: np.ndarray | None = None
        self.mean_: np.ndarray | None = None
        self.explained_variance_ratio_: np.ndarray | None = None
        self.n_samples_ = 0
        self._shift: np.ndarray | None = None
        self._sum: np.ndarray | None = None
        self._outer: np.ndarray | None = None

    def _check(self, means) -> np.ndarray:
        x = np.asarray(means, np.float64)
        if x.ndim != 2 or x.shape[1] < self.n_components:
            raise ValueError(f"means must have shape (N, D) with D >= {self.n_components}, got {x.shape}")
        if self._shift is not None and x.shape[1] != len(self._shift):
            raise ValueError(f"means have {x.shape[1]} dimensions, the PCA was fitted on {len(self._shift)}")
        if not np.isfinite(x).all():
            raise ValueError("means contain NaN or infinite values")
        return x

    def _accumulate(self, x: np.ndarray, sign: float = 1.0) -> None:
        if self._shift is None:
            self._shift = x.mean(0) if len(x) else np.zeros(x.shape[1])
            self._sum = np.zeros(x.shape[1])
            self._outer = np.zeros((x.shape[1], x.shape[1]))
        y = x - self._shift
        self._sum += sign * y.sum(0)
        self._outer += sign * (y.T @ y)
        self.n_samples_ += int(sign) * len(x)

    def _solve(self) -> None:
        n = self.n_samples_
        if n < 2:
            raise ValueError(f"PCA needs at least 2 points, has {n}")
        centre = self._sum / n
        cov = self._outer / n - np.outer(centre, centre)
        values, vectors = np.linalg.eigh((cov + cov.T) / 2.0)
        order = np.argsort(values)[::-1][: self.n_components]
        basis = vectors[:, order].T  # (n_components, D)
        total = max(float(values.clip(min=0).sum()), 1e-300)
        self.explained_variance_ratio_ = values[order].clip(min=0) / total
        self.mean_ = self._shift + centre
        self.components_ = basis if self.components_ is None else self._align(basis, self.components_)

    def _align(self, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        if self.orientation == "rotation":
            rot, _ = orthogonal_procrustes(new.T, old.T)  # new.T @ rot ~ old.T
            return (new.T @ rot).T
        sim = new @ old.T  # (n, n) cosines
        rows, cols = linear_sum_assignment(-np.abs(sim))
        out = np.empty_like(new)
        for r, c in zip(rows, cols):
            out[c] = new[r] * (1.0 if sim[r, c] >= 0 else -1.0)
        return out

    def fit(self, means) -> "StablePCA":
        """Refit on all of `means` (N, D); the orientation follows the previous fit when there is one."""
        x = self._check(means)
        self._shift, self._sum, self._outer, self.n_samples_ = None, None, None, 0
        self._accumulate(x)
        self._solve()
        return self

    def partial_fit(self, new_means) -> "StablePCA":
        """Add points (e.g. newly indexed media) to the running statistics and refit; orientation kept."""
        self._accumulate(self._check(new_means))
        self._solve()
        return self

    def remove(self, old_means) -> "StablePCA":
        """Take points out of the running statistics (e.g. removed media) and refit; orientation kept."""
        self._accumulate(self._check(old_means), sign=-1.0)
        self._solve()
        return self

    def transform(self, means) -> np.ndarray:
        """Project (N, D) means -> (N, n_components) float32."""
        if self.components_ is None:
            raise RuntimeError("StablePCA.transform before fit")
        return ((self._check(means) - self.mean_) @ self.components_.T).astype(np.float32)

    def fit_transform(self, means) -> np.ndarray:
        return self.fit(means).transform(means)

    def refresh(self, means) -> np.ndarray:
        """Refit on the whole current library (N, D) and return its projection (N, n_components) float32."""
        return self.fit_transform(means)


#: the scatter draws at most this many poses; a larger library shows a uniform random sample of them
SCATTER_LIMIT = 200_000


def display_rows(n: int, limit: int = SCATTER_LIMIT, seed: int = 0) -> np.ndarray:
    """Rows (sorted, int64) of an n-pose library that a plot draws: all of them up to `limit`, else `limit`
    distinct rows drawn uniformly at random with a fixed seed (the same library always gives the same sample,
    and its density is the library's)."""
    if n <= limit:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    if 8 * limit > n:
        return np.sort(rng.choice(n, size=limit, replace=False)).astype(np.int64)
    # a small sample of a large library without a permutation of all n rows (0.2 s and 80 MB at 10^7): the
    # distinct values of independent uniform draws are a uniform random subset, and so is a uniform subset
    # of them
    rows = np.unique(rng.integers(0, n, limit + limit // 8))
    while len(rows) < limit:
        rows = np.union1d(rows, rng.integers(0, n, limit))
    return np.sort(rng.choice(rows, size=limit, replace=False)).astype(np.int64)
