"""A file uploaded in the admin, kept while its columns are matched (see columns.py), and the
matching screen's state: the choices read from the form, or guessed at first."""

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

from essaim.atlas.gazetteer import resolve_country

from .columns import (
    MAX_VALUES,
    SHOWN_ROWS,
    Sample,
    coded_fields,
    field_choices,
    guess_code,
    guess_field,
    matching_errors,
    preview,
)
from .imports import Mapping

KEPT_FOR = 24 * 3600  # seconds an upload waits for its matching before it is deleted
OPTIONS = ("format", "source", "encoding", "partial", "subset")


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
        options = uploads_dir() / f"{token}.json"
        if not options.is_file():
            return None
        return cls(token, json.loads(options.read_text(encoding="utf-8")))

    def open(self) -> BinaryIO:
        return self.path.open("rb")

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)
        (uploads_dir() / f"{self.token}.json").unlink(missing_ok=True)


def keep_upload(data: dict) -> str:
    """Keep an uploaded file and its import options; returns its token. Uploads older than a
    day, never matched, go."""
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEPT_FOR:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    with (folder / f"{token}.data").open("wb") as target:
        for chunk in data["file"].chunks():
            target.write(chunk)
    options = {name: data[name] for name in OPTIONS}
    options["subset"] = bool(options["subset"])
    (folder / f"{token}.json").write_text(json.dumps(options), encoding="utf-8")
    return token


class MatchingScreen:
    """Each column with its first values and the field it fills, each value of a column of
    codes with the code it means, the country of every record, and the preview: as the
    animator chose them (`data`, the form sent), or as first guessed."""

    def __init__(self, sample: Sample, saved: Mapping, data=None):
        self.sample, self.saved, self.data = sample, saved, data
        self.fields = field_choices()
        known = {name for name, _label in self.fields}
        self.columns = []
        for index, column in enumerate(sample.columns):
            chosen = data.get(f"column-{index}", "") if data is not None else None
            if chosen is not None and chosen not in known:
                chosen = ""
            self.columns.append({
                "index": index,
                "name": column,
                "examples": [str(row[column]) for row in sample.rows[:SHOWN_ROWS]
                             if row.get(column) not in (None, "")],
                "field": guess_field(column, saved) if chosen is None else chosen,
            })  # fmt: skip
        self.errors = []
        typed_country = data.get("default-country", "").strip()[:60] if data is not None else None
        if typed_country is None:
            self.country = saved.defaults.get("country", "")
        else:
            self.country = resolve_country(typed_country) if typed_country else ""
            if typed_country and not self.country:
                self.errors.append(_("Unknown country: %(name)s.") % {"name": typed_country})
        self.typed_country = self.country if typed_country is None else typed_country
        chosen = {column["name"]: column["field"] for column in self.columns}
        self.errors += matching_errors(chosen, {"country": self.country})
        self.coded = self._coded()
        self.ready = data is not None and not self.errors
        self.previewed = preview(sample, self.mapping()) if not self.errors else []

    def _coded(self) -> list[dict]:
        choices = coded_fields()
        coded = []
        for column in self.columns:
            name = column["field"]
            if name not in choices:
                continue
            saved = self.saved.values.get(name, {})
            codes = {code for code, _label in choices[name]}
            values = []
            for number, (value, count) in enumerate(
                self.sample.values.get(column["name"], {}).most_common(MAX_VALUES)
            ):
                key = f"value-{column['index']}-{number}"
                code = self.data.get(key) if self.data is not None and key in self.data else None
                if code is None or (code and code not in codes):
                    code = guess_code(value, choices[name], saved)
                values.append({"key": key, "value": value, "count": count, "code": code})
            coded.append({"column": column, "choices": choices[name], "values": values})
        return coded

    def mapping(self) -> Mapping:
        """The mapping chosen: saved with the source by the import that uses it."""
        # A column left out is mapped to "": never read, even if it bears a field's name.
        columns = {column["name"]: column["field"] for column in self.columns}
        values = {}
        for group in self.coded:
            table = {value["value"]: value["code"] for value in group["values"] if value["code"]}
            if table:
                values.setdefault(group["column"]["field"], {}).update(table)
        defaults = {"country": self.country} if self.country else {}
        return Mapping(columns=columns, values=values, defaults=defaults)
