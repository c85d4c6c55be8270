"""A loopback stand-in for the 企业微信 group robot and 钉钉 custom robot webhooks (neither can be
reached from here). It checks what the providers document (coordination/notifications/channels.py
cites the documents) and answers as they do:

- WeCom: POST /cgi-bin/webhook/send?key=KEY; an unknown key → errcode 93000; a body that is not
  {"msgtype": "markdown", "markdown": {"content": str}} → 40008; content over 4096 UTF-8 bytes →
  40058; over 20 accepted messages in 60 s for the key → 45009 "api freq out of limit".
- DingTalk: POST /robot/send?access_token=TOKEN[&timestamp=MS&sign=SIGN]; an unknown token →
  300001; for a robot with a secret: a timestamp more than an hour off → 310000 "invalid
  timestamp", a signature other than base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")) →
  310000 "sign not match"; a body that is not {"msgtype": "markdown", "markdown": {"title": str,
  "text": str}, "at": {"atMobiles": [str], "isAtAll": bool}} → 40035; over 20 a minute → 130101.
- Faults on demand: a fraction of requests fails before anything is accepted (HTTP 500 or the
  connection dropped, alternately), a delay before answering, and a gate that holds every request
  after N accepted ones until released (then answers 500, accepting nothing).

Every accepted request is recorded (provider, key, query, body); the per-minute window runs on
`now` (a callable returning seconds), which tests replace to follow the app's frozen clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RATE = 20
WECOM_MAX_BYTES = 4096


@dataclass
class Accepted:
    provider: str
    key: str
    query: dict[str, str]
    body: dict[str, Any]

    @property
    def text(self) -> str:
        markdown = self.body["markdown"]
        return markdown.get("content") or markdown.get("text") or ""


@dataclass
class RobotStandIn:
    failure_rate: float = 0.0
    seed: int = 15
    delay: float = 0.0
    gate_after: int | None = None
    now: Callable[[], float] = time.time
    wecom_keys: set[str] = field(default_factory=set)
    dingtalk_secrets: dict[str, str] = field(default_factory=dict)  # access_token → secret ('' none)
    accepted: list[Accepted] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)  # every answer given, in order
    requests: int = 0
    failures: int = 0
    window: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.random = random.Random(self.seed)
        self.gate_hit = threading.Event()
        self.release = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    # --- running -------------------------------------------------------------------------
    def start(self) -> RobotStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                standin.handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def wecom_url(self, key: str) -> str:
        self.wecom_keys.add(key)
        return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str, secret: str) -> str:
        self.dingtalk_secrets[token] = secret
        return f"http://127.0.0.1:{self.port}/robot/send?access_token={token}"

    def bodies(self, key: str | None = None) -> list[dict[str, Any]]:
        return [a.body for a in self.accepted if key is None or a.key == key]

    # --- one request ---------------------------------------------------------------------
    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        parts = urllib.parse.urlsplit(request.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
        with self.lock:
            self.requests += 1
            gated = self.gate_after is not None and len(self.accepted) >= self.gate_after
            failing = not gated and self.random.random() < self.failure_rate
            if failing:
                self.failures += 1
                drop = self.failures % 2 == 0
        if self.delay:
            time.sleep(self.delay)
        if gated and not self.release.is_set():
            self.gate_hit.set()
            self.release.wait(60)
            self._reply(request, {"errcode": -1, "errmsg": "system busy"}, status=500)
            return
        if failing:
            if drop:  # the connection closes with no answer at all
                request.close_connection = True
                return
            self._reply(request, {"errcode": -1, "errmsg": "system busy"}, status=500)
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        if parts.path == "/cgi-bin/webhook/send":
            answer = self._wecom(query, body)
        elif parts.path == "/robot/send":
            answer = self._dingtalk(query, body)
        else:
            self._reply(request, {"errcode": 404, "errmsg": "not found"}, status=404)
            return
        self._reply(request, answer)

    def _accept(self, provider: str, key: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            now = self.now()
            recent = [t for t in self.window[key] if t > now - 60]
            if len(recent) >= RATE:
                self.window[key] = recent
                if provider == "wecom":
                    return {"errcode": 45009, "errmsg": "api freq out of limit"}
                return {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
            self.window[key] = [*recent, now]
            self.accepted.append(Accepted(provider, key, query, body))
        return {"errcode": 0, "errmsg": "ok"}

    def _wecom(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        key = query.get("key", "")
        if key not in self.wecom_keys:
            return {"errcode": 93000, "errmsg": "invalid webhook url, hint: [stand-in]"}
        shape_ok = (
            isinstance(body, dict)
            and set(body) == {"msgtype", "markdown"}
            and body["msgtype"] == "markdown"
            and isinstance(body["markdown"], dict)
            and set(body["markdown"]) == {"content"}
            and isinstance(body["markdown"]["content"], str)
            and body["markdown"]["content"]
        )
        if not shape_ok:
            return {"errcode": 40008, "errmsg": "invalid message type"}
        if len(body["markdown"]["content"].encode("utf-8")) > WECOM_MAX_BYTES:
            return {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        return self._accept("wecom", key, query, body)

    def _dingtalk(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        token = query.get("access_token", "")
        if token not in self.dingtalk_secrets:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        secret = self.dingtalk_secrets[token]
        if secret:
            timestamp = query.get("timestamp", "")
            if not timestamp.isdigit() or abs(int(timestamp) / 1000 - self.now()) > 3600:
                return {"errcode": 310000, "errmsg": "invalid timestamp"}
            expected = base64.b64encode(
                hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
            ).decode()
            if not hmac.compare_digest(query.get("sign", ""), expected):
                return {"errcode": 310000, "errmsg": "sign not match"}
        at = body.get("at") if isinstance(body, dict) else None
        shape_ok = (
            isinstance(body, dict)
            and body.get("msgtype") == "markdown"
            and isinstance(body.get("markdown"), dict)
            and isinstance(body["markdown"].get("title"), str)
            and isinstance(body["markdown"].get("text"), str)
            and body["markdown"]["title"]
            and isinstance(at, dict)
            and isinstance(at.get("atMobiles"), list)
            and isinstance(at.get("isAtAll"), bool)
        )
        if not shape_ok:
            return {"errcode": 40035, "errmsg": "缺少参数 json"}
        return self._accept("dingtalk", token, query, body)

    def _reply(self, request: BaseHTTPRequestHandler, answer: dict[str, Any], status: int = 200) -> None:
        with self.lock:
            self.answers.append(answer)
        data = json.dumps(answer).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:
            pass  # the client went away (a killed worker)
