"""Backup, wipe, restore: the same atlas (the same records, the same search results, the same
logos), on an instance of its own (SQLite, and PostgreSQL when the tests run on it)."""

import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.helpers import TESTS

ROOT = TESTS.parent
SEARCH = ("from essaim.search.index import get_index, SearchQuery; "
          "print(get_index().search(SearchQuery(text='numérique', limit=50)).ids)")  # fmt: skip


class Instance:
    def __init__(self, data_dir: Path, database_url: str):
        self.data_dir, self.database_url = data_dir, database_url

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        environment = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "essaim.settings",
            "ESSAIM_DATA_DIR": str(self.data_dir), "DATABASE_URL": self.database_url,
            "ESSAIM_SECRET_KEY": "backup-tests-" + "s" * 40, "ESSAIM_SEMANTIC_SEARCH": "0",
        }  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "essaim", *args], env=environment,
                              cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
        assert not check or done.returncode == 0, done.stdout + done.stderr
        return done

    def state(self) -> tuple[list, str, bytes]:
        """Its published records, a search's results, and a logo's bytes."""
        records = self.records()
        search = self.run("shell", "-c", SEARCH).stdout
        logo = self.data_dir / "media" / "logos" / "kept.webp"
        return records, search, logo.read_bytes()

    def records(self) -> list[dict]:
        export = self.run("export", "--format", "json", "--output", "-").stdout
        return json.loads(export)["organisations"]


def sqlite_instance(tmp_path: Path) -> Instance:
    data_dir = tmp_path / "instance"
    return Instance(data_dir, f"sqlite:///{data_dir / 'essaim.sqlite3'}")


@pytest.fixture
def postgres_instance(tmp_path):
    """A database of its own on the PostgreSQL server the tests use."""
    settings = connection.settings_dict
    name = f"essaim_backup_{secrets.token_hex(4)}"
    user = settings["USER"] or "postgres"
    address = f"{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    with psycopg.connect(f"postgresql://{address}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield Instance(tmp_path / "instance", f"postgres://{address}/{name}")
    with psycopg.connect(f"postgresql://{address}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backup_wipe_restore(instance: Instance, tmp_path: Path) -> None:
    instance.run("migrate", "--no-input", "-v", "0")
    instance.run("load_demo")
    instance.run("reindex", "--if-needed")
    logos = instance.data_dir / "media" / "logos"
    logos.mkdir(parents=True)
    (logos / "kept.webp").write_bytes(b"RIFF-a-logo")
    before = instance.state()
    assert len(before[0]) > 20 and before[1].strip() != "[]"

    output = instance.run("backup", "--output", str(tmp_path / "backups")).stdout
    archive = next((tmp_path / "backups").glob("essaim-backup-*.tar.gz"))
    assert str(archive) in output and oct(archive.stat().st_mode)[-3:] == "600"

    # Wiped: the database emptied, the index and the files gone.
    instance.run("flush", "--no-input")
    for name in ("index", "media", "vectors"):
        shutil.rmtree(instance.data_dir / name, ignore_errors=True)
    assert instance.records() == []

    output = instance.run("restore", str(archive), "--yes").stdout
    assert "search index rebuilt" in output or "index de recherche" in output
    assert instance.state() == before
    instance.run("check-index")  # fails unless the index matches the database


@pytest.mark.django_db
def test_backup_wipe_restore_gives_the_same_atlas(tmp_path, request):
    """On the database the tests run on: SQLite's file copy, or PostgreSQL's dump."""
    on_postgres = connection.vendor == "postgresql"
    instance = request.getfixturevalue("postgres_instance") if on_postgres else (
        sqlite_instance(tmp_path))  # fmt: skip
    backup_wipe_restore(instance, tmp_path)


@pytest.mark.django_db
def test_a_backup_of_a_newer_version_is_refused_with_what_to_do(tmp_path):
    instance = sqlite_instance(tmp_path)
    instance.run("migrate", "--no-input", "-v", "0")
    instance.run("backup", "--output", str(tmp_path / "backups"))
    archive = next((tmp_path / "backups").glob("essaim-backup-*.tar.gz"))
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(archive) as old, tarfile.open(newer, "w:gz") as new:
        for member in old.getmembers():
            content = old.extractfile(member) if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.load(content)
                manifest["migrations"]["atlas"].append("9999_from_the_future")
                data = json.dumps(manifest).encode()
                member.size, content = len(data), io.BytesIO(data)
            new.addfile(member, content)
    refused = instance.run("restore", str(newer), "--yes", check=False)
    assert refused.returncode != 0
    assert "atlas.9999_from_the_future" in refused.stderr
    assert "upgrade Essaim" in refused.stderr or "Essaim" in refused.stderr
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not an archive")
    assert instance.run("restore", str(garbage), "--yes", check=False).returncode != 0
