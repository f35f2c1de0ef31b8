"""OCR with the tesseract binary in a subprocess, bounded per image and per message."""
from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from brandguard.content.cache import CACHE
from brandguard.content.config import OcrSettings

# Formats leptonica reads from stdin; anything else is skipped rather than handed to tesseract.
_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM", b"RIFF")


def looks_like_image(data: bytes) -> bool:
    return data[:4].startswith(_MAGIC) or data[:3] == b"\xff\xd8\xff"


@dataclass
class OcrBudget:
    """Per-message OCR state: images done, time left, problems met (as defect names)."""

    settings: OcrSettings
    clock: Callable[[], float] = time.monotonic
    cache_mb: int = 0  # ContentSettings.attachment_cache_mb
    spent: float = 0.0
    done: int = 0
    defects: set[str] = field(default_factory=set)
    _binary: str | None = None
    _resolved: bool = False

    def binary(self) -> str | None:
        if not self._resolved:
            self._resolved = True
            self._binary = self.settings.binary()
            if self._binary is None:
                self.defects.add("ocr_unavailable")
        return self._binary

    def allows(self, data: bytes) -> bool:
        s = self.settings
        if not s.enabled or self.done >= s.max_images or self.spent >= s.budget_seconds:
            if s.enabled and (self.done >= s.max_images or self.spent >= s.budget_seconds):
                self.defects.add("ocr_budget_exhausted")
            return False
        if not (s.min_bytes <= len(data) <= s.max_bytes) or not looks_like_image(data):
            return False
        return self.binary() is not None

    def run(self, data: bytes) -> str:
        """OCR one image; '' on any failure (recorded as a defect), never raises."""
        if not self.allows(data):
            return ""
        s = self.settings
        params = (self._binary, s.languages)
        text, seconds, defect = CACHE.get_or_compute("ocr", params, data, self.cache_mb, lambda: self._tesseract(data),
                                                     keep=lambda r: r[2] is None)
        # a cached result is charged what it cost the first time, so copies of a message get the same OCR
        self.spent += seconds
        self.done += 1
        if defect:
            self.defects.add(defect)
        return text

    def _tesseract(self, data: bytes) -> tuple[str, float, str | None]:
        """(text, seconds, defect or None) of one tesseract run."""
        s = self.settings
        timeout = min(s.timeout_seconds, s.budget_seconds - self.spent)
        # one thread per tesseract: the milter already runs one thread per connection
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        start = self.clock()
        try:
            proc = subprocess.run(
                [self._binary or "tesseract", "stdin", "stdout", "-l", s.languages, "--psm", "3"],
                input=data, capture_output=True, timeout=timeout, env=env, check=False,
            )
        except subprocess.TimeoutExpired:
            return "", self.clock() - start, "ocr_timeout"
        except OSError:
            return "", self.clock() - start, "ocr_failed"
        seconds = self.clock() - start
        if proc.returncode != 0:
            return "", seconds, "ocr_failed"
        return proc.stdout.decode("utf-8", "replace"), seconds, None
