"""Reading a competence framework from Essaim's JSON form (see docs/competences.md): every
problem is found and named by where it is ("areas[2].competences[0].name.it"), before anything
is written."""

import json
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from essaim.atlas.models import CONTENT_LANGUAGES

BUILTIN = Path(__file__).parent / "data"
_web_address_check = URLValidator(schemes=["http", "https"])
LENGTHS = {"name": 200, "description": 2000, "band": 60}


class FrameworkError(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{where}: {reason}" for where, reason in problems))
        self.problems = problems


def builtin_frameworks() -> list[Path]:
    return sorted(BUILTIN.glob("*.json"))


def read_framework(path: Path) -> dict:
    """The framework in `path`, checked whole; FrameworkError lists every problem."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FrameworkError([("", _("Not a JSON file: %(error)s") % {"error": error})]) from None
    problems: list[tuple[str, str]] = []
    check_framework(data, problems)
    if problems:
        raise FrameworkError(problems)
    return data


def check_framework(data, problems: list) -> None:
    if not isinstance(data, dict):
        problems.append(("", _("A framework is a JSON object.")))
        return
    for name in ("key", "family", "version"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            problems.append((name, _("Required: a text.")))
    _texts(data, "", ("name",), ("description",), problems)
    _web_address(data, "source_url", "source_url", problems)
    if data.get("published"):
        try:
            date.fromisoformat(str(data["published"]))
        except ValueError:
            problems.append(("published", _("Not a date (YYYY-MM-DD).")))
    numbers: set[str] = set()
    for i, area in enumerate(_items(data, "areas", "", problems)):
        where = f"areas[{i}]"
        _number(area, where, numbers, problems)
        _texts(area, where, ("name",), ("description",), problems)
        for j, competence in enumerate(_items(area, "competences", where, problems)):
            inner = f"{where}.competences[{j}]"
            _number(competence, inner, numbers, problems)
            _texts(competence, inner, ("name",), ("description",), problems)
            _web_address(competence, "esco_uri", f"{inner}.esco_uri", problems)
    levels: set[str] = set()
    for i, level in enumerate(_items(data, "levels", "", problems)):
        _number(level, f"levels[{i}]", levels, problems)
        _texts(level, f"levels[{i}]", ("name", "band"), ("description",), problems)
    for i, crosswalk in enumerate(data.get("crosswalks") or []):
        if not isinstance(crosswalk, dict) or not all(
            isinstance(crosswalk.get(name), str) for name in ("from", "to", "relation")
        ):
            problems.append((f"crosswalks[{i}]", _('Give "from", "to" and "relation".')))


def _web_address(item: dict, name: str, where: str, problems: list) -> None:
    if item.get(name):
        try:
            _web_address_check(item[name])
        except ValidationError:
            problems.append((where, _("Not a valid web address.")))


def _items(data: dict, name: str, where: str, problems: list) -> list:
    items = data.get(name)
    path = f"{where}.{name}" if where else name
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        problems.append((path, _("Required: a list of objects.")))
        return []
    return items


def _number(item: dict, where: str, seen: set, problems: list) -> None:
    number = item.get("number")
    if not isinstance(number, str) or not number.strip() or len(number) > 10:
        problems.append((f"{where}.number", _("Required: a text of at most 10 characters.")))
    elif number in seen:
        problems.append(
            (f"{where}.number", _("Number %(number)s is used twice.") % {"number": number})
        )
    else:
        seen.add(number)


def _texts(item: dict, where: str, required: tuple, optional: tuple, problems: list) -> None:
    """Texts by language: required ones in every content language."""
    for name in (*required, *optional):
        path = f"{where}.{name}" if where else name
        texts = item.get(name) or {}
        if not isinstance(texts, dict):
            problems.append((path, _("Give an object of texts by language (fr, en, it, es).")))
            continue
        for language in CONTENT_LANGUAGES:
            text = texts.get(language, "")
            limit = LENGTHS.get(name, 2000)
            if not isinstance(text, str):
                problems.append((f"{path}.{language}", _("Not a text.")))
            elif name in required and not text.strip():
                problems.append((f"{path}.{language}", _("Required.")))
            elif len(text) > limit:
                problems.append(
                    (f"{path}.{language}", _("At most %(count)d characters.") % {"count": limit})
                )
