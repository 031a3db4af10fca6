"""The Pr-VIPE network, model files and batched inference (imports torch; the rest of the app loads it lazily).

`poseexplorer.embed.inputs` is numpy only; `network`, `modelfile` and `model` import torch.
"""
