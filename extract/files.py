"""Client files on disk, content-addressed by sha256.

The stored path is derived from the content hash only, never from the file
name Bizstim reports, so a name such as `../../etc/passwd` cannot place a
file outside the workspace. Identical files are stored once.
"""

from __future__ import annotations

import os
from pathlib import Path


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def incoming_dir(self) -> str:
        return str(self.root)

    def relative_path(self, sha256: str) -> str:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return f"{sha256[:2]}/{sha256}"

    def path_of(self, sha256: str) -> Path:
        return self.root / self.relative_path(sha256)

    def adopt(self, temp_path: str, sha256: str) -> str:
        """Move a downloaded temporary file to its content address (atomic
        rename; a duplicate is simply discarded). Returns the relative path."""
        target = self.path_of(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(temp_path)
        else:
            os.replace(temp_path, target)
        return self.relative_path(sha256)

    def discard_partials(self) -> int:
        """Remove downloads a killed run left half-written."""
        removed = 0
        for partial in self.root.glob(".partial-*"):
            partial.unlink(missing_ok=True)
            removed += 1
        return removed
