"""Fault injection on real processes: a redis-server of the test's own (never the shared one on
6379), killed and restarted; a gunicorn given a wrong database address."""

import pytest

from tests.processes import Process, free_port, port_open, require_program, wait_until


class RedisServer:
    def __init__(self, folder):
        self.binary = require_program("redis-server", "apt-get install redis-server")
        self.folder = folder
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # No persistence: a restart comes back empty, as after a crash without AOF.
        self.process = Process([self.binary, "--port", self.port, "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", self.folder], log=self.folder / "redis.log")
        wait_until(lambda: port_open(self.port), timeout=20, message="redis-server to listen")

    def kill(self) -> None:
        import signal

        self.process.signal(signal.SIGKILL)
        self.process.popen.wait(timeout=10)
        self.process.stop()
        wait_until(lambda: not port_open(self.port), timeout=10, message="redis-server to go away")


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process is not None:
        server.process.stop()
