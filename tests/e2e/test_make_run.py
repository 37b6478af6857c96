"""A newcomer's first screen: `make run`'s launcher (deploy/run_local.py) with the embedded
defaults, on ports of its own. The terminal shows a short status screen — what is up and
where, the panel link, the generated tokens, where the logs go — and not the JSON logs,
which land in one file per process under the data folder. Ctrl-C stops everything."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from shared.config import SERVICES
from tests.support import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = (*SERVICES, "provider-sandbox", "panel")


def test_make_run_shows_a_short_status_screen_and_keeps_the_logs_in_files(tmp_path):
    ports = {name: free_port() for name in PROCESSES}
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTMATE_")}
    env.update({"POSTMATE_DATA_DIR": str(tmp_path / "var"),
                **{f"POSTMATE_{name.upper().replace('-', '_')}_PORT": str(port) for name, port in ports.items()}})
    launcher = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "run_local.py")], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    screen: list[str] = []
    reader = threading.Thread(target=lambda: screen.extend(iter(launcher.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("Press Ctrl-C" in line for line in screen), timeout=120, what="the status screen")
    finally:
        os.killpg(launcher.pid, signal.SIGINT)
        code = launcher.wait(timeout=60)
        reader.join(timeout=5)
    text = "".join(screen)

    assert code == 0 and "stopped." in text
    for name, port in ports.items():
        assert any(line.split()[:3] == [name, f"http://127.0.0.1:{port}", "up"] for line in screen), name
    assert f"http://127.0.0.1:{ports['panel']}/?user=demo-user" in text
    assert all(f"POSTMATE_{token}=" in text for token in ("DASHBOARD_TOKEN", "BILLING_TOKEN", "INTERNAL_TOKEN"))
    assert str((tmp_path / "var" / "logs").resolve()) in text
    assert len(screen) < 40, text
    assert not [line for line in screen if line.lstrip("[").startswith("{") or '{"ts"' in line], text

    logs = tmp_path / "var" / "logs"
    migrations = [json.loads(line) for line in (logs / "make-run.log").read_text().splitlines()]
    assert any(entry["logger"].startswith("alembic") for entry in migrations)  # the INFO lines went to the file
    for name in PROCESSES:
        assert (logs / f"{name}.log").stat().st_size > 0, name
    assert (logs / "auth-gateway-worker.log").exists()
