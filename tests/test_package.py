"""The package's promises: a light import, a working --help without a display."""
import subprocess
import sys


def test_import_is_light():
    code = ("import sys, poseexplorer, poseexplorer.core; "
            "bad = [m for m in ('torch', 'PySide6', 'pyqtgraph', 'OpenGL', 'cv2', 'mediapipe') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_public_api_names():
    import poseexplorer as px

    for name in ("load_model", "align", "Embedding", "Pose2D", "Pose3D"):
        assert hasattr(px, name)


def test_cli_help_without_display():
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": ""}
    res = subprocess.run([sys.executable, "-m", "poseexplorer", "--help"], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert "Pose Explorer" in res.stdout
