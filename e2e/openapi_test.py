"""Validates the REST API's OpenAPI document, served by the real binary, against the OpenAPI 3.1
specification (openapi-spec-validator), and checks that every documented path answers something
other than 404 `unknown_endpoint`."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

from openapi_spec_validator import validate

from robot_server import Server


def fetch(server: Server, path: str, token: str) -> tuple[int, bytes]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}",
        headers={"Host": server.host("notes"), "Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def main() -> int:
    server = Server()
    try:
        server.cli("user", "add", "alice")
        server.cli("wiki", "create", "notes", "--owner", "alice")
        token = server.token("notes", "openapi")
        server.start()
        status, body = fetch(server, "/api/v1/openapi.json", token)
        assert status == 200, f"openapi.json answered {status}: {body[:300]!r}"
        spec = json.loads(body)
        validate(spec)
        assert spec["openapi"].startswith("3.1"), spec["openapi"]
        paths = list(spec["paths"])
        unknown = []
        for path in paths:
            concrete = path.replace("{path}", "Home").replace("{filename}", "missing.txt")
            status, body = fetch(server, "/api/v1" + concrete if not concrete.startswith("/api/v1") else concrete, token)
            if status == 404 and b"unknown_endpoint" in body:
                unknown.append(path)
        assert not unknown, f"documented but not served: {unknown}"
        print(f"ok   openapi document is valid OpenAPI {spec['openapi']} with {len(paths)} paths, all served")
        print("1 passed, 0 failed")
        return 0
    except AssertionError as err:
        print(f"FAIL {err}\n--- server log ---\n{server.log()}")
        print("0 passed, 1 failed")
        return 1
    finally:
        server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
