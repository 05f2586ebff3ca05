"""What the fault tests (tests/test_faults.py) stop and restart: a private PostgreSQL
cluster and Redis on free ports, and a steady load of readers and a commenter that
records every answer it gets through nginx."""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from huaxun.topology import free_port

CLIENT_TIMEOUT = 10
POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
POST_ACTION_RE = re.compile(r'action="(/comments/article/\d+/post/)"')
COMMENT_RE = re.compile(r"#comment-(\d+)$")


def poll(check, timeout: float, interval: float = 0.1) -> bool:
    """Call `check()` until it is true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def wait_for(check, timeout: float, what: str) -> None:
    if not poll(check, timeout):
        raise TimeoutError(f"{what} not within {timeout} s")


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def as_postgres(*command: str, timeout: float = 60) -> str:
    """Run a PostgreSQL tool as the `postgres` user (initdb and postgres refuse
    root); its output, or RuntimeError with it."""
    if os.geteuid() == 0:
        command = ("runuser", "-u", "postgres", "--", *command)
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited with {result.returncode}\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


@dataclass
class PostgresCluster:
    """A throw-away cluster in `root`, trusting local connections, without fsync."""

    root: Path
    port: int = field(default_factory=free_port)

    @property
    def bin_dir(self) -> Path:
        return POSTGRES_BIN_DIRS[0]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        socket_dir = self.root / "socket"
        for path in (self.data_dir, socket_dir):
            path.mkdir(parents=True)
            shutil.chown(path, "postgres", "postgres")
        as_postgres(
            str(self.bin_dir / "initdb"),
            "--pgdata", str(self.data_dir),
            "--username", "postgres",
            "--auth", "trust",
            "--encoding", "UTF8",
            "--locale", "C.UTF-8",
            "--no-sync",
        )  # fmt: skip
        options = {
            "port": self.port,
            "unix_socket_directories": socket_dir,
            "listen_addresses": "127.0.0.1",
            # Safe while the machine stays up; synchronous_commit stays on, or an
            # immediate stop would lose commits the readers were told succeeded.
            "fsync": "off",
            "full_page_writes": "off",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = '{value}'\n" for name, value in options.items())

    def start(self) -> None:
        as_postgres(
            str(self.bin_dir / "pg_ctl"),
            "start", "--wait", "--timeout", "30",
            "--pgdata", str(self.data_dir),
            "--log", str(self.data_dir / "server.log"),
        )  # fmt: skip

    def stop(self) -> None:
        """Stop at once, as a crash or a failover would: no checkpoint, clients cut."""
        as_postgres(
            str(self.bin_dir / "pg_ctl"),
            "stop", "--wait", "--mode", "immediate",
            "--pgdata", str(self.data_dir),
        )  # fmt: skip

    def remove(self) -> None:
        """Stop the server if it runs, whatever state it is in, and delete it."""
        pid_file = self.data_dir / "postmaster.pid"
        if pid_file.exists():
            try:
                self.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                try:
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
                except (ValueError, ProcessLookupError):
                    pass
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class RedisServer:
    """redis-server without persistence on a free port, as a child process."""

    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            "redis-server",
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--save", "",
            "--appendonly", "no",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(lambda: accepts_connections(self.port), 10, "redis-server")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)


@dataclass
class Answer:
    """One request through nginx and what came back (status 0: no answer)."""

    path: str
    started: float
    finished: float
    status: int
    headers: dict[str, str]
    body: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400

    @property
    def seconds(self) -> float:
        return self.finished - self.started


class Browser:
    """One keep-alive connection to nginx with its cookies, like a browser tab."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=CLIENT_TIMEOUT
                )
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException):
            self.close()
            return Answer(path, started, time.monotonic(), 0, {}, "")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(path, started, time.monotonic(), response.status, headers, text)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Load:
    """Readers fetching pages in a loop and a signed-in reader posting comments,
    each answer recorded, until stopped."""

    port: int
    read_paths: list[str]
    post_path: str
    csrf_token: str
    commenter: Browser
    readers: int = 2
    pause: float = 0.02
    reads: list[Answer] = field(default_factory=list)
    posts: list[tuple[Answer, str]] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> "Load":
        for index in range(self.readers):
            self.threads.append(threading.Thread(target=self.read, args=(index,)))
        self.threads.append(threading.Thread(target=self.post))
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=CLIENT_TIMEOUT + 5)
        self.commenter.close()

    def read(self, index: int) -> None:
        browser = Browser(self.port)
        count = 0
        while not self.stopped.is_set():
            path = self.read_paths[count % len(self.read_paths)]
            # "{n}" makes each request a new URL that no cache holds.
            self.reads.append(browser.request("GET", path.format(n=f"{index}-{count}")))
            count += 1
            self.stopped.wait(self.pause)
        browser.close()

    def post(self) -> None:
        while not self.stopped.is_set():
            body = f"故障演练评论 {uuid.uuid4().hex[:12]}"
            form = {
                "csrfmiddlewaretoken": self.csrf_token,
                "body": body,
                "key": str(uuid.uuid4()),
            }
            self.posts.append(
                (self.commenter.request("POST", self.post_path, form), body)
            )
            self.stopped.wait(self.pause * 5)

    def reads_between(self, start: float, end: float) -> list[Answer]:
        return [answer for answer in list(self.reads) if start <= answer.started < end]

    def posted(self) -> dict[int, str]:
        """Comment id → text of every post answered with a redirect to the comment."""
        stored = {}
        for answer, body in list(self.posts):
            match = COMMENT_RE.search(answer.headers.get("location", ""))
            if answer.status == 302 and match:
                stored[int(match[1])] = body
        return stored

    def wait_past(self, moment: float, timeout: float = 15) -> None:
        """Until a read that started after `moment` has been answered."""
        wait_for(
            lambda: any(answer.started > moment for answer in list(self.reads)),
            timeout,
            "a read after the window",
        )
