"""Retrieval over the pose library and the PCA projection for the scatter (headless, numpy only).

Public names:

    index = PoseIndex(pose_ids, media_ids, embedding, a, b, visibility=None)
    hits = index.query(query_embedding, k=20, exclude_media=(), restrict_media=None,
                       restrict_pose_ids=None, min_visibility=0.0, mirror=False,
                       query_mirrored=None, exhaustive=False)          # -> list[Hit], best first
    hits = index.query_pose(pose_id, k=20, ...)       # query by a library pose (itself excluded)
    index.add(pose_ids, media_ids, embedding, visibility=None)       # after media were indexed
    index.rebuild()                                    # re-centre after many adds (optional)
    index.remove_media(media_ids)
    index.last_stats                                   # QueryStats of the last query (candidates, certified)

    Hit(pose_id, media_id, probability, mirrored, row)   # probability = sampled matching probability
                                                          # (prvipe-method.md section 5, K=20, common
                                                          # random numbers) = the retrieval confidence

    pca = StablePCA(n_components=2)
    xy = pca.fit_transform(means)        # (N, D) embedding means -> (N, 2) float32
    pca.refresh(all_means)               # refit after media were added; orientation kept stable
    pca.partial_fit(new_means)           # incremental: update running statistics, refit, keep orientation
    pca.transform(means)

Mirror search (decision): the query is mirrored, not the index. The caller embeds the left/right flipped
query pose (model.embed(mirror_coco13(xy)) -> `query_mirrored`) and passes mirror=True; each library pose is
scored against both and keeps the better, Hit.mirrored says which won. This costs one extra embedding per
query instead of a second embedding of the whole library. An index built with `mirrored_embedding` (the
embeddings of every library pose's flipped 2D pose) is also accepted as a fallback when no query_mirrored
is given.
"""
from .index import Hit, PoseIndex, QueryStats
from .pca import SCATTER_LIMIT, StablePCA, display_rows
from .scoring import exhaustive_probability, sampled_probability

__all__ = ["Hit", "PoseIndex", "QueryStats", "SCATTER_LIMIT", "StablePCA", "display_rows", "exhaustive_probability",
           "sampled_probability"]
