"""`make bench`: every benchmark in one run; prints each figure, then one JSON line of all.

Runs against the machine's RabbitMQ and PostgreSQL (each benchmark makes its own
throwaway databases and bus namespace). Targets are printed beside the figures;
nothing here asserts — speed is measured, not tested.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import time

BENCHMARKS = [  # module, what it measures
    ("bench.pipeline", "outbox → RabbitMQ → consumer → PostgreSQL"),
    ("bench.connect_flows", "OAuth connect flows through the gateway"),
    ("bench.plan_limits", "plan-limit reservation decisions"),
    ("bench.refresher", "token refresher throughput and due-work lookup"),
]
TARGETS = {
    "pipeline_vs_raw": ">= 0.6",
    "commit_to_consume_p99_ms": "< 50 at 100 events/s",
    "callback_to_listed_p99_ms": "< 100 at 20 flows/s",
    "plan_decision_p99_ms": "< 10 at 200 decisions/s",
    "due_lookup_ms_at_1m": "< 50",
    "refreshes_per_s": ">= 300",
}


def main() -> int:
    figures: dict[str, float] = {}
    for module_name, title in BENCHMARKS:
        if importlib.util.find_spec(module_name) is None:
            print(f"== {title}: no {module_name} yet", flush=True)
            continue
        module = importlib.import_module(module_name)
        print(f"== {title} ({module_name})", flush=True)
        started = time.monotonic()
        result = module.run()
        for key, value in result.items():
            target = f"   (target {TARGETS[key]})" if key in TARGETS else ""
            print(f"  {key:<32} {value}{target}", flush=True)
        print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
        figures.update(result)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
