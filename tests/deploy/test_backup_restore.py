"""deploy/backup.sh and deploy/restore.sh against a real PostgreSQL: what was there when the
backup was made is there again after the restore, rows and uploaded files alike, and
nothing that came later."""

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")),
        reason="PostgreSQL's client tools are not installed (apt-get install postgresql-client)",
    ),
]


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A database of its own on the tests' PostgreSQL server; yields its URL."""
    server = urlsplit(os.environ["DATABASE_URL"])
    name = f"deploy_backup_{uuid.uuid4().hex[:8]}"
    admin_url = urlunsplit(server._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(server._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(script: str, env_file: Path, *args: str) -> list[str]:
    env = {"PATH": os.environ["PATH"], "SHOP_ENV_FILE": str(env_file)}
    result = subprocess.run(
        [str(ROOT / "deploy" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_backup_restores_the_database_and_the_files_as_they_were(
    scratch_database: str, tmp_path: Path
):
    media = tmp_path / "media"
    (media / "invoices").mkdir(parents=True)
    (media / "invoices/FV-1.pdf").write_bytes(b"%PDF-1.4 one")
    backups = tmp_path / "backups"
    env_file = tmp_path / "shop.env"
    env_file.write_text(
        f"DATABASE_URL={scratch_database}\nMEDIA_ROOT={media}\nBACKUP_DIR={backups}\n"
    )
    with psycopg.connect(scratch_database, autocommit=True) as connection:
        connection.execute("CREATE TABLE orders (number text PRIMARY KEY)")
        connection.execute("INSERT INTO orders VALUES ('ZS/1'), ('ZS/2')")

    dump, archive = run("backup.sh", env_file)
    assert Path(dump).parent == backups and dump.endswith(".dump")
    assert archive.endswith(".media.tar.gz")

    # After the backup: a row deleted, one added, a table created, files changed.
    with psycopg.connect(scratch_database, autocommit=True) as connection:
        connection.execute("DELETE FROM orders WHERE number = 'ZS/1'")
        connection.execute("INSERT INTO orders VALUES ('ZS/3')")
        connection.execute("CREATE TABLE later (id int)")
    (media / "invoices/FV-1.pdf").unlink()
    (media / "invoices/FV-2.pdf").write_bytes(b"%PDF-1.4 two")

    run("restore.sh", env_file, dump, archive)

    with psycopg.connect(scratch_database) as connection:
        numbers = [row[0] for row in connection.execute("SELECT number FROM orders ORDER BY 1")]
        later = connection.execute("SELECT to_regclass('public.later')").fetchone()
    assert numbers == ["ZS/1", "ZS/2"]
    assert later == (None,)
    assert sorted(path.name for path in (media / "invoices").iterdir()) == ["FV-1.pdf"]
    assert (media / "invoices/FV-1.pdf").read_bytes() == b"%PDF-1.4 one"


def test_backups_older_than_the_days_kept_are_deleted(scratch_database: str, tmp_path: Path):
    backups = tmp_path / "backups"
    backups.mkdir()
    env_file = tmp_path / "shop.env"
    env_file.write_text(
        f"DATABASE_URL={scratch_database}\nMEDIA_ROOT={tmp_path / 'media'}\n"
        f"BACKUP_DIR={backups}\nBACKUP_KEEP_DAYS=7\n"
    )
    old, recent = backups / "shop-old.dump", backups / "shop-recent.dump"
    for path, days in ((old, 8), (recent, 6)):
        path.write_bytes(b"")
        stamp = time.time() - days * 86400 - 60
        os.utime(path, (stamp, stamp))

    written = run("backup.sh", env_file)

    assert not old.exists()
    assert recent.exists()
    assert all(Path(path).exists() for path in written)


def test_restore_refuses_a_file_that_is_not_a_dump(scratch_database: str, tmp_path: Path):
    env_file = tmp_path / "shop.env"
    env_file.write_text(f"DATABASE_URL={scratch_database}\n")
    with psycopg.connect(scratch_database, autocommit=True) as connection:
        connection.execute("CREATE TABLE orders (number text)")
    not_a_dump = tmp_path / "shop-x.dump"
    not_a_dump.write_text("nothing")

    result = subprocess.run(
        [str(ROOT / "deploy/restore.sh"), str(not_a_dump)],
        env={"PATH": os.environ["PATH"], "SHOP_ENV_FILE": str(env_file)},
        capture_output=True,
        timeout=60,
    )

    assert result.returncode != 0
    with psycopg.connect(scratch_database) as connection:  # nothing was dropped
        assert connection.execute("SELECT to_regclass('public.orders')").fetchone() != (None,)
