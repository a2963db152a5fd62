"""Where a webhook may be sent (SSRF): an http(s) URL whose host resolves to public
addresses only — no loopback, private, link-local, multicast or otherwise reserved ones —
unless WEBHOOKS_ALLOW_PRIVATE is on (development, tests).

Checked twice: when the endpoint is registered (every address its host resolves to), and
when a delivery connects — on the socket actually connected, so a name that resolves
elsewhere by then (DNS rebinding) is caught too. Redirects are never followed."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_URL = 2000


class UnsafeTarget(Exception):
    """The connection reached an address webhooks may not go to."""


def is_public(address: str) -> bool:
    """May a webhook connect to this IP address?"""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope (fe80::1%eth0)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_problem(url: str, allow_private: bool) -> str | None:
    """Why `url` cannot be a webhook endpoint, or None when it can."""
    if len(url) > MAX_URL:
        return f"Keep the URL under {MAX_URL} characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "Not a valid URL."
    if parts.scheme not in ("http", "https"):
        return "Use an http:// or https:// URL."
    host = parts.hostname
    if not host:
        return "The URL needs a host."
    if parts.username is not None or parts.password is not None:
        return "Leave credentials out of the URL; verify the signature instead."
    if allow_private:
        return None
    try:
        found = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return f"{host} could not be resolved."
    for *_, sockaddr in found:
        if not is_public(str(sockaddr[0])):
            return (f"{host} resolves to a loopback, private or link-local address; "
                    "webhooks go to public addresses only.")
    return None


class _Guarded:
    """Refuse the connection when its peer is not a public address."""

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        if not is_public(peer):
            sock.close()
            raise UnsafeTarget(f"refused to connect to {peer}: not a public address")
        return sock


class _HTTPConnection(_Guarded, HTTPConnection):
    pass


class _HTTPSConnection(_Guarded, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def http_session(allow_private: bool) -> requests.Session:
    """A session for deliveries (post with `allow_redirects=False`): no proxies or .netrc
    from the environment, and (unless private targets are allowed) every connection's peer
    checked."""
    session = requests.Session()
    session.trust_env = False
    if not allow_private:
        adapter = _GuardedAdapter(max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session
