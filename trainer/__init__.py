"""The Pr-VIPE trainer: motion-capture loaders, pair sampling, losses, training loop, export, evaluation.

May import poseexplorer.core, .embed and .search; nothing in poseexplorer imports trainer at module level.
"""
