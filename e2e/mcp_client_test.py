#!/usr/bin/env python3
"""End-to-end test of robot.wtf's MCP server with the official MCP Python SDK.

Starts the real `robot` binary (ROBOT_BIN, or the debug build), mints tokens with its CLI, connects
over streamable HTTP to 127.0.0.1 with `Host: notes.localhost:PORT`, lists the tools and calls every
one of them, then checks isolation between wikis and token roles, refusal of bad input, 32
agents editing one page at once for 10 s without losing an acknowledged edit, and the SDK's own
OAuth client (`OAuthClientProvider`) connecting without a token: discovery, dynamic registration,
the consent page approved by a signed-in browser session (from `robot login-link`), PKCE, a
refresh, and revocation; and a client identified by its OAuth Client ID Metadata Document
(served over https from loopback) connecting without registering.

Run: `python e2e/mcp_client_test.py` (from the venv that has `pip install -r e2e/requirements.txt`).
Ends with `N passed, M failed` and exits non-zero on any failure.
"""

from __future__ import annotations

import asyncio
import base64
import html
import http.server
import json
import os
import re
import ssl
import subprocess
import sys
import threading
import time
import traceback
from urllib.parse import parse_qs, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from mcp_harness import Server, connect, free_port, http_client, text_of
from mcp_memory_task import compare

AGENTS = int(os.environ.get("MCP_E2E_AGENTS", "32"))
SOAK_SECONDS = float(os.environ.get("MCP_E2E_SECONDS", "10"))

EXPECTED_TOOLS = {
    "read_note", "write_note", "edit_note", "list_notes", "search_notes", "semantic_search",
    "get_links", "get_history", "get_recent_changes", "rename_note", "delete_note",
    "find_orphaned_notes", "list_attachments", "upload_attachment", "download_attachment",
    "delete_attachment", "diff_note", "whoami", "build_context",
}


class Failure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


async def ok(client, tool: str, args: dict) -> tuple[str, dict]:
    result = await client.call_tool(tool, args)
    text = text_of(result)
    check(not result.is_error, f"{tool}({json.dumps(args)[:200]}) failed: {text[:500]}")
    return text, result.structured_content or {}


async def err(client, tool: str, args: dict) -> tuple[str, dict]:
    result = await client.call_tool(tool, args)
    text = text_of(result)
    check(result.is_error, f"{tool}({json.dumps(args)[:200]}) should have failed, got: {text[:300]}")
    return text, result.structured_content or {}


async def raw_post(server: Server, slug: str, token: str | None) -> httpx2.Response:
    """One raw JSON-RPC `tools/list` POST (for checking HTTP statuses and headers)."""
    async with http_client(server, slug, token) as http:
        return await http.post(
            server.mcp_url(),
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
            headers={"Accept": "application/json, text/event-stream",
                     "MCP-Protocol-Version": "2025-06-18"},
        )


async def test_tools_listed(server, tokens):
    async with connect(server, "notes", tokens["editor"]) as client:
        listed = await client.list_tools()
        names = {tool.name for tool in listed.tools}
        check(EXPECTED_TOOLS <= names, f"missing tools: {sorted(EXPECTED_TOOLS - names)}")
        by_name = {tool.name: tool for tool in listed.tools}
        check(by_name["read_note"].annotations.read_only_hint is True, "read_note is read-only")
        # Hints equal to the MCP defaults are left out: an absent destructiveHint means true,
        # an absent readOnlyHint false.
        delete = by_name["delete_note"].annotations
        check(delete.destructive_hint in (True, None) and not delete.read_only_hint,
              "delete_note is destructive")
        check(by_name["read_note"].annotations.destructive_hint is None,
              "read-only tools carry no write hints")
        check("section" in by_name["edit_note"].input_schema["properties"], "edit_note has section ops")
        print(f"  {len(names)} tools: {', '.join(sorted(names))}")


