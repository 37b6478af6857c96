"""JSON logs that carry request and event ids and never a secret.

Every record is scrubbed after formatting (message, exception text and extra
fields alike): values under secret-looking keys, Authorization headers of any
scheme, cookies, secret URL/form parameters (`code=`, `state=`, `t=`, tokens; also
percent-encoded), JWTs, Bluesky app passwords in any case and any value registered
with `remember_secret` are replaced.
Scrubbing the output, not trusting call sites, is what makes "never logged"
hold for a careless `log.info("%s", token_response)` too.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections import OrderedDict
from contextvars import ContextVar
from datetime import datetime, timezone

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
event_id: ContextVar[str | None] = ContextVar("event_id", default=None)

REDACTED = "[redacted]"
SECRET_KEYS = (
    "access_token", "refresh_token", "id_token", "client_secret", "password", "app_password",
    "accessJwt", "refreshJwt", "credentials", "code_verifier", "token",
    "signed_request", "secret", "api_key", "session_string", "fb_exchange_token", "ig_exchange_token",
    "th_exchange_token", "input_token", "client_assertion", r"x[-_]api[-_]key", "dpop",
)
# Short names that are secrets only as URL/form parameters (`code=`, `state=`, the start link's `t=`):
# as JSON keys they are harmless ("code": 190 is a Meta error code).
QUERY_KEYS = ("code", "state", "t", "oauth_token", "oauth_verifier") + SECRET_KEYS
_KEYS = "|".join(SECRET_KEYS)
_KEYED = re.compile(
    r"""(?ix)
    ((?:\\?["'])?(?<![\w-])(?:%s)(?![\w-])(?:\\?["'])?\s*[:=]\s*)  # key, quoted (or escaped-quoted) or not
    ("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s&,;}\])]+)  # the value
    """ % _KEYS)
_PATTERNS = (
    # An Authorization header, whatever its scheme (Bearer, Basic, Token, OAuth, DPoP, …), to the end of its
    # quoted value or of the line (OAuth 1 carries several parameters): the scheme stays.
    (re.compile(r"""(?i)(authorization\\?["']?\s*[:=]\s*\\?["'])([A-Za-z][\w-]*\s+)?(?:\\.|[^"'\\\r\n])+"""),
     lambda m: m.group(1) + (m.group(2) or "") + REDACTED),
    (re.compile(r"""(?i)(authorization\s*[:=]\s*)(?![\\"'])([A-Za-z][\w-]*\s+)?[^\r\n]+"""),
     lambda m: m.group(1) + (m.group(2) or "") + REDACTED),
    (re.compile(r"(?i)\b(bearer|basic|dpop)\s+[\w\-.~+/=]+"), r"\1 " + REDACTED),
    # Cookies: every value of the header.
    (re.compile(r"""(?i)((?:set-)?cookie\\?["']?\s*[:=]\s*\\?["']?)[^\r\n"'\\]+"""), r"\1" + REDACTED),
    # URL and form parameters, plain or percent-encoded (access_token%3D…, %26 ends the value).
    (re.compile(r"(?i)([?&;#](?:%s)=)[^&\s#\"'<>]+" % "|".join(QUERY_KEYS)), r"\1" + REDACTED),
    (re.compile(r"(?i)((?:(?<![\w-])|(?<=%%3F)|(?<=%%26))(?:%s)%%3D)(?:[^&\s%%\"'<>]|%%(?!26))+" % "|".join(QUERY_KEYS)),
     r"\1" + REDACTED),
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+"), REDACTED),  # JWTs
    (re.compile(r"(?i)\b[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}\b"), REDACTED),  # app passwords, any case
)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class _SecretRegistry:
    """Recently seen secret values (bounded), so even a bare token is caught."""

    def __init__(self, limit: int = 4096):
        self._values: OrderedDict[str, None] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if not isinstance(value, str) or len(value) < 8:
            return
        with self._lock:
            self._values[value] = None
            self._values.move_to_end(value)
            while len(self._values) > self._limit:
                self._values.popitem(last=False)

    def scrub(self, text: str) -> str:
        with self._lock:
            values = list(self._values)
        for value in values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text


_registry = _SecretRegistry()


def remember_secret(*values: str) -> None:
    for value in values:
        _registry.add(value)


def scrub(text: str) -> str:
    text = _registry.scrub(text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _KEYED.sub(lambda m: m.group(1) + ('"%s"' % REDACTED) if REDACTED not in m.group(2) else m.group(0),
                      text)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for key, var in (("request_id", request_id), ("event_id", event_id)):
            if var.get():
                entry[key] = var.get()
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return scrub(json.dumps(entry, default=str))


def configure_logging(service: str, level: str = "INFO", stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
