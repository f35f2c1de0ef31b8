"""The policy in force: loaded, watched and reloaded atomically, the last good one kept when a reload fails."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from brandguard.errors import PolicyError
from brandguard.policy.loader import Policy, load_policy

log = logging.getLogger("brandguard")
# the policy files' (path, mtime_ns, size), None for a file that could not be read
_Stamp = tuple[tuple[str, int | None, int | None], ...]


class PolicyStore:
    """Holds the current policy; reloads validate fully and swap atomically, keeping the last good one."""

    def __init__(self, path: str | Path, on_reload: Callable[[Policy, bool], None] | None = None):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._policy = load_policy(self.path)
        self._stamp = self._fingerprint()
        self._on_reload = on_reload

    @property
    def current(self) -> Policy:
        return self._policy  # one attribute read: atomic, so readers never see a half-swapped policy

    def _fingerprint(self) -> _Stamp:
        files = set(self._policy.sources) | {self.path}
        # include folders too, so that a first file dropped into an empty local.d/ is noticed
        dirs = {p.parent for p in files} | {(self.path.parent / inc).parent for inc in self._policy.spec.include}
        for folder in dirs:
            files |= set(folder.glob("*.yaml"))
        stamp: list[tuple[str, int | None, int | None]] = []
        for f in sorted(files):
            try:
                st = f.stat()
                stamp.append((str(f), st.st_mtime_ns, st.st_size))
            except OSError:
                stamp.append((str(f), None, None))
        return tuple(stamp)

    def changed(self) -> bool:
        return self._fingerprint() != self._stamp

    def reload(self) -> tuple[bool, str]:
        """Load and validate again; on failure keep the current policy and return the problems."""
        with self._lock:
            try:
                new = load_policy(self.path)
            except PolicyError as exc:
                self._stamp = self._fingerprint()  # do not retry the same broken files every poll
                msg = "; ".join(exc.problems)
                log.error("policy reload failed, keeping policy %s: %s", self._policy.hash, msg)
                if self._on_reload:
                    self._on_reload(self._policy, False)
                return False, msg
            old, self._policy = self._policy, new
            self._stamp = self._fingerprint()
        log.info("policy reloaded: %s -> %s (%d brands)", old.hash, new.hash, len(new.brand_ids))
        if self._on_reload:
            self._on_reload(new, True)
        return True, new.hash