async def test_every_tool(server, tokens):
    async with connect(server, "notes", tokens["editor"]) as c:
        text, me = await ok(c, "whoami", {})
        check('token "mcp-e2e"' in text and me["permissions"]["write"], f"whoami: {text}")

        text, w = await ok(c, "write_note", {
            "path": "E2E/Plan",
            "content": "---\ncategory: plan\ntags: [e2e]\n---\n# Plan\n\n## Goals\nship\n\n## Risks\nnone\n\nSee [[E2E/Other]].\n",
            "commit_message": "e2e plan",
        })
        check(text.startswith("Created E2E/Plan (revision: "), text)
        rev = w["revision"]
        text, note = await ok(c, "read_note", {"path": "E2E/Plan"})
        check(text.startswith(f"# Plan\nPath: E2E/Plan\nRevision: {rev}\nCategory: plan | Tags: e2e\n"), text)
        text, _ = await ok(c, "read_note", {"path": "E2E/Plan", "section": "Plan > Goals"})
        check("Section: Plan > Goals" in text and text.endswith("## Goals\nship\n\n"), text)

        text, e = await ok(c, "edit_note", {"path": "E2E/Plan", "revision": rev,
                                            "old_string": "ship", "new_string": "ship it"})
        check(text.startswith("Edited E2E/Plan (revision: "), text)
        for op, extra in [("append", {"content": "tail"}), ("prepend", {"content": "Intro."}),
                          ("replace_section", {"section": "Risks", "content": "few\n\nSee [[E2E/Other]]."}),
                          ("insert_before_section", {"section": "Goals", "content": "## Context\nwhy"}),
                          ("insert_after_section", {"section": "Goals", "content": "after goals"})]:
            await ok(c, "edit_note", {"path": "E2E/Plan", "operation": op, **extra})
        _, note = await ok(c, "read_note", {"path": "E2E/Plan"})
        for piece in ["ship it", "Intro.", "few", "## Context\nwhy", "after goals"]:
            check(piece in note["content"], f"{piece!r} missing after edits: {note['content']}")

        await ok(c, "write_note", {"path": "E2E/Other", "content": "other page"})
        await ok(c, "write_note", {"path": "E2E/Lonely", "content": "nobody links here"})
        text, _ = await ok(c, "list_notes", {"prefix": "E2E"})
        check(text.startswith("Found 3 notes matching prefix=E2E:"), text)
        text, _ = await ok(c, "search_notes", {"query": "goals"})
        check('results for "goals":' in text and "E2E/Plan" in text, text)
        # Real embeddings (the test command exports ROBOT_MODEL_DIR): hybrid by default, and the
        # keyword leg finds the page at once even while its passages are being embedded.
        text, sem = await ok(c, "semantic_search", {"query": "what are the goals"})
        check(sem.get("mode") == "hybrid" and "E2E/Plan" in text, text)
        text, sem = await ok(c, "semantic_search", {"query": "aims of the plan", "mode": "semantic"})
        check(sem.get("mode") == "semantic", text)
        text, _ = await ok(c, "get_links", {"path": "E2E/Other"})
        check("Linked from (1):\n  - E2E/Plan" in text, text)
        text, _ = await ok(c, "find_orphaned_notes", {})
        check("- E2E/Lonely" in text and "- E2E/Other" not in text, text)
        text, _ = await ok(c, "get_history", {"path": "E2E/Plan"})
        check(text.startswith("History for E2E/Plan (7 revisions):"), text)
        check("[mcp] e2e plan" in text, text)
        text, _ = await ok(c, "get_recent_changes", {"limit": 5})
        check("recent changes:" in text and "[mcp] " in text, text)
        text, _ = await ok(c, "diff_note", {"path": "E2E/Plan", "from": rev})
        check("+ship it" in text, text)

        payload = base64.b64encode(b"hello mcp").decode()
        text, _ = await ok(c, "upload_attachment", {"path": "E2E/Plan", "filename": "hello.txt", "content": payload})
        check(text == "Uploaded hello.txt to E2E/Plan (9 bytes)", text)
        text, _ = await ok(c, "list_attachments", {"path": "E2E/Plan"})
        check(text.startswith("Attachments for E2E/Plan (1):\n\n- hello.txt (9 bytes, text/plain"), text)
        text, _ = await ok(c, "download_attachment", {"path": "E2E/Plan", "filename": "hello.txt"})
        check(text.endswith(f"Content (base64):\n{payload}"), text)
        text, _ = await ok(c, "delete_attachment", {"path": "E2E/Plan", "filename": "hello.txt"})
        check(text == "Deleted attachment hello.txt", text)

        # What robot.wtf adds; the SDK checks each result against the tool's outputSchema.
        text, tree = await ok(c, "list_notes", {"depth": 1})
        check(any(e["path"] == "E2E" and e["pages"] == 3 for e in tree["entries"]), text)
        text, both = await ok(c, "read_note", {"paths": ["E2E/Other", "E2E/Plan#Goals"]})
        check([n["path"] for n in both["notes"]] == ["E2E/Other", "E2E/Plan"], text)
        text, ctx = await ok(c, "build_context", {"path": "E2E/Plan", "max_bytes": 2000})
        check([r["path"] for r in ctx["related"]] == ["E2E/Other"], text)
        text, fm = await ok(c, "edit_note", {"path": "E2E/Plan", "frontmatter": {"status": "done"}})
        text, replaced = await ok(c, "edit_note", {"path": "E2E/Plan", "old_string": "See [[E2E/Other]].",
                                            "new_string": "See also [[E2E/Other]].",
                                            "expected_replacements": 1})
        text, restored = await ok(c, "write_note", {"path": "E2E/Plan", "restore": rev,
                                                    "revision": replaced["revision"]})
        check(text.startswith("Restored E2E/Plan") and not restored["merged"], text)
        text, _ = await ok(c, "get_recent_changes", {"folder": "E2E", "since": "2000-01-01"})

        text, _ = await ok(c, "rename_note", {"path": "E2E/Other", "new_path": "E2E/Renamed"})
        check(text.startswith("Renamed E2E/Other -> E2E/Renamed (revision: ")
              and "Updated 1 backreferences:\n  - E2E/Plan" in text, text)
        text, _ = await ok(c, "delete_note", {"path": "E2E/Lonely"})
        check(text == "Deleted E2E/Lonely", text)
        text, _ = await err(c, "read_note", {"path": "E2E/Lonely"})
        check(text.startswith("Page not found: E2E/Lonely. Use write_note"), text)


