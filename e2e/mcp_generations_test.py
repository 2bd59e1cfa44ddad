#!/usr/bin/env python3
"""The same MCP round trip with whichever generation of the official MCP Python SDK is installed.

`scripts/test` runs it twice against the real `robot` binary: with SDK 2.x, which speaks the
stateless 2026-07-28 revision (no initialize handshake, version and capabilities in each
request's `_meta`), and with SDK 1.x, which speaks 2025-11-25 (initialize handshake). Both must
list the tools, write a note, read it back, get a stale overlapping edit refused as a conflict and
a stale disjoint one merged, on the same `/mcp`. The script prints the protocol version the pair
agreed on and fails if it is not the one that generation should get.

Run: `python e2e/mcp_generations_test.py` from a venv with `mcp` 1.x or 2.x installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import traceback
from importlib.metadata import version
from typing import Any, AsyncIterator

from robot_server import Server

SDK = version("mcp")
GENERATION = int(SDK.split(".")[0])
# What each generation must negotiate with this server: its own newest revision.
EXPECTED_VERSION = {1: "2025-11-25", 2: "2026-07-28"}[GENERATION]

if GENERATION >= 2:
    import httpx2 as httpx
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
else:
    import httpx
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client


class Failure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


class Agent:
    """One connected client, whichever SDK: list tools, call one (is_error, text, structured)."""

    def __init__(self, session: Any, protocol_version: str) -> None:
        self.session = session
        self.protocol_version = protocol_version

    async def tools(self) -> dict[str, Any]:
        listed = await self.session.list_tools()
        return {tool.name: tool for tool in listed.tools}

    async def call(self, tool: str, args: dict) -> tuple[bool, str, dict]:
        result = await self.session.call_tool(tool, args)
        text = next((b.text for b in result.content if getattr(b, "type", None) == "text"), "")
        if GENERATION >= 2:
            return bool(result.is_error), text, result.structured_content or {}
        return bool(result.isError), text, result.structuredContent or {}

    async def ok(self, tool: str, args: dict) -> tuple[str, dict]:
        is_error, text, structured = await self.call(tool, args)
        check(not is_error, f"{tool} failed: {text[:400]}")
        return text, structured


@contextlib.asynccontextmanager
async def connect(server: Server, slug: str, token: str) -> AsyncIterator[Agent]:
    headers = {"Host": server.host(slug), "Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(30.0, read=60.0)) as http:
        if GENERATION >= 2:
            async with Client(streamable_http_client(server.mcp_url(), http_client=http), cache=None) as client:
                yield Agent(client, str(client.protocol_version))
        else:
            async with streamable_http_client(server.mcp_url(), http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    init = await session.initialize()
                    yield Agent(session, str(init.protocolVersion))


async def round_trip(server: Server, token: str) -> None:
    async with connect(server, "notes", token) as agent:
        print(f"     SDK {SDK} negotiated protocol {agent.protocol_version}")
        check(agent.protocol_version == EXPECTED_VERSION,
              f"SDK {SDK} should get {EXPECTED_VERSION}, got {agent.protocol_version}")
        tools = await agent.tools()
        for name in ("read_note", "write_note", "edit_note", "build_context", "whoami"):
            check(name in tools, f"{name} missing from tools/list: {sorted(tools)}")
        for name, tool in tools.items():
            schema = getattr(tool, "output_schema", None) or getattr(tool, "outputSchema", None)
            check(bool(schema), f"{name} has no outputSchema")

        content = "# Generations\n\nfirst line\n\nmiddle\n\nlast line\n"
        _, written = await agent.ok("write_note", {"path": "Generations", "content": content,
                                                   "commit_message": f"SDK {SDK}"})
        base = written.get("revision")
        check(bool(base), f"write_note returned no revision: {written}")
        _, read = await agent.ok("read_note", {"path": "Generations"})
        check(read.get("content") == content and read.get("revision") == base, f"read back: {read}")

        # Someone else changes the last line; this agent edits from the old base.
        _, theirs = await agent.ok("edit_note", {"path": "Generations", "old_string": "last line",
                                                 "new_string": "last line (theirs)", "revision": base})
        check(theirs.get("merged") is False, f"a current edit claims a merge: {theirs}")
        _, merged = await agent.ok("edit_note", {"path": "Generations", "old_string": "first line",
                                                 "new_string": "first line (mine)", "revision": base})
        check(merged.get("merged") is True, f"a stale disjoint edit should merge: {merged}")
        is_error, text, _ = await agent.call("edit_note", {
            "path": "Generations", "old_string": "last line", "new_string": "last line (stale)",
            "revision": base})
        check(is_error, f"a stale overlapping edit must be refused, got: {text[:300]}")
        check("conflict" in text.lower() or "changed" in text.lower(), f"conflict explained: {text[:300]}")
        _, final = await agent.ok("read_note", {"path": "Generations"})
        body = final.get("content", "")
        check("first line (mine)" in body and "last line (theirs)" in body and "(stale)" not in body,
              f"both acknowledged edits kept, the refused one absent: {body!r}")


async def main() -> int:
    server = Server()
    try:
        server.cli("user", "add", "alice", "--name", "Alice")
        server.cli("wiki", "create", "notes", "--owner", "alice")
        token = server.token("notes", f"sdk-{GENERATION}")
        server.start()
        await round_trip(server, token)
        print(f"ok   MCP round trip with SDK {SDK} ({EXPECTED_VERSION})")
        return 0
    except BaseException:  # noqa: BLE001 - report with the server's log
        traceback.print_exc()
        print("--- robot serve log ---\n" + server.log()[-5000:])
        print(f"FAIL MCP round trip with SDK {SDK}")
        return 1
    finally:
        server.cleanup()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
