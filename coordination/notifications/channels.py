"""The channels a notification leaves by, other than e-mail: group robots of 企业微信 (WeCom) and
钉钉 (DingTalk). One small interface, `Channel.send(destination, message) -> Answer`.

E-mail is the other channel: `coordination/outbox/mail.py` (`Transport`, MIME composition), sent
by `coordination/notifications/mail.py`. It keeps its own composer because an e-mail is a MIME
document (text, HTML, calendar parts), not one markdown string.

Adding a channel (SMS, a WeCom *application* message to a person, …) touches no producer: the
producers only say what happened (`Notice`), and `robots.queue` writes one outbox row per notice
and registered destination. A new channel is

1. a class with `name`, `max_bytes` and `send(destination, message) -> Answer` (below), that
   turns the provider's reply into an `Answer` (ok / rate_limited / permanent, errcode, errmsg);
2. an entry in `CHANNELS` under the `Webhook.provider` value its destinations are stored with,
   and a `refusal` rule for the shape of its address (`SHAPES`);
3. nothing else: `robot_delivery.deliver` claims, batches (`render`), rate-limits, backs off and
   gives up the same way for every channel.

The request formats, answers and limits below were looked up in the providers' documents and
copies of them (cited where used). Addresses and secrets are secrets: `mask_url` and
`mask_secret` are the only forms that reach a log, a page or an error text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from flask_babel import lazy_gettext as _l

WECOM, DINGTALK = "wecom", "dingtalk"
PROVIDERS = (WECOM, DINGTALK)
PROVIDER_LABELS = {WECOM: _l("WeCom group robot"), DINGTALK: _l("DingTalk custom robot")}
TIMEOUT_SECONDS = 10.0
ANSWER_BYTES = 2000  # of a provider's reply kept (its errmsg), never more

# The marker of an urgent notice in a robot message.
URGENT = "【紧急】"
MORE = "…"


@dataclass(frozen=True)
class Destination:
    """Where a message goes: the robot's address (with its key or access token) and, for a
    DingTalk robot with 加签, its signing secret."""

    url: str
    secret: str = ""


@dataclass(frozen=True)
class Message:
    """One markdown message: its title (DingTalk shows it in the chat list), its markdown text,
    and the mobiles to @ (DingTalk; WeCom markdown cannot @ by mobile)."""

    title: str
    text: str
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """What the provider said. `permanent`: sending again will not help (bad key, sign mismatch,
    the robot removed); `rate_limited`: try again after the minute; anything else not ok is
    transient (the provider was busy)."""

    ok: bool
    errcode: int | None
    errmsg: str
    rate_limited: bool = False
    permanent: bool = False
    status: int = 200
    raw: str = ""

    def summary(self) -> str:
        code = "?" if self.errcode is None else str(self.errcode)
        http_part = "" if self.status == 200 else f"HTTP {self.status}, "
        return f"{http_part}errcode {code}: {self.errmsg}"[:ANSWER_BYTES]


class ChannelError(Exception):
    """The request did not get an answer (refused connection, timeout, dropped connection, TLS).
    Its text names the host only, never the address's key or token."""


class DestinationRefused(Exception):
    """The address may not be sent to (it now resolves to a private address: DNS rebinding)."""


class Channel(Protocol):
    name: str
    max_bytes: int  # the largest message text, in UTF-8 bytes

    def send(self, destination: Destination, message: Message) -> Answer: ...


