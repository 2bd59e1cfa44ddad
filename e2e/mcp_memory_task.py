"""A 10-step agent memory task through the official MCP Python SDK, run two ways and measured.

The task: create five linked notes, read one, search by meaning and open every section the
search names, append to one note, change a line in another, rename a third, list what changed
since the start under the folder, page through a note's history and diff it, recover from a
second agent's stale overlapping write, and gather a note's context.

- `classic` does it with the tools otterwiki-mcp offers (one read per note or section, the
  whole changelog, links then each linked note);
- `current` uses what robot.wtf adds (`read_note` with `paths`, `get_recent_changes` with
  `since` and `folder`, `build_context`).

Both must be truthful: no `merged` unless another change to the same page was combined, every
section path from search opens in `read_note`, history counts and paging right, the stale
write refused with a diff and recovered in one call, context within its byte budget. The SDK
validates every result against the tool's `outputSchema`. Returns the calls and bytes of each.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from mcp_harness import connect, text_of

CONTEXT_BUDGET = 3000


class TaskFailure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise TaskFailure(message)


@dataclass
class Meter:
    """Counts the calls an agent makes and the bytes that cross the wire for them."""

    client: object
    calls: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    text_out: int = 0
    merged_claims: list[str] = field(default_factory=list)

    async def call(self, tool: str, args: dict, *, fails: bool = False):
        self.calls += 1
        self.bytes_in += len(json.dumps({"name": tool, "arguments": args}))
        result = await self.client.call_tool(tool, args)
        text = text_of(result)
        self.bytes_out += len(result.model_dump_json(by_alias=True, exclude_none=True))
        self.text_out += len(text.encode())
        if fails:
            check(result.is_error, f"{tool} should have failed: {text[:300]}")
        else:
            check(not result.is_error, f"{tool}({json.dumps(args)[:200]}) failed: {text[:500]}")
        structured = result.structured_content or {}
        if structured.get("merged") or "Merged:" in text:
            self.merged_claims.append(f"{tool} {args.get('path')}")
        return text, structured


def notes_of(folder: str) -> dict[str, str]:
    return {
        f"{folder}/Plan": (
            f"# Plan\n\nA trip to Lisbon. Dates: May 3 to May 9.\n\n"
            f"- money: [[{folder}/Budget]]\n- bags: [[{folder}/Packing]]\n"
            f"- days: [[{folder}/Itinerary]]\n- people: [[{folder}/Contacts]]\n"
        ),
        f"{folder}/Budget": (
            f"# Budget\n\nBack to [[{folder}/Plan]].\n\n## Hotels\n\nThe hotel costs 120 euros a night, "
            "breakfast included, six nights in Alfama.\n\n## Food\n\nAbout 40 euros a day for meals.\n"
        ),
        f"{folder}/Packing": "# Packing\n\n- passport\n- charger\n",
        f"{folder}/Itinerary": (
            "# Itinerary\n\n## Day 1\n\nTram 28 and the castle.\n\n## Day 2\n\nBelem tower and pastries.\n"
        ),
        f"{folder}/Contacts": "# Contacts\n\nAna, the guide: +351 900 000 000.\n",
    }


async def run_task(server, token: str, folder: str, style: str) -> Meter:
    """The 10 steps in `folder`, `classic` or `current`; returns the first agent's meter."""
    started = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    async with connect(server, "notes", token) as a_client, connect(server, "notes", token) as b_client:
        a = Meter(a_client)
        b = Meter(b_client)
        notes = notes_of(folder)
        plan = f"{folder}/Plan"

        # 1. Five linked notes.
        for path, content in notes.items():
            text, _ = await a.call("write_note", {"path": path, "content": content})
            check(text.startswith(f"Created {path}"), text)

        # 2. Read the plan; a second agent reads it too (its revision will go stale).
        _, read = await a.call("read_note", {"path": plan})
        check(read["links_to"] == sorted(p for p in notes if p != plan), f"links: {read['links_to']}")
        _, b_read = await b.call("read_note", {"path": plan})

        # 3. Search by meaning; every section path it names opens in read_note.
        _, found = await a.call("semantic_search", {"query": "how much does the hotel cost", "prefix": folder})
        hits = [(h["path"], h["section_path"]) for h in found["results"] if h.get("section_path")]
        check(any(p == f"{folder}/Budget" for p, _ in hits), f"search missed the budget: {found}")
        if style == "classic":
            for path, section in hits:
                _, part = await a.call("read_note", {"path": path, "section": section})
                check(part["section"] == section, f"{section} read as {part['section']}")
        else:
            _, parts = await a.call("read_note", {"paths": [f"{p}#{s}" for p, s in hits]})
            check(not parts.get("errors"), f"sections did not open: {parts.get('errors')}")
            check([n["section"] for n in parts["notes"]] == [s for _, s in hits], f"{parts['notes']}")

        # 4. Append to one note, with the revision just read (other pages changed since: no merge).
        _, packing = await a.call("read_note", {"path": f"{folder}/Packing"})
        _, appended = await a.call("edit_note", {
            "path": f"{folder}/Packing", "operation": "append", "content": "- sunscreen",
            "revision": packing["revision"]})
        check(appended["merged"] is False, "append claimed a merge")

        # 5. Change one line in another.
        _, budget = await a.call("read_note", {"path": f"{folder}/Budget", "section": "Hotels"})
        _, edited = await a.call("edit_note", {
            "path": f"{folder}/Budget", "old_string": "120 euros", "new_string": "135 euros",
            "revision": budget["revision"]})
        check(edited["merged"] is False, "edit claimed a merge")

        # 6. Rename; the plan's link follows.
        text, renamed = await a.call("rename_note", {"path": f"{folder}/Contacts", "new_path": f"{folder}/People"})
        check(renamed["updated_pages"] == [plan], text)

        # 7. What changed since the start, in this folder.
        if style == "classic":
            text, changes = await a.call("get_recent_changes", {"limit": 50})
            ours = [e for e in changes["entries"]
                    if any(p.startswith(folder + "/") for p in e["pages_affected"])]
        else:
            text, changes = await a.call("get_recent_changes", {"since": started, "folder": folder})
            ours = changes["entries"]
            check(changes["total"] == len(ours), text)
        check(len(ours) == 8, f"expected 8 changes under {folder}, got {len(ours)}: {text[:600]}")

        # 8. History: count, paging and a diff.
        _, count = await a.call("get_history", {"path": f"{folder}/Budget", "limit": 0})
        check(count["total"] == 2 and count.get("history", []) == [], f"history count: {count}")
        _, first_page = await a.call("get_history", {"path": f"{folder}/Budget", "limit": 1})
        check(first_page["total"] == 2 and first_page["next_offset"] == 1, f"paging: {first_page}")
        _, second_page = await a.call("get_history", {"path": f"{folder}/Budget", "limit": 1, "offset": 1})
        check("next_offset" not in second_page, f"last page: {second_page}")
        oldest = second_page["history"][0]["revision"]
        text, diff = await a.call("diff_note", {"path": f"{folder}/Budget", "from": oldest})
        check("-The hotel costs 120 euros" in diff["diff"] and "+The hotel costs 135 euros" in diff["diff"], text)

        # 9. The first agent changes the dates; the second, from its stale read, changes the same
        #    line: refused with the diff, then recovered in one call from what the refusal says.
        _, now = await a.call("read_note", {"path": plan})
        _, moved = await a.call("edit_note", {"path": plan, "old_string": "May 3 to May 9",
                                              "new_string": "June 3 to June 9", "revision": now["revision"]})
        check(moved["merged"] is False, "date change claimed a merge")
        text, refused = await b.call("edit_note", {"path": plan, "old_string": "May 3 to May 9",
                                                  "new_string": "July 3 to July 9",
                                                  "revision": b_read["revision"]}, fails=True)
        check(refused.get("error") == "conflict" and "June 3 to June 9" in refused.get("diff", ""), text)
        _, recovered = await b.call("edit_note", {"path": plan, "old_string": "June 3 to June 9",
                                                 "new_string": "July 3 to July 9",
                                                 "revision": refused["current_revision"]})
        check(recovered["merged"] is False, "the recovery claimed a merge")

        # 10. The plan's context: the linked notes, within a budget.
        if style == "classic":
            _, ctx = await a.call("read_note", {"path": plan})
            for linked in ctx["links_to"] + ctx.get("linked_from", []):
                await a.call("read_note", {"path": linked})
        else:
            text, ctx = await a.call("build_context", {"path": plan, "max_bytes": CONTEXT_BUDGET})
            related = {r["path"] for r in ctx["related"]}
            want = {f"{folder}/{n}" for n in ("Budget", "Packing", "Itinerary", "People")}
            check(want <= related, f"context missed {want - related}: {text[:800]}")
            size = len(json.dumps(ctx, separators=(",", ":")).encode())
            check(size <= CONTEXT_BUDGET and len(text.encode()) <= CONTEXT_BUDGET, f"{size} bytes")
            check("July 3 to July 9" in ctx["content"], "context shows a stale plan")

        check(not a.merged_claims and not b.merged_claims,
              f"false merge claims: {a.merged_claims + b.merged_claims}")
        a.calls += b.calls
        a.bytes_in += b.bytes_in
        a.bytes_out += b.bytes_out
        a.text_out += b.text_out
        return a


async def tools_list_bytes(server, token: str) -> int:
    async with connect(server, "notes", token) as client:
        listed = await client.list_tools()
        return len(json.dumps([t.model_dump(by_alias=True, exclude_none=True) for t in listed.tools],
                              separators=(",", ":")).encode())


async def compare(server, token: str) -> dict[str, Meter]:
    """Runs the task both ways and prints calls and bytes."""
    results = {}
    for folder, style in [("TripA", "classic"), ("TripB", "current")]:
        began = time.monotonic()
        meter = await run_task(server, token, folder, style)
        results[style] = meter
        print(f"  {style:8} {meter.calls:3} calls, {meter.bytes_in:6} bytes in, "
              f"{meter.bytes_out:7} bytes out ({meter.text_out} of text), {time.monotonic() - began:.2f} s")
    print(f"  tools/list: {await tools_list_bytes(server, token)} bytes of tools")
    return results