async def test_conflict_and_merge(server, tokens):
    async with connect(server, "notes", tokens["editor"]) as a, connect(server, "notes", tokens["editor"]) as b:
        _, w = await ok(a, "write_note", {"path": "E2E/Race", "content": "alpha\nbeta\ngamma\ndelta\nepsilon\n"})
        base = w["revision"]
        await ok(a, "write_note", {"path": "E2E/Race", "revision": base, "content": "ALPHA\nbeta\ngamma\ndelta\nepsilon\n"})
        text, merged = await ok(b, "write_note", {"path": "E2E/Race", "revision": base, "content": "alpha\nbeta\ngamma\ndelta\nEPSILON\n"})
        check(merged["merged"] is True and "Merged:" in text, f"merge not reported: {text}")
        _, note = await ok(a, "read_note", {"path": "E2E/Race"})
        check(note["content"] == "ALPHA\nbeta\ngamma\ndelta\nEPSILON\n", f"merge lost an edit: {note['content']!r}")
        print(f"  merge: {text.splitlines()[0]} (both edits kept)")

        text, info = await err(b, "write_note", {"path": "E2E/Race", "revision": base, "content": "aleph\nbeta\ngamma\ndelta\nepsilon\n"})
        check(text.startswith("Conflict: ") and "re-apply your change, and pass the new revision" in text, text)
        check(info.get("error") == "conflict" and len(info.get("current_revision", "")) == 40, str(info))
        print(f"  conflict: {text.splitlines()[0][:120]}")


