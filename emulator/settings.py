"""One frozen settings object, built from command-line flags and `EMULATOR_*` variables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4010
    seed: int = 42
    page_size: int = 100
    fixtures: Path | None = None  # load this fixture document instead of generating
    tokens: tuple[str, ...] = ()  # when not empty, only these bearer tokens are accepted
    # Host names answered besides loopback names, IP literals and single labels (web/hosts.py).
    allowed_hosts: tuple[str, ...] = ()
    journal_size: int = 1000  # request journal entries kept per tenant
    state_file: Path | None = None  # every tenant's state, kept across restarts
    response_cache_mb: int = 64  # finished /v1/usage pages kept for repeated requests
    # Built seeds kept here (emulator/scenario/seed_cache.py); None: none kept, none read.
    seed_cache: Path | None = None
    clock: int | None = None  # every tenant's clock frozen here at start (epoch µs); None: wall
    max_tenants: int = 10_000  # past it the least recently used tenant is forgotten; 0: no limit
    reset_max_events: int = 1_000_000  # the most events a reset with scenario options may ask for
    # Seconds a connection may wait for a request (idle between requests, or a request head that
    # has not fully arrived) before it is closed: aiohttp's keep-alive timer.
    idle_timeout: float = 60.0
    # Seconds a request body may take to arrive in full, from its head; past it a 408, closed.
    body_timeout: float = 60.0
    exit_with_stdin: bool = False  # stop when standard input closes (a parent process's child)
    # Size of the generated scenario.
    customers: int = 8
    days: int = 7
    events: int = 20_000
