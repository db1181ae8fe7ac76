"""Backups of an instance and their restoration: the database (a consistent copy of SQLite's
file, or PostgreSQL's own dump) and the data directory's files that cannot be made again from
it (organisations' logos, snapshots, meaning vectors, the secret key), in one archive with a
manifest. The search index is not saved: a restore rebuilds it from the database.

An archive made by a newer version of Essaim (a migration this code does not know) is
refused: upgrade first. One made by an older version is restored, then migrated.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
# The data directory's parts that cannot be made again from the database.
KEPT = ("media", "snapshots", "vectors", "secret_key")


class BackupError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _applied_migrations() -> dict[str, list[str]]:
    loader = MigrationLoader(connection)
    applied: dict[str, list[str]] = {}
    for app, name in sorted(loader.applied_migrations):
        applied.setdefault(app, []).append(name)
    return applied


def _known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _data_dir() -> Path:
    return Path(settings.DATA_DIR)


def _pg_environment(database: dict) -> tuple[list[str], dict]:
    """pg_dump's and pg_restore's connection options (the password through the environment,
    never on a command line)."""
    options = ["--dbname", database["NAME"]]
    if database.get("HOST"):
        options += ["--host", database["HOST"]]
    if database.get("PORT"):
        options += ["--port", str(database["PORT"])]
    if database.get("USER"):
        options += ["--username", database["USER"]]
    environment = {**os.environ}
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    return options, environment


def _run(command: list[str], environment: dict) -> None:
    try:
        done = subprocess.run(command, env=environment, capture_output=True, text=True,  # noqa: S603
                              check=False)  # fmt: skip
    except FileNotFoundError as missing:
        raise BackupError(
            _("%(program)s is not installed: install PostgreSQL's client programs.")
            % {"program": command[0]}
        ) from missing
    if done.returncode:
        failure = {"program": command[0], "error": done.stderr.strip()[-500:]}
        raise BackupError(_("%(program)s failed: %(error)s") % failure)


def make_backup(folder: Path) -> Path:
    """Write a backup archive in `folder`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"essaim-backup-{stamp}.tar.gz"
    database = connection.settings_dict
    with tempfile.TemporaryDirectory(dir=folder) as work:
        work = Path(work)
        if connection.vendor == "sqlite":
            dump = work / "database.sqlite3"
            with sqlite3.connect(database["NAME"]) as source, sqlite3.connect(dump) as copy:
                source.backup(copy)  # consistent, even while others write
        elif connection.vendor == "postgresql":
            dump = work / "database.pgdump"
            options, environment = _pg_environment(database)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(dump), *options], environment)  # fmt: skip
        else:
            raise BackupError(_("Backups know SQLite and PostgreSQL only."))
        manifest = {
            "format": FORMAT,
            "made_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": _applied_migrations(),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1))
        partial = target.with_suffix(".partial")
        partial.touch(mode=0o600)  # personal data and the secret key: the owner's alone
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / "manifest.json", "manifest.json")
            archive.add(dump, dump.name)
            for name in KEPT:
                path = _data_dir() / name
                if path.is_file() or path.is_dir():
                    archive.add(path, f"files/{name}", filter=_without_transient)
        partial.replace(target)  # complete, or not there at all
    return target


def _without_transient(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    # The vectors' shared graph is rebuilt by `essaim embed`; SQLite's side files are not
    # part of a consistent copy.
    name = member.name
    if name.endswith(("-wal", "-shm", ".usearch", ".lock")):
        return None
    return member


def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            manifest = json.load(archive.extractfile("manifest.json"))
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(_("Not an Essaim backup: %(error)s") % {"error": error}) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(_("A backup format this version does not read."))
    return manifest


def check_restorable(manifest: dict) -> None:
    """Refuse a backup of another database kind, or made by a newer version."""
    if manifest["database"] != connection.vendor:
        raise BackupError(
            _("This backup is of a %(kind)s database; this instance uses %(here)s.")
            % {"kind": manifest["database"], "here": connection.vendor}
        )
    known = _known_migrations()
    unknown = sorted(f"{app}.{name}" for app, names in manifest["migrations"].items()
                     for name in names if (app, name) not in known)  # fmt: skip
    if unknown:
        raise BackupError(
            _("This backup was made by a newer version of Essaim (it knows %(migrations)s): "
              "upgrade Essaim, then restore it.") % {"migrations": ", ".join(unknown[:5])}
        )  # fmt: skip


def restore_backup(archive_path: Path) -> dict:
    """Replace this instance's database and kept files by the backup's; returns its
    manifest. The caller migrates and rebuilds the index."""
    manifest = read_manifest(archive_path)
    check_restorable(manifest)
    database = connection.settings_dict
    with tempfile.TemporaryDirectory(dir=_data_dir()) as work:
        work = Path(work)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(work, filter="data")
        connections.close_all()
        if connection.vendor == "sqlite":
            with (
                sqlite3.connect(work / "database.sqlite3") as source,
                sqlite3.connect(database["NAME"]) as live,
            ):
                source.backup(live)  # page by page into the live file: its WAL stays right
        else:
            # The whole schema replaced in one transaction: tables a newer version added
            # (which `--clean` would leave, and `migrate` would then trip on) go too, and a
            # failure leaves the database as it was.
            options, environment = _pg_environment(database)
            script = work / "restore.sql"
            _run(["pg_restore", "--no-owner", "--no-privileges", "--file", str(script),
                  str(work / "database.pgdump")], environment)  # fmt: skip
            wrapper = work / "replace.sql"
            wrapper.write_text("DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n"
                               f"\\i {script}\n")  # fmt: skip
            _run(["psql", "--quiet", "--no-psqlrc", "--single-transaction",
                  "--set", "ON_ERROR_STOP=1", "--file", str(wrapper), *options],
                 environment)  # fmt: skip
        for name in KEPT:
            target, saved = _data_dir() / name, work / "files" / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            if saved.exists():
                shutil.move(saved, target)
    return manifest


def describe(manifest: dict) -> str:
    made = datetime.fromisoformat(manifest["made_at"])
    return _("backup of %(date)s") % {"date": made.strftime("%Y-%m-%d %H:%M")}
