"""Test certificate authority, server TLS and the client-side connector.

discord.py talks to ``https://discord.com`` and ``wss://gateway.discord.gg``
on the implicit port 443.  The connector built here resolves every host name
to 127.0.0.1 *and the emulator's port* (aiohttp's ``ResolveResult`` carries
a port that the connector uses verbatim), and trusts only the test CA.
"""

from __future__ import annotations

import functools
import socket
import ssl

import aiohttp
import trustme
from aiohttp.abc import AbstractResolver, ResolveResult

CERT_HOSTS = ("discord.com", "gateway.discord.gg", "127.0.0.1", "localhost")


@functools.cache
def _authority() -> tuple[trustme.CA, trustme.LeafCert]:
    """One CA and leaf certificate per test process (generation is not free)."""
    ca = trustme.CA()
    return ca, ca.issue_cert(*CERT_HOSTS)


def server_ssl_context() -> ssl.SSLContext:
    """TLS context for the emulator's server."""
    _, cert = _authority()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx


def client_ssl_context() -> ssl.SSLContext:
    """TLS context that verifies against the test CA only."""
    ca, _ = _authority()
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


class EmulatorResolver(AbstractResolver):
    """Resolves any host name to the emulator (127.0.0.1:port) and logs the names."""

    def __init__(self, port: int, seen: list[str] | None = None) -> None:
        self.port = port
        self.seen = seen if seen is not None else []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the emulator address, whatever host/port was asked for."""
        self.seen.append(host)
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=self.port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        """Nothing to release."""


def make_connector(port: int, seen: list[str] | None = None) -> aiohttp.TCPConnector:
    """A connector sending all traffic to the emulator over verified TLS.

    ``limit=0`` mirrors the connector discord.py creates by default.
    """
    return aiohttp.TCPConnector(
        resolver=EmulatorResolver(port, seen), ssl=client_ssl_context(), limit=0
    )
