import os
import subprocess
import sys
from pathlib import Path

import pytest

from poseexplorer.gui.main_window import MainWindow

from .explorer_media import tiny_model

pytestmark = pytest.mark.gui

# The `poseexplorer` command in a fresh process (a QApplication that has run exec() once cannot start
# threads for later tests), quitting after a few seconds through a timer set before main() runs.
RUN_COMMAND = """
import sys
from PySide6.QtCore import QTimer
from poseexplorer.gui.app import create_app
from poseexplorer.cli import main
app = create_app()
QTimer.singleShot(2500, app.quit)
sys.exit(main(sys.argv[1:]))
"""


def test_main_window_opens_and_closes(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("Pose Explorer")
    window.close()


@pytest.mark.slow
def test_poseexplorer_command_opens_the_window_and_remembers_the_library(tmp_path):
    model = tiny_model(tmp_path / "tiny.safetensors")
    lib = tmp_path / "my library.sqlite"
    done = subprocess.run([sys.executable, "-c", RUN_COMMAND, "--library", str(lib), "--model", str(model)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert lib.is_file()                                            # created and opened
    from PySide6.QtCore import QSettings

    # the child wrote its settings under this test's XDG_CONFIG_HOME (the names create_app() sets)
    conf = Path(os.environ["XDG_CONFIG_HOME"]) / "PoseExplorer" / "Pose Explorer.conf"
    saved = QSettings(str(conf), QSettings.Format.IniFormat)
    assert saved.value("settings/library_path") == str(lib)        # reopened next time
