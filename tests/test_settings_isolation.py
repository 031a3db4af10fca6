"""Each test gets its own QSettings: what one test's window remembers must not reach the next test.

The two tests run in file order; the second fails if Qt kept the first test's settings folder."""
from __future__ import annotations

from PySide6.QtCore import QSettings


def test_a_test_writes_a_setting():
    qs = QSettings()
    qs.setValue("isolation/probe", 1)
    qs.sync()
    assert QSettings().value("isolation/probe") is not None


def test_the_next_test_does_not_see_it():
    assert QSettings().value("isolation/probe") is None
