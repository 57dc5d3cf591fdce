"""A tiny HTTP client with a cookie jar for the management-page tests (no browser).

It speaks to a real ``gitprompts serve`` on 127.0.0.1; it keeps cookies as a
browser would (name=value, sent back on every request) and reads the CSRF
token out of the page, as a form would submit it.
"""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf" value="([^"]*)"')
NONCE = re.compile(r'name="nonce" value="([^"]*)"')


class Client:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        fields: dict[str, str | list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "Max-Age=0" in value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        all_headers = {k.lower(): v for k, v in response.getheaders()}
        all_headers["set-cookie"] = "\n".join(
            v for k, v in response.getheaders() if k.lower() == "set-cookie"
        )
        conn.close()
        return response.status, all_headers, text

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def post(
        self, path: str, fields: dict[str, str | list[str]], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        return self.request("POST", path, fields, headers)

    def sign_in(
        self, token: str, name: str = "Ada Lovelace", email: str = "ada@example.com"
    ) -> int:
        _, _, page = self.get("/signin")
        nonce = NONCE.search(page)
        assert nonce is not None, page
        status, _, _ = self.post(
            "/signin", {"nonce": nonce.group(1), "token": token, "name": name, "email": email}
        )
        return status

    def csrf(self, path: str = "/") -> str:
        _, _, page = self.get(path)
        found = CSRF.search(page)
        assert found is not None, page[:2000]
        return found.group(1)
