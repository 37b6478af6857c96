"""What ops watch (design.md, Observability): "deploy/ holds a Grafana dashboard and
Prometheus alert rules for the figures ops watch: connects started/finished/failed by
network and reason, callback latency, plan denials, outbox backlog, consumer lag and dead
letters, refreshes by outcome, tokens near expiry, connections by status."

- deploy/prometheus/alerts.yml: every alert says when it fires (expr, for), how bad it is
  (severity page | ticket) and what it means for users and where to look (summary,
  description); together they cover what on-call is woken for;
- deploy/prometheus/prometheus.yml scrapes every service's /metrics at its default port and
  loads those rules;
- deploy/grafana/connections-dashboard.json shows each figure of the design's list, on a
  templated Prometheus data source, every panel titled, with a unit and labelled queries;
- alerts and panels only name metrics the services really export (as they appear on
  /metrics: counters with _total, histograms as _bucket/_sum/_count), read counters through
  rate()/increase() and quantiles through histogram_quantile over sum by (le, …).
"""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import prometheus_client
import pytest
import yaml

from shared.config import DEFAULT_PORTS, SERVICES

REPO = Path(__file__).resolve().parents[3]
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
PROMETHEUS = REPO / "deploy" / "prometheus" / "prometheus.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "connections-dashboard.json"

# Every module that defines metrics; importing them registers their families.
METRIC_MODULES = ("auth_gateway.metrics", "auth_gateway.bluesky.http", "token_refresher.metrics",
                  "plan_limits.metrics", "panel.demand", "shared.metrics")
PREFIXES = ("auth_gateway_", "token_refresher_", "plan_limits_", "panel_", "postmate_")
SCRAPED = (*SERVICES, "panel")
SEVERITIES = {"page", "ticket"}

# The design's list of figures, each with the metric that expresses it and the labels a panel
# must break it down by (plus, where it matters, what its query must say).
FIGURES = {
    "connects started (by network)": ("auth_gateway_connects_started_total", {"network"}, None),
    "connects finished (by outcome)": ("auth_gateway_connects_finished_total", {"outcome"}, None),
    "connects failed by network and reason": ("auth_gateway_connects_finished_total", {"network", "outcome"},
                                              r'outcome!="connected"'),
    "callback latency": ("auth_gateway_callback_seconds_bucket", {"le"}, r"histogram_quantile"),
    "plan denials": ("auth_gateway_plan_denials_total", set(), None),
    "outbox backlog": ("postmate_outbox_backlog", {"service"}, None),
    "consumer lag": ("postmate_consumer_lag_seconds_bucket", {"le", "service"}, r"histogram_quantile"),
    "dead letters": ("postmate_consumer_dead_letters_total", {"service"}, None),
    "refreshes by outcome": ("token_refresher_refreshes_total", {"outcome"}, None),
    "tokens near expiry": ("token_refresher_tokens_expiring", {"network"}, None),
    "connections by status": ("token_refresher_connections", {"state"}, None),
    # Beyond the design's list, asked for by ops:
    "disconnects": ("auth_gateway_disconnects_total", {"network"}, None),
    "platform revocations": ("auth_gateway_platform_revocations_total", {"outcome"}, None),
    "Meta callbacks": ("auth_gateway_meta_callbacks_total", {"outcome"}, None),
    "HTTP errors": ("postmate_http_requests_total", {"service"}, r'status=~"5\.\."'),
    "HTTP latency": ("postmate_http_request_seconds_bucket", {"le", "service"}, r"histogram_quantile"),
}

# What on-call must hear about: the metric an alert reads, and what its expression must say.
ALERTED = {
    "connect failure ratio per network, the person's `denied` excluded":
        ("auth_gateway_connects_finished_total", r'outcome!~"[^"]*\bdenied\b[^"]*"[\s\S]*by \(network\)'),
    "callback latency p95": ("auth_gateway_callback_seconds_bucket", r"histogram_quantile\(0\.95"),
    "outbox backlog growing": ("postmate_outbox_backlog", r"delta\(postmate_outbox_backlog"),
    "outbox not draining": ("postmate_outbox_backlog", r"postmate_relay_published_total"),
    "relay failures": ("postmate_relay_failures_total", None),
    "dead letters appearing": ("postmate_consumer_dead_letters_total", None),
    "consumer lag": ("postmate_consumer_lag_seconds_bucket", r"histogram_quantile"),
    "refresh failures, transient storm": ("token_refresher_refreshes_total",
                                          r"rate_limited\|platform_unavailable\|timeout"),
    "refresh failures, permanent": ("token_refresher_refreshes_total", r'outcome=~"revoked\|needs_reauth"'),
    "refresh failures, our credentials": ("token_refresher_refreshes_total", r'outcome="misconfigured"'),
    "refreshes running late": ("token_refresher_refresh_lag_seconds_bucket", r"histogram_quantile"),
    "tokens expiring within 24 h not refreshed": ("token_refresher_tokens_expiring", r'window="24h"'),
    "spike in revocations / needs_reauth": ("token_refresher_revocations_total", None),
    "platform revocations giving up": ("auth_gateway_platform_revocations_total", r"gave_up"),
    "platform revocations waiting for hours": ("auth_gateway_platform_revocations_pending", r"min_over_time"),
    "Meta callbacks refused": ("auth_gateway_meta_callbacks_total", r'outcome="refused"'),
    "HTTP 5xx ratio per service": ("postmate_http_requests_total", r'status=~"5\.\."[\s\S]*by \(service\)'),
}

STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
NAME = re.compile(r"\b(?:%s)[A-Za-z0-9_]*" % "|".join(PREFIXES))
BY = re.compile(r"\bby\s*\(([^)]*)\)")
DURATION = re.compile(r"^\d+[smhd]$")


# -- what the services export ------------------------------------------------------------------
def _exposed_names() -> dict[str, str]:
    """{name as it appears on /metrics: "counter" | "gauge" | "histogram" | …} for our metrics.

    Families carry the base name (a counter's without _total); labelled metrics have no
    samples until a label set is used, so the names come from each family's type."""
    for module in METRIC_MODULES:
        importlib.import_module(module)
    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count"),
                "summary": ("", "_sum", "_count"), "info": ("_info",)}
    names = {}
    for family in prometheus_client.REGISTRY.collect():
        if not family.name.startswith(PREFIXES):
            continue
        for suffix in suffixes.get(family.type, ("",)):
            names[family.name + suffix] = family.type
        for sample in family.samples:  # whatever else a family exposes (never _created: absent in multiprocess)
            if not sample.name.endswith("_created"):
                names.setdefault(sample.name, family.type)
    return names


EXPOSED = _exposed_names()


def _referenced(expr: str) -> list[str]:
    return NAME.findall(STRING.sub('""', expr))


# -- the files ---------------------------------------------------------------------------------
def _rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text())
    assert document.get("groups"), "alerts.yml holds groups of rules"
    return [rule for group in document["groups"] for rule in group["rules"]]


def _dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def _panels(dashboard: dict) -> list[dict]:
    """Every panel, those nested in collapsed rows included; rows themselves left out."""
    found = []
    for panel in dashboard["panels"]:
        found += [panel] if panel.get("type") != "row" else panel.get("panels", [])
    return found