async def test_isolation(server, tokens):
    missing = await raw_post(server, "notes", None)
    check(missing.status_code == 401, f"no token: {missing.status_code}")
    challenge = missing.headers.get("www-authenticate", "")
    check(challenge == f'Bearer resource_metadata="http://notes.localhost:{server.port}/.well-known/oauth-protected-resource"',
          f"challenge: {challenge}")
    foreign = await raw_post(server, "notes", tokens["other"])
    check(foreign.status_code == 403, f"other wiki's token: {foreign.status_code} {foreign.text}")
    own = await raw_post(server, "other", tokens["other"])
    check(own.status_code == 200, f"own wiki: {own.status_code}")
    try:
        async with connect(server, "notes", tokens["other"]) as client:
            await client.list_tools()
        raise Failure("the SDK connected with another wiki's token")
    except Failure:
        raise
    except BaseException:  # noqa: BLE001 - the SDK surfaces HTTP errors in exception groups
        pass

    async with connect(server, "notes", tokens["reader"]) as r:
        await ok(r, "read_note", {"path": "Home"})
        for tool, args in [("write_note", {"path": "X", "content": "x"}),
                           ("edit_note", {"path": "Home", "operation": "append", "content": "x"}),
                           ("delete_note", {"path": "Home"}),
                           ("upload_attachment", {"path": "Home", "filename": "a.txt", "content": "aGk="})]:
            text, info = await err(r, tool, args)
            check(text.startswith("Not allowed: This read-only token") and info.get("error") == "forbidden", f"{tool}: {text}")


async def test_bad_input(server, tokens):
    async with connect(server, "notes", tokens["editor"]) as c:
        _, before = await ok(c, "get_recent_changes", {"limit": 1})
        cases = [
            ("write_note", {"content": "x"}, "missing field `path`"),
            ("write_note", {"path": 7, "content": "x"}, "invalid type"),
            ("write_note", {"path": "../../etc/passwd", "content": "x"}, "Invalid request"),
            ("write_note", {"path": "Huge", "content": "x" * (5 * 1024 * 1024)}, "too large"),
            ("write_note", {"path": "Home", "content": "x", "revision": "nothex!"}, "revision"),
            ("read_note", {"path": "Home", "revision": "123"}, "revision"),
            ("edit_note", {"path": "Home", "old_string": "no such text anywhere", "new_string": "y"}, "not found"),
            ("list_notes", {"limit": "lots"}, "non-negative integer"),
            ("upload_attachment", {"path": "Home", "filename": "a.bin", "content": "***"}, "Invalid base64"),
            ("rename_note", {"path": "Home", "new_path": "a/../b"}, "Invalid request"),
            ("diff_note", {"path": "Home", "from": "zzzzzzz"}, "revision"),
        ]
        for tool, args, expected in cases:
            text, info = await err(c, tool, args)
            check(expected.lower() in text.lower(), f"{tool}: expected {expected!r} in {text[:300]!r}")
            check(isinstance(info.get("error"), str), f"{tool}: no error code in {info}")
        _, after = await ok(c, "get_recent_changes", {"limit": 1})
        check(before["total"] == after["total"], "bad input wrote a commit")
        print(f"  {len(cases)} bad inputs refused, nothing written")


async def test_concurrent_agents(server, tokens):
    path = "E2E/Busy"
    async with connect(server, "notes", tokens["editor"]) as c:
        # One section per agent: read→write edits insert under the agent's own heading, so
        # concurrent ones from a stale revision do not overlap and are merged.
        sections = "\n".join(f"## agent-{n}\nbody {n}\n" for n in range(AGENTS))
        await ok(c, "write_note", {"path": path, "content": f"# Busy\n\n{sections}"})
    acknowledged: list[str] = []
    counts = {"succeeded": 0, "conflicts": 0, "merged": 0, "other_errors": 0,
              "append_ok": 0, "rw_ok": 0, "append_conflicts": 0, "rw_conflicts": 0}
    other_errors: list[str] = []
    deadline = time.monotonic() + SOAK_SECONDS

    async def agent(n: int) -> None:
        async with connect(server, "notes", tokens["editor"]) as c:
            i = 0
            while time.monotonic() < deadline:
                line = f"agent-{n}-edit-{i}"
                i += 1
                kind = "append" if i % 2 else "rw"
                if kind == "append":  # applied to the current version (retried on races)
                    result = await c.call_tool("edit_note", {"path": path, "operation": "append", "content": line})
                else:  # read → write with the revision read: merged, or refused as a conflict
                    read = await c.call_tool("read_note", {"path": path})
                    note = read.structured_content or {}
                    heading = f"## agent-{n}\n"
                    content = note.get("content", "").replace(heading, f"{heading}{line}\n", 1)
                    result = await c.call_tool("write_note", {
                        "path": path, "revision": note.get("revision", ""), "content": content,
                    })
                text = text_of(result)
                if not result.is_error:
                    acknowledged.append(line)
                    counts["succeeded"] += 1
                    counts[f"{kind}_ok"] += 1
                    counts["merged"] += bool((result.structured_content or {}).get("merged"))
                elif (result.structured_content or {}).get("error") == "conflict":
                    counts["conflicts"] += 1
                    counts[f"{kind}_conflicts"] += 1
                else:
                    counts["other_errors"] += 1
                    other_errors.append(text[:200])

    started = time.monotonic()
    await asyncio.gather(*(agent(n) for n in range(AGENTS)))
    elapsed = time.monotonic() - started
    async with connect(server, "notes", tokens["editor"]) as c:
        _, note = await ok(c, "read_note", {"path": path})
    lines = set(note["content"].splitlines())
    lost = [line for line in acknowledged if line not in lines]
    print(f"  {AGENTS} agents, {elapsed:.1f} s: succeeded={counts['succeeded']} conflicts={counts['conflicts']} "
          f"merged={counts['merged']} other_errors={counts['other_errors']} lost={len(lost)} "
          f"({counts['succeeded'] / elapsed:.0f} acknowledged edits/s; appends ok={counts['append_ok']} "
          f"conflicts={counts['append_conflicts']}; read-write ok={counts['rw_ok']} conflicts={counts['rw_conflicts']})")
    check(not lost, f"{len(lost)} acknowledged edits lost, e.g. {lost[:5]}")
    check(counts["other_errors"] == 0, f"non-conflict failures: {other_errors[:5]}")
    check(counts["succeeded"] > 0, "no edit succeeded")


