"""JSON logs that carry request and event ids and never a secret.

Every record is scrubbed after formatting (message, exception text and extra
fields alike): values under secret-looking keys, bearer headers, JWTs, Bluesky
app passwords and any value registered with `remember_secret` are replaced.
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
    "accessJwt", "refreshJwt", "credentials", "code_verifier", "authorization", "token",
    "signed_request", "secret", "api_key", "session_string",
)
_KEYED = re.compile(
    r"""(?ix)
    ((?:\\?["'])?\b(?:%s)\b(?:\\?["'])?\s*[:=]\s*)  # key, quoted (or escaped-quoted) or not, then : or =
    ("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s&,;}\])]+)  # the value
    """ % "|".join(SECRET_KEYS))
_PATTERNS = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[\w\-.~+/=]+"), r"\1 " + REDACTED),
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+"), REDACTED),  # JWTs
    (re.compile(r"\b[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}\b"), REDACTED),  # app passwords
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
    return _KEYED.sub(lambda m: m.group(1) + ('"%s"' % REDACTED), text)


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
