"""`make run`: the whole system on one machine, embedded defaults, no servers.

Migrates every database, then starts each service under gunicorn, each
service's worker (relay / consumer / refresher), the provider sandbox and the
Connections panel, and shows one short screen: what is up and where, the panel
link, the generated tokens, where the logs go. Every process's JSON log goes to
`<data folder>/logs/<process>.log`; the terminal shows only its WARNING and worse
lines. Ctrl-C stops everything cleanly. Any POSTMATE_* variable already set wins
(e.g. POSTMATE_BUS_URL=amqp://… and POSTMATE_<SERVICE>_DATABASE_URL=postgresql+psycopg://…
run it on real servers).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.request import urlopen

from shared.config import SERVICES, load_settings
from shared.logs import configure_logging
from shared.manage import PACKAGES, declare_bus, migrate_services

LOUD = ("WARNING", "ERROR", "CRITICAL")  # levels a terminal line is worth
GUNICORN_LINE = re.compile(r"^\[[^\]]+\] \[\d+\] \[([A-Z]+)\]")

# Names of local tokens generated when unset; printed so a developer can use them.
GENERATED_TOKENS = ("DASHBOARD_TOKEN", "BILLING_TOKEN", "INTERNAL_TOKEN")


def local_environment(environ: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    env = dict(environ)
    generated = []
    for name in GENERATED_TOKENS:
        if not env.get(f"POSTMATE_{name}"):
            env[f"POSTMATE_{name}"] = secrets.token_urlsafe(24)
            generated.append(name)
    settings = load_settings(env)
    env.setdefault("POSTMATE_SANDBOX_URL", settings.service_url("provider-sandbox"))
    env.setdefault("POSTMATE_BLUESKY_ALLOW_PRIVATE_SERVICE", "1")
    env.setdefault("POSTMATE_ALLOWED_RETURN_ORIGINS", settings.service_url("panel"))
    return env, generated


def commands(settings) -> list[tuple[str, list[str], dict[str, str]]]:
    """(name, argv, extra env) of every process to start."""
    py = sys.executable
    procs = []
    for service in SERVICES:
        package = PACKAGES[service]
        metrics_dir = settings.data_dir / "metrics" / service
        extra = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "POSTMATE_SERVICE_NAME": service,
                 "GUNICORN_BIND": f"127.0.0.1:{settings.port(service)}"}
        procs.append((service, [py, "-m", "gunicorn", "-c", "python:shared.gunicorn_conf",
                                f"{package}.app:create_app()"], extra))
        procs.append((f"{service} worker", [py, "-m", f"{package}.worker"], extra))
    # The sandbox keeps its state in memory: one process, several threads.
    procs.append(("provider-sandbox", [py, "-m", "gunicorn", "-c", "python:shared.gunicorn_conf",
                                       "provider_sandbox.app:create_app_from_env()"],
                  {"GUNICORN_BIND": f"127.0.0.1:{settings.port('provider-sandbox')}", "GUNICORN_WORKERS": "1",
                   "GUNICORN_THREADS": "16", "POSTMATE_SERVICE_NAME": "provider-sandbox"}))
    procs.append(("panel", [py, "-m", "gunicorn", "-c", "python:shared.gunicorn_conf", "panel.app:create_app()"],
                  {"GUNICORN_BIND": f"127.0.0.1:{settings.port('panel')}", "POSTMATE_SERVICE_NAME": "panel",
                   "PROMETHEUS_MULTIPROC_DIR": str(settings.data_dir / "metrics" / "panel")}))
    return procs


def _wait_healthy(url: str, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def worth_showing(line: str) -> bool:
    """A log line for the terminal: WARNING and worse (our JSON lines, gunicorn's own
    `[time] [pid] [LEVEL]` lines), or anything else a process printed (a traceback, a crash)."""
    try:
        entry = json.loads(line)
    except ValueError:
        found = GUNICORN_LINE.match(line)
        return found.group(1) in LOUD if found else bool(line.strip())
    return not isinstance(entry, dict) or str(entry.get("level", "")).upper() in LOUD


def _tee(name: str, pipe, log_file: Path) -> None:
    """Everything the process prints into its log file; the lines worth it onto the terminal."""
    with pipe, log_file.open("a", encoding="utf-8") as out:
        for line in iter(pipe.readline, ""):
            out.write(line)
            out.flush()
            if worth_showing(line):
                print(f"[{name}] {line.rstrip()}", file=sys.stderr, flush=True)


def _start(name: str, argv: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen:
    child = subprocess.Popen(argv, env=env, start_new_session=True, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, bufsize=1)
    log_file = logs / f"{name.replace(' ', '-')}.log"
    threading.Thread(target=_tee, args=(name, child.stdout, log_file), daemon=True).start()
    return child


def main() -> int:
    env, generated = local_environment(dict(os.environ))
    settings = load_settings(env)
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "make-run.log").open("a", encoding="utf-8") as own_log:
        configure_logging("make-run", "INFO", own_log)  # migrations' INFO lines: in the file, not on screen
        migrate_services(settings)
        declare_bus(settings)
    configure_logging("make-run", "WARNING")
    for service in (*SERVICES, "panel"):
        shutil.rmtree(settings.data_dir / "metrics" / service, ignore_errors=True)
        (settings.data_dir / "metrics" / service).mkdir(parents=True)

    children: list[tuple[str, subprocess.Popen]] = []
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for name, argv, extra in commands(settings):
        children.append((name, _start(name, argv, {**env, **extra}, logs)))

    print("Post Mate Connections\n")
    for name in (*SERVICES, "provider-sandbox", "panel"):
        url = settings.service_url(name)
        state = "up" if _wait_healthy(url) else f"NOT RESPONDING: see {logs / (name + '.log')}"
        print(f"  {name:<17} {url:<24} {state}")
    print(f"\n  Connections panel  {settings.service_url('panel')}/?user=demo-user")
    if generated:
        print("\n  Tokens generated for this run (set POSTMATE_<NAME> to choose your own):")
        for name in generated:
            print(f"    POSTMATE_{name}={env['POSTMATE_' + name]}")
    print(f"\n  Data    {settings.data_dir.resolve()}  (bus: {settings.effective_bus_url})")
    print(f"  Logs    {logs.resolve()}/<process>.log (JSON); warnings and errors also appear here")
    print("\nPress Ctrl-C to stop everything.", flush=True)

    while not stopping:
        for name, child in children:
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode} (its log: {logs / (name.replace(' ', '-') + '.log')}); "
                      "stopping everything", file=sys.stderr)
                stopping = True
        time.sleep(0.3)
    return shutdown(children)


def shutdown(children) -> int:
    print("\nstopping…")
    for _, child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in time; killing it", file=sys.stderr)
            os.killpg(child.pid, signal.SIGKILL)
    print("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
