"""Slow clients cannot starve the site as scripts/start serves it. Before, 2 sync gunicorn
workers each read a request body as it trickled in: two clients sending a body byte by byte
left every other user waiting. scripts/serve (waitress) reads bodies in its event loop and
gives a thread only a request that has fully arrived."""

import socket
import threading
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT, served

SLOW_CLIENTS = 12  # more than the server's 8 threads
TRICKLE_SECONDS = 6


def test_scripts_start_serves_through_scripts_serve():
    start = (ROOT / "scripts" / "start").read_text()
    assert '"$ROOT/scripts/serve"' in start and "gunicorn" not in start.split("scripts/serve")[-1]


def _trickle(port: int, stop: threading.Event, sent: list[int]) -> None:
    """A client that announces a 100 KB form and sends it one byte every 50 ms (loopback only,
    bounded by the stop event)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
        )
        while not stop.is_set():
            sock.sendall(b"a")
            sent.append(1)
            time.sleep(0.05)


def test_a_normal_request_answers_quickly_while_slow_clients_trickle_bodies(database_url, tmp_path: Path):
    with served(["scripts/serve"], database_url, tmp_path) as port:
        stop = threading.Event()
        sent: list[int] = []
        clients = [
            threading.Thread(target=_trickle, args=(port, stop, sent), daemon=True)
            for _ in range(SLOW_CLIENTS)
        ]
        for client in clients:
            client.start()
        try:
            time.sleep(1)  # every slow client is connected and trickling
            deadline = time.monotonic() + TRICKLE_SECONDS
            timings = []
            while time.monotonic() < deadline:
                started = time.monotonic()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as response:
                    assert response.status == 200 and "登录" in response.read().decode()
                timings.append(time.monotonic() - started)
                time.sleep(0.5)
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=5)
        assert len(sent) > SLOW_CLIENTS * 10  # they were really trickling all along
        assert timings and max(timings) < 2, timings