async def test_revocation(server, tokens):
    async with connect(server, "notes", tokens["doomed"]) as c:
        await ok(c, "whoami", {})
        server.cli("token", "revoke", "notes", "--name", "mcp-doomed")
        result = None
        try:
            result = await c.call_tool("whoami", {})
        except BaseException:  # noqa: BLE001 - a 401 surfaces as an SDK error
            pass
        check(result is None or result.is_error, "a revoked token still works")
    after = await raw_post(server, "notes", tokens["doomed"])
    check(after.status_code == 401 and 'error="invalid_token"' in after.headers.get("www-authenticate", ""),
          f"revoked token: {after.status_code} {after.headers.get('www-authenticate')}")


class HostRouting(httpx2.AsyncBaseTransport):
    """Sends requests for `*.localhost` and `localhost` to 127.0.0.1, keeping the name in `Host`
    (the system resolver does not resolve `*.localhost`), so the OAuth client can use the real
    wiki URLs that the metadata documents name."""

    def __init__(self) -> None:
        self.inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        host = request.url.host
        if host == "localhost" or host.endswith(".localhost"):
            request.headers["Host"] = f"{host}:{request.url.port}" if request.url.port else host
            request.url = request.url.copy_with(host="127.0.0.1")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class MemoryStorage:
    """The OAuth client's token and registration store, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


def set_cookie(response: httpx2.Response, name: str) -> str:
    """The value a response's `Set-Cookie` gives `name` ('' if none)."""
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return ""


async def session_cookie(server: Server, handle: str) -> str:
    """A platform session for `handle`, from a one-time login link (`robot login-link`)."""
    link = server.cli("login-link", handle).splitlines()[-1].strip()
    async with httpx2.AsyncClient(transport=HostRouting(), follow_redirects=False) as http:
        res = await http.get(link)
    session = set_cookie(res, "robot_session")
    check(bool(session), f"login link {link} set no session ({res.status_code})")
    return session


async def consent(auth_url: str, session: str) -> AuthorizationCodeResult:
    """What a person does in the browser: opens the consent page signed in, and approves. Returns
    the code, state and iss the browser is sent back with."""
    async with httpx2.AsyncClient(transport=HostRouting(), follow_redirects=False) as http:
        page = await http.get(auth_url, headers={"Cookie": f"robot_session={session}"})
        check(page.status_code == 200, f"consent page: {page.status_code} {page.text[:1200]}")
        check("MCP e2e" in page.text and "edit pages" in page.text, "consent page names the app and rights")
        csrf = set_cookie(page, "robot_csrf")
        fields = {name: html.unescape(value) for name, value in
                  re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)}
        fields["decision"] = "approve"
        action = auth_url.split("?", 1)[0]
        res = await http.post(action, data=fields,
                              headers={"Cookie": f"robot_session={session}; robot_csrf={csrf}"})
    check(res.status_code == 303, f"approval: {res.status_code} {res.text[:300]}")
    query = parse_qs(urlsplit(res.headers["location"]).query)
    return AuthorizationCodeResult(code=query["code"][0], state=query["state"][0], iss=query.get("iss", [None])[0])


