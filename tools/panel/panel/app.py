"""gunicorn 'panel.app:create_app()'  (port: settings.port("panel"), 8070)

The Connections page and its thin proxy to the gateway; see the package
docstring for what goes in and out.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import make_response, render_template

from panel import SERVICE
from panel.api import api
from panel.demand import DemandStore
from panel.gateway import DashboardApi
from panel.users import current_user, remember
from shared.config import Settings, load_settings
from shared.web import create_base_app

POLL_MS = 1000  # how often the page asks the gateway how a connect attempt is going
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


@dataclass
class Panel:
    settings: Settings
    gateway: DashboardApi
    demand: DemandStore

    def return_to(self, host_url: str) -> str | None:
        """Where the platform's tab should land: this page's own origin, when the gateway allows it."""
        here = _origin(host_url)
        allowed = {o.lower() for o in self.settings.allowed_return_origins}
        return f"{here}/returned" if here in allowed else None

    @property
    def gateway_origin(self) -> str:
        return _origin(self.settings.gateway_public_url) or ""


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def create_app(settings: Settings | None = None, gateway: DashboardApi | None = None,
               demand: DemandStore | None = None):
    settings = settings or load_settings()
    panel = Panel(settings,
                  gateway or DashboardApi(settings.service_url("auth-gateway"), settings.dashboard_token),
                  demand or DemandStore(settings.data_dir / "panel.db"))
    # Ready = what the panel owns works. The gateway is a dependency, not part of readiness: pulling the
    # panel out of rotation when the gateway is away would only hide the page that explains it.
    app = create_base_app(SERVICE, {"store": panel.demand.tally})
    app.extensions["panel"] = panel
    app.register_blueprint(api)

    @app.get("/")
    def connections_page():
        user = current_user()
        page = render_template("connections.html", user=user, poll_ms=POLL_MS, gateway_origin=panel.gateway_origin)
        return remember(make_response(page), user)

    @app.get("/returned")
    def returned_page():
        return render_template("returned.html")

    @app.get("/upgrade")
    def upgrade_page():  # only linked when plan-limits gives no upgrade address of its own
        return render_template("upgrade.html")

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "application/json":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
