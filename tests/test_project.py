"""Consistency of the project itself: migrations, translations, vendored files, deployment
checks, and no request to a third party from any page."""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation

from tests.helpers import page_types

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "essaim"
LANGUAGES = ("fr", "en", "it", "es")


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete(language):
    catalogue = polib.pofile(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po")
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated in {language}: {untranslated}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_current(language):
    """Every entry of the .po file is what Django serves: the .mo was compiled after the edit."""
    catalogue = polib.pofile(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po")
    with translation.override(language):
        for entry in catalogue.translated_entries():
            if entry.msgid_plural:
                served = translation.ngettext(entry.msgid, entry.msgid_plural, 1)
                assert served == entry.msgstr_plural[0], entry.msgid
            elif entry.msgctxt:  # the same words in another context may differ
                served = translation.pgettext(entry.msgctxt, entry.msgid)
                assert served == entry.msgstr, (entry.msgctxt, entry.msgid)
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_every_template_string_is_marked_for_translation():
    """Text between tags in templates comes through {% translate %} or from variables (names
    of formats and standards aside)."""
    offenders = []
    for template in PACKAGE.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        text = re.sub(
            r"{%\s*blocktranslate.*?endblocktranslate\s*%}|{%.*?%}|{{.*?}}"
            r"|<script.*?</script>|<code>.*?</code>",
            "",
            text,
            flags=re.S,
        )
        for piece in re.findall(r">([^<>]+)<", text):
            if re.search(r"[A-Za-z]{3,}", piece) and piece.strip() not in (
                "CSV",
                "JSON",
                "GeoJSON",
                "JSON-LD",
                "Turtle",
                "data·inclusion",
            ):
                offenders.append(f"{template.name}: {piece.strip()[:60]}")
    assert not offenders, offenders


def test_vendored_files_match_their_recorded_hashes():
    recorded = json.loads((PACKAGE / "vendor.json").read_text())
    for package, entry in recorded.items():
        for path, digest in entry["sha256"].items():
            actual = hashlib.sha256((PACKAGE / "static" / path).read_bytes()).hexdigest()
            assert actual == digest, f"{package}: {path} changed"


PRODUCTION = {
    "ESSAIM_SECRET_KEY": "a-long-random-production-key-" + "x9" * 30,
    "ESSAIM_HTTPS": "1",
    "ESSAIM_DEBUG": "0",
    "DJANGO_SETTINGS_MODULE": "essaim.settings",
    "ESSAIM_ALLOWED_HOSTS": "essaim.example",
    "ESSAIM_PUBLIC_URL": "https://essaim.example",
    "ESSAIM_SMTP_HOST": "smtp.essaim.example",
    "ESSAIM_FROM_EMAIL": "atlas@essaim.example",
}


def deploy_check(tmp_path, **changes) -> subprocess.CompletedProcess:
    env = {
        **{key: value for key, value in os.environ.items()
           if key != "DJANGO_ALLOW_ASYNC_UNSAFE" and not key.startswith("ESSAIM_")},
        **PRODUCTION, "ESSAIM_DATA_DIR": str(tmp_path), **changes,
    }  # fmt: skip
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "-m", "essaim", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip


def test_deploy_checks_pass_with_production_settings(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"ESSAIM_PUBLIC_URL": None}, "ESSAIM_PUBLIC_URL is 'http://127.0.0.1:8000'"),
        ({"ESSAIM_PUBLIC_URL": "http://localhost:8102"}, "Set ESSAIM_PUBLIC_URL"),
        ({"ESSAIM_PUBLIC_URL": "https://other.example"}, "not in ESSAIM_ALLOWED_HOSTS"),
        ({"ESSAIM_SMTP_HOST": None}, "Set ESSAIM_SMTP_HOST"),
        ({"ESSAIM_FROM_EMAIL": None}, "Set ESSAIM_FROM_EMAIL"),
        ({"ESSAIM_SECRET_KEY": None}, "Set ESSAIM_SECRET_KEY"),
        ({"ESSAIM_SECRET_KEY": "short"}, "SECRET_KEY"),
    ],
)  # fmt: skip
def test_deploy_checks_refuse_what_production_cannot_keep(tmp_path, changes, said):
    result = deploy_check(tmp_path, **changes)
    assert result.returncode != 0
    assert said in result.stdout + result.stderr


def test_static_files_collect_as_make_run_serves_them(tmp_path):
    """Fingerprinted and compressed, every reference of every stylesheet and script found
    (a vendored file naming a missing source map would stop `make run`)."""
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "ESSAIM_SECRET_KEY": "a-long-random-production-key-" + "x9" * 30,
        "ESSAIM_DEBUG": "0",
        "ESSAIM_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "essaim.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "essaim", "collectstatic", "--no-input", "-v", "0"],
        env=env, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())
    assert "geo/basemap/FR.geojson" in manifest["paths"]


def test_settings_refuse_to_start_without_a_secret(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("ESSAIM_")}
    env.update(DJANGO_SETTINGS_MODULE="essaim.settings", ESSAIM_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "essaim", "check"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode != 0
    assert "ESSAIM_SECRET_KEY" in result.stderr


RESOURCE_ATTRIBUTES = re.compile(
    r'<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc="([^"]*)"'
    r'|<link\b[^>]*\bhref="([^"]*)"|url\(([^)]*)\)',
    re.I,
)


def external_resources(html: str) -> list[str]:
    found = []
    for match in RESOURCE_ATTRIBUTES.finditer(html):
        url = next(group for group in match.groups() if group is not None).strip("'\" ")
        if re.match(r"^(https?:)?//", url) and not url.startswith("http://testserver/"):
            found.append(url)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_loads_anything_from_a_third_party(client, demo, language):
    pages = [*page_types(language), "/api/v1/docs"]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 400), url
        html = response.content.decode()
        assert "INVALID[" not in html, f"{url} uses a template variable that does not exist"
        # Links with rel=alternate name our own pages in other languages: not loaded.
        html = re.sub(r'<link rel="alternate"[^>]*>', "", html)
        assert external_resources(html) == [], url
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, url


def test_stylesheets_load_nothing_from_elsewhere():
    for stylesheet in (PACKAGE / "static").rglob("*.css"):
        assert external_resources(stylesheet.read_text(encoding="utf-8")) == [], stylesheet


def test_tests_cannot_reach_the_network():
    import socket

    import pytest

    with pytest.raises(OSError, match="offline"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1, never routed


def test_the_code_follows_the_house_style():
    """What `make lint` checks, checked by the suite too: ruff's rules and its formatting."""
    import subprocess
    import sys

    ruff = Path(sys.executable).with_name("ruff")
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run([str(ruff), *command, "essaim", "tests", "bench"], cwd=ROOT,
                              capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
