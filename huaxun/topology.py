"""The production set-up on one machine: nginx balancing two app servers, two task
workers and the scheduler, on the PostgreSQL and Redis the environment names.

    python -m huaxun.topology [--port 8080] [--app-servers 2] [--workers 2]

runs until interrupted (`make topology`). The benchmarks and the fault tests use
`Topology` as a context manager and kill, stop and restart its processes.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"
START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (urllib.error.URLError, OSError):
        return False


def app_server_command(
    port: int, workers: int = 1, blocking_threads: int = 1
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(blocking_threads),
        "huaxun.wsgi:application",
    ]


def render_nginx_conf(
    run_dir: Path,
    port: int,
    app_ports: list[int],
    env: dict[str, str],
    extra_servers: str = "",
) -> Path:
    template = (REPO / "deploy" / "nginx.conf").read_text()
    upstreams = "\n".join(
        f"        server 127.0.0.1:{app_port} max_fails=1 fail_timeout=2s;"
        for app_port in app_ports
    )
    values = {
        "RUN_DIR": str(run_dir),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "UPSTREAMS": upstreams,
        "STATIC_ROOT": env.get("STATIC_ROOT", str(REPO / "static")),
        "MEDIA_ROOT": env.get("MEDIA_ROOT", str(REPO / "media")),
        "SESSION_COOKIE": "sessionid",
        "EXTRA_SERVERS": extra_servers,
    }
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    path = run_dir / "nginx.conf"
    path.write_text(template)
    return path


@dataclass
class Topology:
    """nginx, N app servers, M task workers and a scheduler, as child processes."""

    env: dict[str, str]
    run_dir: Path
    port: int = 0
    app_servers: int = 2
    workers: int = 2
    extra_nginx_servers: str = ""
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    app_ports: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.app_ports[index]}"

    def log(self, name: str) -> str:
        path = self.run_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.run_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def start_app_server(self, index: int) -> None:
        self.spawn(f"app{index}", app_server_command(self.app_ports[index]))

    def start_worker(self, index: int) -> None:
        self.spawn(
            f"worker{index}",
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2"],
        )

    def start(self) -> "Topology":
        self.run_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.run_dir, 0o755)
        self.port = self.port or free_port()
        self.app_ports = [free_port() for _ in range(self.app_servers)]
        for index in range(self.app_servers):
            self.start_app_server(index)
        for index in range(self.workers):
            self.start_worker(index)
        self.spawn("scheduler", [sys.executable, "manage.py", "run_scheduler"])
        conf = render_nginx_conf(
            self.run_dir, self.port, self.app_ports, self.env, self.extra_nginx_servers
        )
        self.spawn(
            "nginx",
            [NGINX, "-p", str(self.run_dir), "-c", str(conf), "-g", "daemon off;"],
        )
        self.wait_until_up()
        return self

    def wait_until_up(self) -> None:
        urls = [self.app_url(index) + "/" for index in range(self.app_servers)]
        deadline = time.monotonic() + START_TIMEOUT
        for url in [*urls, self.url + "/"]:
            while not answers(url):
                dead = [n for n, p in self.processes.items() if p.poll() is not None]
                if dead or time.monotonic() > deadline:
                    self.stop()
                    logs = "\n".join(f"--- {n} ---\n{self.log(n)}" for n in dead)
                    raise RuntimeError(f"{url} did not come up (dead: {dead})\n{logs}")
                time.sleep(0.2)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes[name]
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes.pop(name)
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    process.wait()

    def __enter__(self) -> "Topology":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--run-dir", type=Path, default=None)
    options = parser.parse_args()
    env = {"TASKS_BACKEND": "database", **os.environ}
    run_dir = options.run_dir or Path(tempfile.mkdtemp(prefix="huaxun-topology-"))
    topology = Topology(
        env=env,
        run_dir=run_dir,
        port=options.port,
        app_servers=options.app_servers,
        workers=options.workers,
    )
    with topology:
        sys.stdout.write(f"huaxun on {topology.url}, logs in {run_dir}; Ctrl-C stops\n")
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
