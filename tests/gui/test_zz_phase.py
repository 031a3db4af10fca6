import time, sys
from pathlib import Path
import pytest
sys.argv=["x"]
from tests.gui import test_training_dialog as t
from tests.gui.test_training_dialog import data_dir
import tests.gui.test_training_dialog as mod
T0=time.time()
orig_wait=None
def test_phases(qtbot, tmp_path, data_dir):
    from poseexplorer.gui.state import AppState
    state=AppState()
    d=t._dialog(qtbot, tmp_path, data_dir, state=state)
    d.form.steps.setValue(100000)
    t0=time.time()
    d.start()
    qtbot.waitUntil(lambda: d.progress().step>=1, timeout=50000); print("first metrics", time.time()-t0)
    qtbot.waitUntil(lambda: d.progress().step>=10, timeout=50000); print("step10", time.time()-t0)
    with qtbot.waitSignal(d.runEnded, timeout=60000): d.cancel_training()
    print("cancelled", time.time()-t0)
    d.form.steps.setValue(d.progress().step+30)
    with qtbot.waitSignal(d.runEnded, timeout=60000): d.resume()
    print("resumed done", time.time()-t0)
    d.export_model(); qtbot.waitUntil(lambda: d.exported_model() is not None, timeout=60000)
    print("exported", time.time()-t0)
    with qtbot.waitSignal(state.modelChanged, timeout=60000): d.use_button.click()
    print("used", time.time()-t0)
    print(open(tmp_path/"runs/tiny/metrics.jsonl").read()[:3000])
