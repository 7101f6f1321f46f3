"""Which `Host` names may talk to the emulator: the guard against DNS rebinding.

A web page on a name its author controls (`evil.example`) can have that name re-resolved to
127.0.0.1; the browser then treats the emulator as the page's own origin, and the page can read and
reset any tenant whose token it guesses. What such a request cannot change is its `Host` header,
which still says `evil.example`. So a request is answered only when its `Host` is a name that no
outsider's DNS decides:

- a loopback name: `localhost` and `*.localhost` (RFC 6761: resolved to loopback by the browser);
- an IP literal (`127.0.0.1`, `[::1]`, `172.18.0.3`): no DNS at all;
- a single-label name (`metronome`, `emulator`): a docker-compose or Kubernetes service name,
  resolved by the container's own resolver, never by public DNS;
- a `*.internal` name (`host.docker.internal`): a reserved suffix, never delegated in public DNS;
- a name given with `--allowed-host` (exact, case-insensitive; `.example.test` allows every name
  under it; `*` allows any name and turns the guard off).

A request without `Host` (HTTP/1.0) comes from no browser, and is answered.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = ["host_allowed", "host_name"]


def host_name(header: str) -> str:
    """The name in a `Host` header, without its port, lowercased, without a trailing dot."""
    text = header.strip().lower()
    if text.startswith("["):  # an IPv6 literal: [::1]:4010
        return text[1 : text.find("]")] if "]" in text else text
    name, colon, port = text.rpartition(":")
    if colon and port.isdigit():
        text = name
    return text.rstrip(".")


def host_allowed(header: str | None, allowed: Iterable[str] = ()) -> bool:
    """Whether a request with this `Host` header may be answered (see the module docstring)."""
    if header is None:
        return True
    name = host_name(header)
    if not name:
        return False
    if name == "localhost" or name.endswith((".localhost", ".internal")):
        return True
    if "." not in name and ":" not in name:
        return True  # a single label: a service name
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return True
    for given in allowed:
        entry = given.strip().lower()
        if entry == "*":
            return True
        if entry.startswith("."):  # every name under it
            if name.endswith(entry.rstrip(".")):
                return True
        elif name == host_name(entry):  # a port or trailing dot given with the name is ignored
            return True
    return False
