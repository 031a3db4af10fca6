"""Parts of the sync UI (see poseexplorer/gui/sync_panel.py)."""