def _dashboard_queries(dashboard: dict) -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target and every query variable."""
    queries = [(f"panel {p['title']!r}", t["expr"]) for p in _panels(dashboard) for t in p.get("targets", [])]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            queries.append((f"variable ${variable['name']}", query["query"] if isinstance(query, dict) else query))
    return queries


# -- PromQL that means what it says ------------------------------------------------------------
def _promql_problems(where: str, expr: str) -> list[str]:
    problems = []
    bare = STRING.sub('""', expr)
    for name in _referenced(expr):
        if name not in EXPOSED:
            close = sorted(n for n in EXPOSED if n.split("_")[:3] == name.split("_")[:3])
            problems.append(f"{where}: {name} is not exported by any service"
                            + (f" (did you mean {', '.join(close)}?)" if close else ""))
    for match in NAME.finditer(bare):
        name, before, after = match.group(), bare[:match.start()].rstrip(), bare[match.end():]
        kind = EXPOSED.get(name)
        cumulative = kind in ("counter", "histogram", "summary") and name.endswith(("_total", "_bucket", "_sum",
                                                                                    "_count"))
        in_range = re.match(r"\s*(\{[^}]*\})?\s*\[[^\]]+\]", after) is not None
        through_rate = re.search(r"\b(rate|irate|increase)\(\s*$", before) is not None
        # A labelled counter appears at its first increment, already at 1, where increase() can't
        # see it; `x unless x offset d` (a series that just appeared) is the one raw use allowed.
        just_appeared = re.match(r"\s*(\{[^}]*\})?\s+unless\s+%s\b" % name, after) is not None or (
            re.search(r"\bunless\s*$", before) is not None and re.match(r"\s*(\{[^}]*\})?\s+offset\b", after))
        if cumulative and not (through_rate and in_range) and not just_appeared:
            problems.append(f"{where}: {name} is cumulative; read it through rate()/increase() over a range")
        if kind == "gauge" and through_rate:
            problems.append(f"{where}: {name} is a gauge; rate()/increase() don't apply (use delta/deriv)")
        if kind == "gauge" and re.search(r"\bsum(\s+by\s*\([^)]*\))?\s*\(\s*$", before):
            problems.append(f"{where}: {name} is the same truth on every replica; combine it with max, not sum")
    quantiles = re.findall(r"histogram_quantile\(\s*([^,]*),\s*(sum\s+by\s*\(([^)]*)\))?", bare)
    for phi, summed, labels in quantiles:
        if not 0 < float(phi) < 1:
            problems.append(f"{where}: histogram_quantile({phi}) is not a quantile")
        if not summed or "le" not in {label.strip() for label in labels.split(",")}:
            problems.append(f"{where}: histogram_quantile must read sum by (le, …) (rate(…_bucket[…]))")
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = []
    for char in bare:
        if char in pairs:
            stack.append(pairs[char])
        elif char in pairs.values() and (not stack or stack.pop() != char):
            problems.append(f"{where}: unbalanced {char!r}")
            break
    if stack:
        problems.append(f"{where}: {stack[-1]!r} never closed")
    return problems


def test_the_metric_names_are_read_from_the_services_own_registry():
    # A sanity check of the checker: names as /metrics prints them, every kind present.
    assert EXPOSED["auth_gateway_connects_started_total"] == "counter"
    assert EXPOSED["token_refresher_tokens_expiring"] == "gauge"
    assert {"postmate_consumer_lag_seconds_bucket", "postmate_consumer_lag_seconds_sum",
            "postmate_consumer_lag_seconds_count"} <= set(EXPOSED)
    assert "auth_gateway_connects_started" not in EXPOSED  # a counter is only ever seen with _total
    assert _promql_problems("x", 'rate(auth_gateway_connects_started{network="a"}[5m])')
    assert _promql_problems("x", "auth_gateway_connects_started_total > 0")
    assert _promql_problems("x", "histogram_quantile(0.95, sum by (network) (rate(auth_gateway_callback_seconds_bucket[5m])))")
    assert not _promql_problems("x", 'sum by (network) (rate(auth_gateway_connects_started_total{network=~"$network"}[5m]))')
    assert not _promql_problems("x", 'sum (postmate_consumer_dead_letters_total unless postmate_consumer_dead_letters_total '
                                     'offset 15m)')


# -- alerts ------------------------------------------------------------------------------------
def test_every_alert_says_when_it_fires_how_bad_it_is_and_what_to_do():
    rules = _rules()
    names = [rule.get("alert") for rule in rules]
    assert all(names), "alerts.yml holds alerting rules only (each with `alert`)"
    assert len(names) == len(set(names)), f"alert names repeat: {sorted(n for n in names if names.count(n) > 1)}"
    problems = []
    for rule in rules:
        name, annotations = rule["alert"], rule.get("annotations") or {}
        if not str(rule.get("expr", "")).strip():
            problems.append(f"{name}: no expr")
        if not DURATION.match(str(rule.get("for", ""))):
            problems.append(f"{name}: `for` must be a duration like 10m (0m for a one-off event)")
        if (rule.get("labels") or {}).get("severity") not in SEVERITIES:
            problems.append(f"{name}: labels.severity must be one of {sorted(SEVERITIES)}")
        if not str(annotations.get("summary", "")).strip():
            problems.append(f"{name}: no annotations.summary")
        if len(str(annotations.get("description", "")).split()) < 25:
            problems.append(f"{name}: annotations.description must tell on-call what it means for users "
                            "and what to look at first")
    assert not problems, "\n".join(problems)


def test_every_metric_an_alert_reads_is_exported_and_read_the_right_way():
    problems = [p for rule in _rules() for p in _promql_problems(f"alert {rule['alert']}", rule["expr"])]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("concern", ALERTED)
def test_on_call_hears_about(concern):
    metric, says = ALERTED[concern]
    reading = [rule for rule in _rules() if metric in _referenced(rule["expr"])]
    assert reading, f"no alert reads {metric} ({concern})"
    if says:
        assert any(re.search(says, rule["expr"]) for rule in reading), \
            f"no alert on {metric} matches {says!r} ({concern}); alerts reading it: {[r['alert'] for r in reading]}"


def test_both_severities_are_used_and_pages_are_not_for_one_off_blips():
    rules = _rules()
    assert {rule["labels"]["severity"] for rule in rules} == SEVERITIES
    for rule in rules:
        if rule["labels"]["severity"] == "page":
            assert rule["for"] != "0m", f"{rule['alert']} pages: let it hold a few minutes first (`for`)"


# -- prometheus.yml ----------------------------------------------------------------------------
def test_prometheus_scrapes_every_service_at_its_default_port_and_loads_the_rules():
    config = yaml.safe_load(PROMETHEUS.read_text())
    assert [(PROMETHEUS.parent / path).resolve() for path in config["rule_files"]] == [ALERTS.resolve()]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for service in SCRAPED:
        assert service in jobs, f"no scrape job for {service}"
        job = jobs[service]
        assert job.get("metrics_path", "/metrics") == "/metrics"
        targets = [t for group in job["static_configs"] for t in group["targets"]]
        assert any(t.endswith(f":{DEFAULT_PORTS[service]}") for t in targets), \
            f"{service} is scraped at {targets}, not at its default port {DEFAULT_PORTS[service]}"


def test_a_service_that_stops_answering_is_noticed():
    down = [rule for rule in _rules() if re.search(r"\bup\{", rule["expr"])]
    assert down, "an alert on up == 0"
    watched = re.search(r'job=~"([^"]+)"', down[0]["expr"]).group(1)
    jobs = {job["job_name"] for job in yaml.safe_load(PROMETHEUS.read_text())["scrape_configs"]}
    assert all(re.fullmatch(watched, job) for job in jobs), f"{down[0]['alert']} doesn't watch every job: {watched}"
    assert down[0]["labels"]["severity"] == "page"


# -- the dashboard -----------------------------------------------------------------------------
def test_the_dashboard_is_a_grafana_model_on_a_chosen_prometheus_and_network():
    dashboard = _dashboard()
    assert dashboard["title"] and dashboard["uid"]
    assert 36 <= dashboard["schemaVersion"] <= 41
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    network = variables["network"]
    query = network["query"]["query"] if isinstance(network["query"], dict) else network["query"]
    assert network["type"] == "query" and re.fullmatch(r"label_values\(\w+,\s*network\)", query)
    assert network["includeAll"] and network["multi"]
    ids = [p["id"] for p in dashboard["panels"]] + [p["id"] for r in dashboard["panels"] for p in r.get("panels", [])]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    for panel in _panels(dashboard):
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"]), panel["title"]
    for variable in variables.values():
        if variable["type"] == "query":
            assert variable["datasource"]["uid"] == "${datasource}", variable["name"]


def test_every_panel_has_a_title_a_unit_and_labelled_queries():
    problems = []
    for panel in _panels(_dashboard()):
        title = panel.get("title", "")
        if not title:
            problems.append(f"panel {panel.get('id')}: no title")
        if not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            problems.append(f"{title}: no unit (fieldConfig.defaults.unit)")
        if not panel.get("gridPos"):
            problems.append(f"{title}: no gridPos")
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"{title}: no queries")
        if len({t.get("refId") for t in targets}) != len(targets):
            problems.append(f"{title}: refIds repeat")
        for target in targets:
            if not target.get("expr", "").strip() or not target.get("legendFormat", "").strip():
                problems.append(f"{title}: every target needs expr and legendFormat")
    assert not problems, "\n".join(problems)


def test_every_metric_the_dashboard_reads_is_exported_and_read_the_right_way():
    problems = [p for where, expr in _dashboard_queries(_dashboard()) for p in _promql_problems(where, expr)
                if not where.startswith("variable") or "is not exported" in p]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("figure", FIGURES)
def test_the_dashboard_shows(figure):
    metric, labels, says = FIGURES[figure]
    showing = [(p["title"], t["expr"]) for p in _panels(_dashboard()) for t in p["targets"]
               if metric in _referenced(t["expr"])]
    assert showing, f"no panel reads {metric} ({figure})"
    fitting = [(title, expr) for title, expr in showing
               if any(labels <= {label.strip() for label in by.split(",")} for by in BY.findall(expr))
               or not labels]
    assert fitting, f"no panel breaks {metric} down by {sorted(labels)} ({figure}); panels: {showing}"
    if says:
        assert any(re.search(says, expr) for _, expr in fitting), f"no panel on {metric} says {says!r} ({figure})"


def test_every_metric_the_services_export_is_on_the_dashboard():
    # A figure a service bothers to export is one someone should be able to look at.
    read = {name for _, expr in _dashboard_queries(_dashboard()) for name in _referenced(expr)}
    families = {re.sub(r"_(total|bucket|sum|count)$", "", name) for name in read}
    missing = sorted(name for name, kind in EXPOSED.items()
                     if name not in read and re.sub(r"_(total|bucket|sum|count)$", "", name) not in families)
    assert not missing, f"exported but on no panel: {missing}"


def test_the_deploy_readme_tells_on_call_what_to_do_for_every_alert():
    table = dict(re.findall(r"^\| `(\w+)` \| (page|ticket) \|", (REPO / "deploy" / "README.md").read_text(), re.M))
    rules = {rule["alert"]: rule["labels"]["severity"] for rule in _rules()}
    assert table == rules, f"deploy/README.md's alert table differs from alerts.yml: " \
                           f"{sorted(set(table.items()) ^ set(rules.items()))}"
