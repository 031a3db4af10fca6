"""GUI test fixtures: the PySide6 6.12.0 emit refcount work-around (see poseexplorer/gui/pyside_fixes.py)."""
from poseexplorer.gui.pyside_fixes import protect_true_from_emit_leak

# Applied at collection, before any test emits a signal: without it the test process aborts with
# "Fatal Python error: bool_dealloc" once enough signals were emitted.
protect_true_from_emit_leak()
