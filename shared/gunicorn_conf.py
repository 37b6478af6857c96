"""gunicorn settings shared by every service (`gunicorn -c python:shared.gunicorn_conf …`).

The launcher sets PROMETHEUS_MULTIPROC_DIR (one folder per service) before
gunicorn starts, so every worker writes its metrics where /metrics reads them;
a dead worker's live gauges are dropped here.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
graceful_timeout = 10
timeout = 30
accesslog = None  # requests are logged by the app as JSON, with request ids


def on_starting(server):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    from shared.config import load_settings
    from shared.logs import configure_logging
    configure_logging(os.environ.get("POSTMATE_SERVICE_NAME", "service"), load_settings().log_level)
