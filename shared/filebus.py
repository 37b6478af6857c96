"""kombu's filesystem transport, made at-least-once for the embedded default.

The stock transport deletes a message file the moment it is fetched, so a
consumer killed before acking loses it. Here a fetched file moves to
``inflight/<pid>/`` and is deleted only on ack; when a consumer starts, files
left in the inflight folder of a process that no longer runs go back to the
queue (same file name, so the same place in line). Everything else, including
topic routing between processes through the control folder, is kombu's.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from kombu.transport import filesystem
from kombu.utils.json import dumps, loads

INFLIGHT_HEADER = "x-postmate-inflight"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._inflight = Path(self.data_folder_in).parent / "inflight"
        self._mine = self._inflight / str(os.getpid())
        self._mine.mkdir(parents=True, exist_ok=True)
        self._recover_orphans()

    def _recover_orphans(self) -> None:
        for folder in self._inflight.iterdir():
            if not folder.name.isdigit() or _alive(int(folder.name)):
                continue
            for orphan in folder.iterdir():
                shutil.move(str(orphan), os.path.join(self.data_folder_in, orphan.name))
            folder.rmdir()

    def _put(self, queue, payload, **kwargs):
        # kombu writes in place, so a reader could take a file still being written:
        # write under a name no reader matches, then rename into the queue atomically.
        name = f"{int(round(time.monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        partial = os.path.join(self.data_folder_out, f".{name}.partial")
        with open(partial, "wb") as handle:
            handle.write(dumps(payload).encode())
        os.replace(partial, os.path.join(self.data_folder_out, name))

    def _get(self, queue):
        suffix = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != suffix:
                continue
            target = self._mine / name
            try:
                os.rename(os.path.join(self.data_folder_in, name), target)
            except OSError:
                continue  # another consumer took it first
            payload = loads(target.read_bytes())
            payload.setdefault("headers", {})[INFLIGHT_HEADER] = str(target)
            return payload
        raise filesystem.Empty()

    def _forget(self, delivery_tag) -> None:
        message = self.qos._delivered.get(delivery_tag)
        path = message and (message.headers or {}).get(INFLIGHT_HEADER)
        if path:
            Path(path).unlink(missing_ok=True)

    def basic_ack(self, delivery_tag, multiple=False):
        self._forget(delivery_tag)
        super().basic_ack(delivery_tag, multiple)

    def basic_reject(self, delivery_tag, requeue=False):
        if not requeue:
            self._forget(delivery_tag)
        super().basic_reject(delivery_tag, requeue)

    def _restore(self, message):
        path = (message.headers or {}).pop(INFLIGHT_HEADER, None)
        super()._restore(message)
        if path:
            Path(path).unlink(missing_ok=True)


class Transport(filesystem.Transport):
    Channel = Channel
