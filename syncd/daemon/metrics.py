"""Prometheus metrics. Label sets stay bounded: connector names, kinds and outcomes only."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

REGISTRY = CollectorRegistry(auto_describe=True)

WEBHOOKS = Counter(
    "syncd_webhooks_total",
    "Webhook deliveries by outcome",
    ["connector", "outcome"],
    registry=REGISTRY,
)
POLLS = Counter(
    "syncd_polls_total", "Poll cycles by outcome", ["connector", "outcome"], registry=REGISTRY
)
ACTIONS = Counter(
    "syncd_actions_total", "Actions by kind and result", ["kind", "result"], registry=REGISTRY
)
DEPTH = Gauge("syncd_queue_depth", "Rows waiting", ["queue"], registry=REGISTRY)
HEALTHY = Gauge(
    "syncd_connector_healthy", "1 when the connector is healthy", ["connector"], registry=REGISTRY
)
