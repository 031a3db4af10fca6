"""Parts of the training UI (see poseexplorer/gui/training_dialog.py)."""
