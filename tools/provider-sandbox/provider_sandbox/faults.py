"""Fault injection: make a network's token, refresh, identity or revoke calls fail on demand.

Rules come from `POST /_sandbox/faults`; each endpoint asks `apply()` before it
does its work. "timeout" sleeps `delay_s` and then answers normally, so the
caller's own timeout is what fires; "429" and "5xx" answer in the network's
error shape, with Retry-After when one was given. `count` makes a rule fire
that many times and then clear itself.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from provider_sandbox.errors import SandboxError
from provider_sandbox.networks import ALL_NETWORKS
from provider_sandbox.state import Fault, Sandbox, sandbox

ENDPOINTS = ("token", "refresh", "identity", "revoke", "any")
MODES = ("5xx", "429", "timeout", "none")


def _number(spec: dict, key: str, kind, default):
    value = spec.get(key, default)
    if value is None:
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise SandboxError("invalid_request", f"{key} must be a number") from None


def configure(sb: Sandbox, spec: Any) -> list[dict]:
    """Add (or, with mode "none", clear) a rule; answers the rules now active."""
    if not isinstance(spec, dict):
        raise SandboxError("invalid_request", "Send a JSON object.")
    network, endpoint, mode = spec.get("network"), spec.get("endpoint", "any"), spec.get("mode")
    if network not in (*ALL_NETWORKS, "*"):
        raise SandboxError("invalid_request", f"network must be one of {', '.join(ALL_NETWORKS)} or *")
    if endpoint not in ENDPOINTS or mode not in MODES:
        raise SandboxError("invalid_request", f"endpoint must be one of {ENDPOINTS}, mode one of {MODES}")
    fault = Fault(network, endpoint, mode, retry_after=_number(spec, "retry_after", int, None),
                  count=_number(spec, "count", int, None), delay_s=_number(spec, "delay_s", float, 5.0),
                  status=_number(spec, "status", int, 503))
    if not 500 <= fault.status <= 599:
        raise SandboxError("invalid_request", "status must be a 5xx code")
    if not 0 <= fault.delay_s <= 300 or (fault.count is not None and fault.count < 1) or \
            (fault.retry_after is not None and fault.retry_after < 0):
        raise SandboxError("invalid_request", "delay_s must be 0–300 s, count at least 1, retry_after ≥ 0")
    clears_all = mode == "none" and endpoint == "any"
    with sb.lock:
        sb.faults = [f for f in sb.faults if f.network != network or not (clears_all or f.endpoint == endpoint)]
        if mode != "none":
            sb.faults.append(fault)
        return describe(sb)


def describe(sb: Sandbox) -> list[dict]:
    with sb.lock:
        return [asdict(f) for f in sb.faults]


def _take(sb: Sandbox, network: str, endpoint: str) -> Fault | None:
    with sb.lock:
        for fault in sb.faults:
            if fault.network in (network, "*") and fault.endpoint in (endpoint, "any"):
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        sb.faults.remove(fault)
                return fault
    return None


def apply(network: str, endpoint: str, *, api: bool = False) -> None:
    sb = sandbox()
    fault = _take(sb, network, endpoint)
    if fault is None:
        return
    sb.count(network, "faults")
    if fault.mode == "timeout":
        time.sleep(fault.delay_s)  # outside the lock: other requests go on meanwhile
        return
    if fault.mode == "429":
        raise SandboxError("rate_limited", "Too many requests (sandbox fault).", retry_after=fault.retry_after,
                           api=api)
    raise SandboxError("unavailable", "The service is temporarily unavailable (sandbox fault).",
                       status=fault.status, retry_after=fault.retry_after, api=api)