# --- the HTTP request -----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A checked address: its host, port, path with query, and the one IP it resolved to (the
    connection goes to that IP, so a DNS answer changed after the check is not followed)."""

    scheme: str
    host: str
    port: int
    path: str
    ip: str


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked IP, with the certificate checked for the host name (SNI)."""

    def __init__(self, target: Target, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._ip = target.ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to the checked IP: only ever loopback, for the tests' stand-in."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._ip = target.ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


def post_json(target: Target, body: dict[str, object], timeout: float) -> tuple[int, str]:
    """POST the JSON body; (HTTP status, reply text). No redirect is followed and no proxy is
    used: the request goes only where the checked address says."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    connection: http.client.HTTPConnection = (
        _PinnedHTTPSConnection(target, timeout)
        if target.scheme == "https"
        else _PinnedHTTPConnection(target, timeout)
    )
    try:
        connection.request(
            "POST",
            target.path,
            body=data,
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "hulian-coordination"},
        )
        response = connection.getresponse()
        reply = response.read(64 * 1024).decode("utf-8", "replace")
        return response.status, reply
    except (OSError, http.client.HTTPException) as error:
        # The exception's text may carry nothing secret (it names host and port at most), but
        # we keep only its type and the host, to be sure.
        raise ChannelError(f"{type(error).__name__} ({target.host}:{target.port})") from None
    finally:
        connection.close()


def _decoded(status: int, reply: str) -> tuple[int | None, str]:
    try:
        data = json.loads(reply)
    except ValueError:
        return None, reply[:200] or f"HTTP {status}"
    if not isinstance(data, dict):
        return None, reply[:200]
    code = data.get("errcode")
    return (code if isinstance(code, int) else None), str(data.get("errmsg", ""))[:500]


# --- 企业微信 group robot -------------------------------------------------------------------
# POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY with
# {"msgtype": "markdown", "markdown": {"content": "…"}}; content at most 4096 bytes, UTF-8;
# every robot at most 20 messages a minute; the answer {"errcode": 0, "errmsg": "ok"}.
#   https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明; copies:
#   https://github.com/walkthunder/action-wecom-webhook "markdown 内容，最长不超过 4096 个字节，必须是
#   utf8 编码", https://skills.sh/ajaxhe/wecom-bot-skill/wecom-bot "每个机器人发送的消息不能超过
#   20 条/分钟", https://blog.csdn.net/liuxingxing_star/article/details/128659150).
# Over the rate: {"errcode": 45009, "errmsg": "api freq out of limit"} (the WeCom global codes,
#   https://developer.work.weixin.qq.com/document/path/90313; the same text in
#   https://static.kancloud.cn/dabashan/qiwei/2376083). An unknown or removed key: errcode 93000
#   ("invalid webhook url"; not found in the stored copies, taken as documented in the global
#   codes list), and 40008 for a malformed message type.
WECOM_RATE_LIMITED = {45009}
WECOM_PERMANENT = {93000, 40008, 40058, 44004, 40001}  # bad key, bad message, empty content


class WeComRobot:
    name = WECOM
    max_bytes = 4096

    def __init__(self, timeout: float = TIMEOUT_SECONDS, allow_loopback: bool = False) -> None:
        self.timeout = timeout
        self.allow_loopback = allow_loopback

    def body(self, message: Message) -> dict[str, object]:
        return {"msgtype": "markdown", "markdown": {"content": message.text}}

    def send(self, destination: Destination, message: Message) -> Answer:
        target = checked_target(destination.url, allow_loopback=self.allow_loopback)
        status, reply = post_json(target, self.body(message), self.timeout)
        return answer_of(status, reply, rate_limited=WECOM_RATE_LIMITED, permanent=WECOM_PERMANENT)


# --- 钉钉 custom robot ----------------------------------------------------------------------
# POST https://oapi.dingtalk.com/robot/send?access_token=TOKEN&timestamp=MS&sign=SIGN with
# {"msgtype": "markdown", "markdown": {"title": …, "text": …},
#  "at": {"atMobiles": [...], "isAtAll": false}}; an @-ed mobile must also stand in the text as
# "@138…"; with 加签, sign = urlencode(base64(HmacSHA256(key=secret, f"{timestamp}\n{secret}")))
# and the timestamp (ms) within one hour of the server's time; every robot at most 20 messages a
# minute. Answers: errcode 0 "ok"; 310000 "keywords not in content" / "invalid timestamp" /
# "sign not match" / "ip X.X.X.X not in whitelist" (security settings: sending again will not
# help); 130101 "send too fast" (over the 20 a minute; the code as in the brief, not found in
# the stored copies); 300001 / 400102 for a bad or removed token.
#   https://open.dingtalk.com/document/robots/custom-robot-access (自定义机器人接入: "每个机器人
#   每分钟最多发送20条", the 310000 answers; a copy in https://github.com/ — "docs 自定义机器人接入",
#   also http://zhuoqun.info/article/182), the signature:
#   https://open.dingtalk.com/document/robots/customize-robot-security-settings (copies:
#   https://blog.csdn.net/weixin_43564241/article/details/139138811 "与请求调用时间误差不能超过1小时",
#   https://cnblogs.com/xuzy-x/p/11983795.html), the markdown body with "at":
#   https://open.dingtalk.com/document/robots/message-types-and-data-format (copy:
#   https://github.com/leitingting08/ding-bot-sdk README).
DINGTALK_RATE_LIMITED = {130101}
DINGTALK_PERMANENT = {310000, 300001, 400102, 400101, 43004}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The 加签 signature, URL-encoded as it goes into the query."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), digestmod=hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


class DingTalkRobot:
    name = DINGTALK
    max_bytes = 4096  # DingTalk states no markdown limit as plainly as WeCom; keep to WeCom's 4096

    def __init__(self, timeout: float = TIMEOUT_SECONDS, allow_loopback: bool = False) -> None:
        self.timeout = timeout
        self.allow_loopback = allow_loopback

    def body(self, message: Message) -> dict[str, object]:
        return {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": message.text},
            "at": {"atMobiles": list(message.mentions), "isAtAll": False},
        }

    def signed_url(self, destination: Destination, timestamp_ms: int | None = None) -> str:
        if not destination.secret:
            return destination.url
        timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
        sign = dingtalk_sign(destination.secret, timestamp_ms)
        return f"{destination.url}&timestamp={timestamp_ms}&sign={sign}"

    def send(self, destination: Destination, message: Message) -> Answer:
        target = checked_target(self.signed_url(destination), allow_loopback=self.allow_loopback)
        status, reply = post_json(target, self.body(message), self.timeout)
        return answer_of(status, reply, rate_limited=DINGTALK_RATE_LIMITED, permanent=DINGTALK_PERMANENT)


def answer_of(status: int, reply: str, *, rate_limited: set[int], permanent: set[int]) -> Answer:
    code, message = _decoded(status, reply)
    raw = reply[:ANSWER_BYTES]
    if status == 429:
        return Answer(False, code, message or "too many requests", rate_limited=True, status=status, raw=raw)
    if status != 200 or code is None:
        return Answer(False, code, message, status=status, raw=raw)  # transient: try again later
    if code == 0:
        return Answer(True, 0, message or "ok", status=status, raw=raw)
    return Answer(
        False, code, message, rate_limited=code in rate_limited, permanent=code in permanent, raw=raw
    )


CHANNELS: dict[str, type[WeComRobot] | type[DingTalkRobot]] = {WECOM: WeComRobot, DINGTALK: DingTalkRobot}


def channel_for(provider: str, *, timeout: float = TIMEOUT_SECONDS, allow_loopback: bool = False) -> Channel:
    return CHANNELS[provider](timeout=timeout, allow_loopback=allow_loopback)


# --- addresses: their shape, where they lead (SSRF), and their masked form ------------------

# The path and the query parameter that carries the robot's secret, per provider. Any host is
# allowed: 政务微信 and private deployments of both serve the same API on their own hosts.
SHAPES = {WECOM: ("/cgi-bin/webhook/send", "key"), DINGTALK: ("/robot/send", "access_token")}

NO_URL = _l("Enter the robot's webhook address.")
NOT_A_URL = _l("The webhook address is not a valid web address.")
NOT_HTTPS = _l("The webhook address must start with https://.")
WRONG_SHAPE = {
    WECOM: _l(
        "This is not a WeCom group robot's address: it ends in /cgi-bin/webhook/send?key=… "
        "(copy it from the robot's settings in the group chat)."
    ),
    DINGTALK: _l(
        "This is not a DingTalk custom robot's address: it ends in /robot/send?access_token=… "
        "(copy it from the robot's settings in the group chat)."
    ),
}
PRIVATE_HOST = _l(
    "The webhook address leads to a private or local network address (%(host)s); robots are "
    "reached over the internet only."
)
UNKNOWN_HOST = _l("The host of the webhook address (%(host)s) cannot be found.")


def _parts(url: str) -> urllib.parse.SplitResult | None:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return parts


def _is_loopback_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def shape_refusal(provider: str, url: str, *, allow_loopback: bool = False) -> str | None:
    """Why this address cannot be a robot's of this provider (its form only), or None."""
    url = url.strip()
    if not url:
        return str(NO_URL)
    if any(ch.isspace() or ord(ch) < 32 for ch in url) or len(url) > 500:
        return str(NOT_A_URL)
    parts = _parts(url)
    if parts is None or parts.scheme not in ("http", "https"):
        return str(NOT_A_URL)
    if parts.username or parts.password:
        return str(NOT_A_URL)
    loopback_ok = allow_loopback and _is_loopback_host(parts.hostname or "")
    if parts.scheme != "https" and not loopback_ok:
        return str(NOT_HTTPS)
    path, param = SHAPES[provider]
    values = urllib.parse.parse_qs(parts.query)
    secret = values.get(param, [""])
    if parts.path != path or len(secret) != 1 or not secret[0].strip() or parts.fragment:
        return str(WRONG_SHAPE[provider])
    return None


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def checked_target(url: str, *, allow_loopback: bool = False) -> Target:
    """Resolve the address's host and refuse it if any address it resolves to is private,
    loopback, link-local or reserved (with allow_loopback, loopback alone is let through).
    Called when a robot is registered and again for every request (a host whose DNS answer
    changed since, DNS rebinding, is refused); the connection then goes to the IP checked here."""
    parts = _parts(url)
    if parts is None or parts.hostname is None:
        raise DestinationRefused(str(NOT_A_URL))
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise DestinationRefused(str(UNKNOWN_HOST) % {"host": host}) from None
    ips = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for text in ips:
        ip = ipaddress.ip_address(text.split("%")[0])
        if allow_loopback and ip.is_loopback:
            continue
        if _blocked(ip):
            raise DestinationRefused(str(PRIVATE_HOST) % {"host": host})
    if not ips:
        raise DestinationRefused(str(UNKNOWN_HOST) % {"host": host})
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, ips[0])


