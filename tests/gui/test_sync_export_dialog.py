"""The Sync panel's export as a user runs it: options (skeletons, names, largest width), an H.264 MP4,
and a finished message with Open folder."""
from __future__ import annotations

import pytest

from poseexplorer.gui.sync.export_dialog import WIDTHS, ExportOptions, ExportOptionsDialog

from .test_sync_panel import synced_panel  # noqa: F401 (fixture)

pytestmark = pytest.mark.gui


def test_export_options_dialog_gives_back_what_was_chosen(qtbot):
    dialog = ExportOptionsDialog(None, ExportOptions())
    qtbot.addWidget(dialog)
    assert dialog.options() == ExportOptions(True, True, 1920)
    dialog.skeletons.setChecked(False)
    dialog.width.setCurrentIndex([v for _, v in WIDTHS].index(None))
    assert dialog.options() == ExportOptions(False, True, None)


def test_export_writes_an_h264_mp4_with_names_and_says_where(synced_panel, qtbot, tmp_path):
    import av

    out = tmp_path / "synced.mp4"
    with qtbot.waitSignal(synced_panel.exported, timeout=30000):
        synced_panel.export(str(out), ExportOptions(skeletons=True, labels=True, max_width=320),
                            show_finished=True)
    qtbot.waitUntil(lambda: not synced_panel.is_busy(), timeout=5000)
    with av.open(str(out)) as f:
        stream = f.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.width <= 320
    box = synced_panel.finished_box
    assert box is not None and box.isVisible() and out.name in box.text()
    assert box.open_folder_button.text() == "Open folder" and str(tmp_path) in box.informativeText()
    box.close()
