"""Create, drop or ping a throw-away PostgreSQL database for one test run (used by scripts/test).

pgtestdb.py ping   SERVER_URL          exit 0 when the server answers
pgtestdb.py create SERVER_URL          create a fresh database, print its name
pgtestdb.py drop   SERVER_URL NAME     drop it again, with the copies the tests made of it
                                      (NAME_demo, NAME_<id>: tests/processes/conftest.py)
"""

from __future__ import annotations

import os
import sys
import time

import psycopg
from sqlalchemy.engine import make_url


def _connect(server_url: str) -> psycopg.Connection:
    url = make_url(server_url).set(drivername="postgresql", database="postgres")
    dsn = url.render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True, connect_timeout=5)


def main(argv: list[str]) -> int:
    action, server_url = argv[1], argv[2]
    try:
        connection = _connect(server_url)
    except psycopg.OperationalError as exc:
        if action == "ping":
            return 1
        print(f"cannot reach PostgreSQL: {exc}", file=sys.stderr)
        return 2
    with connection:
        if action == "create":
            name = f"branchflow_test_{int(time.time())}_{os.getpid()}"
            connection.execute(f'CREATE DATABASE "{name}"')
            print(name)
        elif action == "drop":
            copies = connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{argv[3]}\\_%",)
            ).fetchall()
            for (name,) in [*copies, (argv[3],)]:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
