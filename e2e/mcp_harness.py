"""Helpers shared by the MCP end-to-end test and benchmark: run the real `robot` binary on a free
port with a throw-away data directory, mint tokens with its CLI, and connect the official MCP
Python SDK to `http://127.0.0.1:PORT/mcp` while naming the wiki in the `Host` header (the system
resolver does not resolve `*.localhost`)."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from robot_server import E2E_DIR, REPO_DIR, Server, free_port, robot_bin  # noqa: F401 - re-exported


def http_client(server: Server, slug: str, token: str | None) -> httpx2.AsyncClient:
    """An HTTP client that talks to 127.0.0.1 but names `slug`'s wiki in `Host`."""
    headers = {"Host": server.host(slug)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=120.0))


@contextlib.asynccontextmanager
async def connect(server: Server, slug: str, token: str | None) -> AsyncIterator[Client]:
    """An initialized MCP client session for `slug`'s wiki, authenticated with `token`."""
    async with http_client(server, slug, token) as http:
        transport = streamable_http_client(server.mcp_url(), http_client=http)
        async with Client(transport, cache=None) as client:
            yield client


def text_of(result) -> str:
    """The first text content of a tool result."""
    for block in result.content:
        if getattr(block, "type", None) == "text":
            return block.text
    return ""
