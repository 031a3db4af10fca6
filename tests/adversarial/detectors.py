"""Detector doubles that fail in the ways real decoders and detectors do (module-level: picklable)."""
from __future__ import annotations

import numpy as np

from tests.io.media_factory import read_barcode
from tests.library.fakes import BarcodeDetector

FAIL_FROM = 125   # FailingTailDetector raises on frames from this index on


class FailingTailDetector(BarcodeDetector):
    """Raises on every frame from FAIL_FROM on, as a decoder error in the middle of a segment would."""

    def detect(self, rgb: np.ndarray):
        if read_barcode(rgb) >= FAIL_FROM:
            raise RuntimeError(f"cannot decode frame {read_barcode(rgb)}")
        return super().detect(rgb)


def failing_tail_factory(name: str, video: bool) -> FailingTailDetector:
    return FailingTailDetector(video)


class SlowDetector(BarcodeDetector):
    """Takes 50 ms per frame, so an index run is still busy when the test kills it."""

    def detect(self, rgb: np.ndarray):
        import time

        time.sleep(0.05)
        return super().detect(rgb)


def slow_factory(name: str, video: bool) -> SlowDetector:
    return SlowDetector(video)