def refusal(provider: str, url: str, *, allow_loopback: bool = False) -> str | None:
    """Why a robot with this address may not be registered (its shape, where it leads), in the
    user's language; None when it may."""
    if provider not in CHANNELS:
        return str(NOT_A_URL)
    problem = shape_refusal(provider, url, allow_loopback=allow_loopback)
    if problem is not None:
        return problem
    try:
        checked_target(url.strip(), allow_loopback=allow_loopback)
    except DestinationRefused as error:
        return str(error)
    return None


def _masked_value(value: str) -> str:
    return f"{value[:2]}…{value[-2:]}" if len(value) >= 8 else "…"


def mask_url(url: str) -> str:
    """The address as it may be shown and logged: host and the first and last two characters of
    its key, e.g. https://qyapi.weixin.qq.com/…key=ab…89."""
    parts = _parts(url)
    if parts is None:
        return "…"
    values = urllib.parse.parse_qs(parts.query)
    for _path, param in SHAPES.values():
        if param in values:
            return f"{parts.scheme}://{parts.netloc}/…{param}={_masked_value(values[param][0])}"
    return f"{parts.scheme}://{parts.netloc}/…"


def mask_secret(secret: str) -> str:
    return _masked_value(secret) if secret else ""


# --- one or several rows as few messages as fit ----------------------------------------------


