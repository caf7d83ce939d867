"""Prometheus metrics, one registry per app (nothing global, nothing built at import time)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    request_seconds: Histogram
    reads_stored: Counter

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter(
                "plateguard_http_requests",
                "HTTP requests by route and status",
                ["route", "status"],
                registry=registry,
            ),
            request_seconds=Histogram(
                "plateguard_http_request_seconds",
                "Time to answer an HTTP request",
                ["route"],
                registry=registry,
            ),
            reads_stored=Counter(
                "plateguard_reads_stored", "Plate reads committed", ["source"], registry=registry
            ),
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