async def test_oauth_client(server, tokens):
    session = await session_cookie(server, "alice")
    storage = MemoryStorage()
    pending: list[str] = []

    async def redirect_handler(url: str) -> None:
        pending.append(url)

    async def callback_handler() -> AuthorizationCodeResult:
        result = await consent(pending[-1], session)
        # RFC 9207: `iss` is the issuer exactly as the metadata spells it (the SDK checks too).
        check(result.iss == f"http://{server.host('notes')}", f"iss: {result.iss}")
        return result

    server_url = f"http://{server.host('notes')}/mcp"
    provider = OAuthClientProvider(
        server_url=server_url,
        client_metadata=OAuthClientMetadata(
            client_name="MCP e2e",
            redirect_uris=["http://127.0.0.1:9/callback"],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    async with httpx2.AsyncClient(auth=provider, transport=HostRouting(),
                                  timeout=httpx2.Timeout(30.0, read=120.0)) as http:
        async with Client(streamable_http_client(server_url, http_client=http), cache=None) as c:
            _, me = await ok(c, "whoami", {})
            check(me.get("user") == "alice" and me.get("principal") == "user", f"whoami over OAuth: {me}")
            check(len(pending) == 1, f"one consent, got {len(pending)}")
            check(storage.tokens is not None and storage.tokens.access_token.startswith("rwo_"), "rwo_ token")
            await ok(c, "write_note", {"path": "OAuth/Hello", "content": "# Hello\n", "commit_message": "oauth"})
            history, _ = await ok(c, "get_history", {"path": "OAuth/Hello"})
            check("Alice (MCP e2e)" in history, f"history names the app: {history[:300]}")
            # An expired access token is refreshed (and rotated) without another consent.
            first = storage.tokens
            provider.context.token_expiry_time = 1
            await ok(c, "whoami", {})
            check(storage.tokens.access_token != first.access_token, "the refresh issued a new access token")
            check(storage.tokens.refresh_token != first.refresh_token, "the refresh token rotated")
            check(len(pending) == 1, "refreshing needed no consent")
    # The old access token died with the rotation; the new one works until revoked (RFC 7009).
    old = await raw_post(server, "notes", first.access_token)
    check(old.status_code == 401, f"rotated-out access token: {old.status_code}")
    live = storage.tokens.access_token
    check((await raw_post(server, "notes", live)).status_code == 200, "live access token works")
    async with httpx2.AsyncClient(transport=HostRouting()) as http:
        revoked = await http.post(f"http://{server.host('notes')}/-/oauth/revoke",
                                  data={"token": storage.tokens.refresh_token,
                                        "client_id": storage.client_info.client_id})
    check(revoked.status_code == 200, f"revoke: {revoked.status_code} {revoked.text[:200]}")
    after = await raw_post(server, "notes", live)
    check(after.status_code == 401, f"revoked grant's access token: {after.status_code}")
    # The token is bound to its wiki.
    foreign = await raw_post(server, "other", live)
    check(foreign.status_code in (401, 403), f"token on another wiki: {foreign.status_code}")


class DocumentHost:
    """An https server on 127.0.0.1 (a throwaway self-signed certificate from `openssl`) serving
    one OAuth Client ID Metadata Document, as an MCP client would publish it."""

    def __init__(self, directory: str, client_name: str, redirect_uri: str) -> None:
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}/oauth/client.json"
        self.fetches = 0
        cert, key = os.path.join(directory, "doc-cert.pem"), os.path.join(directory, "doc-key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE",
                        "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        document = json.dumps({
            "client_id": self.url, "client_name": client_name, "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "token_endpoint_auth_method": "none", "client_uri": "https://agent.example/",
        }).encode()
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if self.path != "/oauth/client.json":
                    self.send_error(404)
                    return
                host.fetches += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "max-age=300")
                self.send_header("Content-Length", str(len(document)))
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


