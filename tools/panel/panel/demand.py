"""Networks users miss: stored, and counted in a metric with a bounded label.

A user types a free-text name. It is normalised ("Google Business Profile",
"google-business" → `googlebusiness`), stored in full (capped) so product can
read the long tail, and counted once per user and network. The metric's
`network` label never carries free text: it is one of `KNOWN` or `other`, so a
typo, a joke or a script can't grow the time series without bound.

Storage is one SQLite file under the data folder (stdlib sqlite3, WAL, safe
across gunicorn workers): this is demand bookkeeping, not a system of record.
`python -m panel.demand [data_dir]` prints the tally.
"""
from __future__ import annotations

import re
import sqlite3
import sys
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from prometheus_client import Counter

from shared import providers

NETWORK_REQUESTS = Counter("panel_network_requests_total",
                           "Users asking for a network we don't support (once per user and network)", ["network"])
MAX_NAME = 60
# Networks users plausibly ask for; anything else is counted as "other" (and still stored).
KNOWN = ("reddit", "snapchat", "tumblr", "discord", "telegram", "whatsapp", "twitch", "googlebusiness", "medium",
         "substack", "nostr", "lemmy", "pixelfed", "farcaster", "vk", "weibo", "wechat", "line", "kakao", "xing",
         "truthsocial", "quora", "vimeo", "dribbble", "behance", "flickr", "wordpress", "ghost", "kick", "rumble")
ALIASES = {"twitter": "x", "ig": "instagram", "insta": "instagram", "fb": "facebook", "meta": "facebook",
           "yt": "youtube", "bsky": "bluesky", "gmb": "googlebusiness", "googlemybusiness": "googlebusiness",
           "googlebusinessprofile": "googlebusiness", "gbp": "googlebusiness", "vkontakte": "vk",
           "tiktokshop": "tiktok", "truth": "truthsocial", "linkedinpage": "linkedin", "threadsnet": "threads"}
SCHEMA = """CREATE TABLE IF NOT EXISTS network_requests (
    user_id TEXT NOT NULL, network TEXT NOT NULL, name TEXT NOT NULL, requested_at TEXT NOT NULL,
    PRIMARY KEY (user_id, network))"""


class InvalidName(ValueError):
    pass


@dataclass(frozen=True)
class Outcome:
    key: str  # normalised name
    label: str  # the metric's bounded label
    supported: bool  # we already connect it
    counted: bool  # False: this user had asked already


def normalise(raw: str) -> str:
    text = unicodedata.normalize("NFKD", raw or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"^(https?://)?(www\.)?", "", text.strip())
    text = re.sub(r"\.(com|net|org|app|social|tv)(/.*)?$", "", text)
    key = re.sub(r"[^a-z0-9]", "", text)[:MAX_NAME]
    return ALIASES.get(key, key)


def label(key: str) -> str:
    return key if key in KNOWN else "other"


class DemandStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn, conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=5)

    def record(self, user_id: str, raw_name: str) -> Outcome:
        name = " ".join((raw_name or "").split())[:MAX_NAME]
        key = normalise(name)
        if len(key) < 2:
            raise InvalidName("Type the network's name, for example Reddit.")
        if key in providers.networks():
            return Outcome(key, label(key), supported=True, counted=False)
        now = datetime.now(timezone.utc).isoformat()
        with closing(self._connect()) as conn, conn:
            inserted = conn.execute("INSERT OR IGNORE INTO network_requests VALUES (?, ?, ?, ?)",
                                    (user_id, key, name, now)).rowcount
        if inserted:
            NETWORK_REQUESTS.labels(label(key)).inc()
        return Outcome(key, label(key), supported=False, counted=bool(inserted))

    def tally(self) -> list[tuple[str, int, str]]:
        """(network, users asking, one name as typed), most asked first."""
        with closing(self._connect()) as conn:
            return conn.execute("SELECT network, count(*), min(name) FROM network_requests "
                                "GROUP BY network ORDER BY count(*) DESC, network").fetchall()


def main(argv: list[str] | None = None) -> None:
    from shared.config import load_settings
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else load_settings().data_dir
    for network, users, name in DemandStore(folder / "panel.db").tally():
        print(f"{users:6d}  {network:<24} ({name})")


if __name__ == "__main__":
    main()
