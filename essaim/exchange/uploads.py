"""A file uploaded in the admin, kept while its columns are matched (see columns.py)."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings


def uploads_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports" / "uploads"


@dataclass
class Upload:
    token: str
    options: dict

    @property
    def path(self) -> Path:
        return uploads_dir() / f"{self.token}.data"

    @classmethod
    def find(cls, token: str) -> "Upload | None":
        if not token.isalnum():
            return None
        upload = cls(token, {})
        if not upload.options_path.is_file():
            return None
        upload.options = json.loads(upload.options_path.read_text(encoding="utf-8"))
        return upload

    @property
    def options_path(self) -> Path:
        return uploads_dir() / f"{self.token}.json"

    def open(self) -> BinaryIO:
        return self.path.open("rb")