@dataclass(frozen=True)
class Item:
    """One notice told to a robot (a RobotMessage row)."""

    id: int
    title: str
    text: str
    url: str = ""
    urgent: bool = False
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Batch:
    """Items that go out as one message."""

    items: list[Item]
    message: Message

    @property
    def ids(self) -> list[int]:
        return [item.id for item in self.items]


# What users typed (titles, comments) must not become links or markup in a group chat: markdown's
# signs are written as their full-width forms, which read the same in Chinese text.
_PLAIN = str.maketrans({"[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "*": "＊",
                        "_": "＿", "#": "＃", "`": "｀", "|": "｜", "!": "！", "~": "～"})  # fmt: skip


def plain(text: str) -> str:
    return text.translate(_PLAIN)


def _block(item: Item) -> str:
    title = plain(item.title)
    title = f'<font color="warning">{URGENT}</font>{title}' if item.urgent else title
    lines = [f"### {title}"]
    lines += [plain(line) for line in item.text.splitlines() if line.strip()]
    if item.url:
        lines.append(f"[查看]({item.url})")
    return "\n".join(lines)


def _mentions_line(mentions: Sequence[str]) -> str:
    return " ".join(f"@{m}" for m in mentions)


def compose(items: Sequence[Item], provider: str) -> Message:
    """One message of these items: each item's title (urgent marked), its lines and its link;
    DingTalk's @mobiles appended to the text, as it requires."""
    mentions = (
        tuple(dict.fromkeys(m for item in items for m in item.mentions)) if provider == DINGTALK else ()
    )
    urgent = any(item.urgent for item in items)
    if len(items) == 1:
        title = (URGENT if urgent else "") + items[0].title
    else:
        title = f"{URGENT if urgent else ''}{len(items)} 条新通知"
    text = "\n\n".join(_block(item) for item in items)
    if mentions:
        text += "\n\n" + _mentions_line(mentions)
    return Message(title=title[:100], text=text, mentions=mentions)


def _size(message: Message) -> int:
    return len(message.text.encode("utf-8"))


def _fitted(item: Item, provider: str, limit: int) -> Item:
    """An item that alone is over the limit, its text cut to fit (the link stays)."""
    if _size(compose([item], provider)) <= limit:
        return item
    text = item.text
    title = item.title[:100]
    while (
        text
        and _size(
            compose([Item(item.id, title, text + MORE, item.url, item.urgent, item.mentions)], provider)
        )
        > limit
    ):
        text = text[: max(0, len(text) - max(1, len(text) // 8))]
    return Item(item.id, title, (text + MORE) if text else MORE, item.url, item.urgent, item.mentions)


def render(items: Iterable[Item], provider: str, limit: int) -> list[Batch]:
    """The items, in order, as few messages as fit `limit` bytes each."""
    batches: list[Batch] = []
    current: list[Item] = []
    for item in items:
        item = _fitted(item, provider, limit)
        if current and _size(compose([*current, item], provider)) > limit:
            batches.append(Batch(current, compose(current, provider)))
            current = []
        current.append(item)
    if current:
        batches.append(Batch(current, compose(current, provider)))
    return batches


def probe_message(provider: str, owner: str) -> Message:
    """What a robot is sent when it is registered or tested."""
    return compose(
        [
            Item(
                0,
                "沪连对口合作：机器人已接通",
                f"此群将收到「{owner}」的工作通知（任务下达、退回、审核、会议等）。",
            )
        ],
        provider,
    )
