"""A throwaway PostgreSQL server in a temporary directory, for tests and benchmarks.

    with TempPostgres() as server:           # initdb + start on 127.0.0.1, a free port
        url = server.create_database("t1")   # postgresql://digestbot:...@127.0.0.1:PORT/t1
        ...
                                             # stopped and deleted on leaving

It uses the PostgreSQL server programs installed on the machine (Debian's `postgresql`
package: /usr/lib/postgresql/<version>/bin; or whatever `pg_config --bindir` names), and
never a server already running. PostgreSQL refuses to run as root, so as root the cluster
belongs to an unprivileged user (`postgres` if it exists, else `nobody`) and the programs run
as that user. Connections use a password (SCRAM), so wrong credentials are refused as on a
real server.

`settings` are server settings (`-c name=value`); `fast=True` (the default) turns durability
off (`fsync`, `full_page_writes`), which is right for tests and wrong for benchmarks.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["PostgresNotInstalledError", "TempPostgres", "find_bindir"]

SUPERUSER = "digestbot"
INSTALL_HINT = (
    "install PostgreSQL's server (Debian/Ubuntu: apt-get install -y postgresql; "
    "scripts/test does this when it runs as root)"
)


class PostgresNotInstalledError(RuntimeError):
    """No PostgreSQL server programs were found on this machine."""


def find_bindir() -> Path:
    """The directory of the newest installed `initdb`, `pg_ctl` and `postgres`."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += debian
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if all((directory / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return directory
    raise PostgresNotInstalledError(f"no PostgreSQL server programs found: {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    """A PostgreSQL cluster of its own, listening on 127.0.0.1 and a Unix socket in its
    directory. `start()` / `stop()`, or use it as a context manager."""

    def __init__(
        self,
        *,
        settings: Mapping[str, Any] | None = None,
        fast: bool = True,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.bindir = find_bindir()
        self.password = secrets.token_hex(12)
        self.port = 0
        self.settings: dict[str, Any] = {
            "max_connections": 200,
            "shared_buffers": "128MB",
            "log_min_messages": "warning",
        }
        if fast:
            self.settings.update(
                {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}
            )
        self.settings.update(settings or {})
        self._base_dir = base_dir
        self.root: Path | None = None
        self._user: pwd.struct_passwd | None = None
        self.running = False

    # -- paths and processes -----------------------------------------------------------------

    @property
    def data(self) -> Path:
        assert self.root is not None, "start() first"
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        assert self.root is not None, "start() first"
        return self.root / "server.log"

    def url(
        self, database: str = "postgres", *, user: str = SUPERUSER, password: str | None = None
    ) -> str:
        """A connection URL for `database` on this server."""
        secret = self.password if password is None else password
        return f"postgresql://{user}:{secret}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """A server program, as the cluster's owner."""
        options: dict[str, Any] = {}
        if self._user is not None:
            options = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LC_ALL": "C.UTF-8",
            "LANG": "C.UTF-8",
            "HOME": str(self.root),
            "PGPASSWORD": self.password,
        }
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=self.root,
            check=False,
            **options,
        )

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            log = ""
            if self.root is not None and self.log_file.exists():
                log = self.log_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(
                f"PostgreSQL {what} failed ({result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}\n{log}"
            )

    def _owner(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name)
        raise RuntimeError("running as root, and there is no 'postgres' or 'nobody' user")

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> TempPostgres:
        """initdb a new cluster and start it; raises with PostgreSQL's own words if either
        fails."""
        self._user = self._owner()
        self.root = Path(tempfile.mkdtemp(prefix="digestbot-pg-", dir=self._base_dir))
        try:
            if self._user is not None:
                self.root.chmod(0o700)
                os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
            pwfile = self.root / "pwfile"
            pwfile.write_text(self.password + "\n")
            if self._user is not None:
                os.chown(pwfile, self._user.pw_uid, self._user.pw_gid)
            self._check(
                self._run(
                    "initdb",
                    "-D",
                    str(self.data),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ),
                "initdb",
            )
            pwfile.unlink()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_server(self) -> None:
        for attempt in range(5):
            self.port = self.port if attempt == 0 and self.port else _free_port()
            options = [f"-p {self.port}", f"-k {self.root}", "-c listen_addresses=127.0.0.1"]
            options += [f"-c {name}={value}" for name, value in self.settings.items()]
            result = self._run(
                "pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(options),
                "start",
            )
            if result.returncode == 0:
                self.running = True
                return
            log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            if "in use" not in log:
                self._check(result, "start")
        self._check(result, "start")

    def stop(self, *, mode: str = "fast", remove: bool = True) -> None:
        """Stop the server (`mode`: smart, fast or immediate) and delete its directory."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
            self.running = False
        if remove and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def restart(self, *, mode: str = "fast", down_for: float = 0.0) -> None:
        """Stop the server and start it again on the same port (the connections it had are
        closed), after `down_for` seconds down."""
        self.stop(mode=mode, remove=False)
        time.sleep(down_for)
        self._start_server()

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases ----------------------------------------------------------------------------

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        """Run SQL with psql as the superuser; returns its output (unaligned, tuples only)."""
        result = self._run(
            "psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            SUPERUSER,
            "-d",
            database,
            "-c",
            sql,
        )
        self._check(result, f"psql {sql[:60]!r}")
        return result.stdout

    def create_database(self, name: str, *, template: str = "template0") -> str:
        """CREATE DATABASE `name` (a plain identifier) from `template`; returns its URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a plain database name: {name!r}")
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