async def test_oauth_metadata_document_client(server, tokens):
    """A client identified by the URL of its metadata document (no registration): the server
    fetches the document, the person approves, PKCE, and the app calls tools."""
    session = await session_cookie(server, "alice")
    redirect_uri = "http://127.0.0.1:9/callback"
    host = DocumentHost(server.data_dir, "MCP e2e document client", redirect_uri)
    storage = MemoryStorage()
    pending: list[str] = []

    async def redirect_handler(url: str) -> None:
        pending.append(url)

    async def callback_handler() -> AuthorizationCodeResult:
        return await consent(pending[-1], session)

    server_url = f"http://{server.host('notes')}/mcp"
    provider = OAuthClientProvider(
        server_url=server_url,
        client_metadata=OAuthClientMetadata(
            client_name="MCP e2e document client",
            redirect_uris=[redirect_uri],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
        client_metadata_url=host.url,
    )
    try:
        async with httpx2.AsyncClient(auth=provider, transport=HostRouting(),
                                      timeout=httpx2.Timeout(30.0, read=120.0)) as http:
            async with Client(streamable_http_client(server_url, http_client=http), cache=None) as c:
                _, me = await ok(c, "whoami", {})
                check(me.get("user") == "alice", f"whoami over OAuth: {me}")
                check(storage.client_info.client_id == host.url,
                      f"the client_id is the document URL (no registration): {storage.client_info.client_id}")
                check(host.fetches == 1, f"the server fetched the document once, not {host.fetches} times")
                await ok(c, "write_note", {"path": "OAuth/Document", "content": "# Doc\n", "commit_message": "cimd"})
                history, _ = await ok(c, "get_history", {"path": "OAuth/Document"})
                check("Alice (MCP e2e document client)" in history, f"history names the app: {history[:300]}")
        # The token is bound to the wiki's MCP endpoint: not the wiki's REST API, not another wiki.
        live = storage.tokens.access_token
        async with http_client(server, "notes", live) as http:
            rest = await http.get(f"http://127.0.0.1:{server.port}/api/v1/pages")
        check(rest.status_code == 403, f"an MCP token on the REST API: {rest.status_code}")
        foreign = await raw_post(server, "other", live)
        check(foreign.status_code == 403, f"token on another wiki: {foreign.status_code}")
    finally:
        host.close()


async def test_memory_task(server, tokens):
    results = await compare(server, tokens["editor"])
    classic, current = results["classic"], results["current"]
    check(current.calls < classic.calls, f"{current.calls} calls, not fewer than {classic.calls}")


TESTS = [test_tools_listed, test_every_tool, test_memory_task, test_conflict_and_merge, test_isolation, test_bad_input,
         test_concurrent_agents, test_revocation, test_oauth_client, test_oauth_metadata_document_client]


async def main() -> int:
    # Outbound fetches may reach loopback over a throwaway certificate (the metadata document
    # of test_oauth_metadata_document_client); a production server refuses both.
    server = Server(extra_args=("--atproto-insecure-test",))
    server.cli("user", "add", "alice", "--name", "Alice")
    server.cli("user", "add", "bob", "--name", "Bob")
    server.cli("wiki", "create", "notes", "--owner", "alice")
    server.cli("wiki", "create", "other", "--owner", "bob")
    tokens = {
        "editor": server.token("notes", "mcp-e2e"),
        "reader": server.token("notes", "mcp-reader", "read-only"),
        "doomed": server.token("notes", "mcp-doomed"),
        "other": server.token("other", "mcp-e2e"),
    }
    passed = failed = 0
    try:
        server.start()
        for test in TESTS:
            started = time.monotonic()
            try:
                await test(server, tokens)
                passed += 1
                print(f"ok   {test.__name__} ({time.monotonic() - started:.1f} s)")
            except BaseException as exc:  # noqa: BLE001 - report and go on
                failed += 1
                print(f"FAIL {test.__name__}: {exc}")
                traceback.print_exc()
    finally:
        if failed:
            print("--- robot serve log ---\n" + server.log()[-5000:])
        server.cleanup()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
