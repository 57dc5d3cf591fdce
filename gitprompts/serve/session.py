"""Signed-in people: a signed session cookie and the CSRF token that goes with it.

Signing in takes the server's push token (the one secret a served registry
has) plus a name and an email, which become the author of every commit the
person makes through the UI. The cookie holds them, an id and an expiry,
signed with HMAC-SHA256 under a key drawn at start-up: nothing is stored on
disk, and a restart signs everyone out. The cookie is ``HttpOnly`` (no
script reads it) and ``SameSite=Strict`` (no other site's page sends it);
every POST must also carry the CSRF token, an HMAC of the session id, so a
request forged from elsewhere is refused even by a browser that ignores
SameSite. Signing out remembers the id until the cookie would have expired.

>>> sessions = Sessions(["s3cret"], key=b"k" * 32, now=lambda: 1000.0)
>>> cookie = sessions.sign_in("s3cret", "Ada", "ada@example.com")
>>> person = sessions.read(cookie)
>>> person.name, person.email, sessions.csrf_ok(person, person.csrf)
('Ada', 'ada@example.com', True)
>>> sessions.sign_in("wrong", "Ada", "ada@example.com") is None
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gitprompts.errors import InvalidInputError

COOKIE = "gitprompts_session"
SIGNIN_COOKIE = "gitprompts_signin"  # the sign-in form's own CSRF token (no session yet)
LIFETIME = 8 * 3600  # a working day; then sign in again
MAX_COOKIE = 4096  # browsers keep at most ~4 KB per cookie; anything longer is not ours
MAX_IDENTITY = 200  # bytes of a name or an email
_SIGNED_OUT_KEPT = 10_000  # ids remembered as signed out (each until it would expire)
# What git refuses (or mangles) in an author name or email.
_FORBIDDEN = {"<": "'<'", ">": "'>'", "\n": "a newline", "\r": "a carriage return", "\0": "NUL"}


@dataclass(frozen=True)
class Person:
    """Someone signed in: who commits, until when, and the CSRF token of their forms."""

    name: str
    email: str
    expires: int
    sid: str
    csrf: str


def check_identity(name: str, email: str) -> tuple[str, str]:
    """``name`` and ``email`` stripped, or ``InvalidInputError`` saying what git would accept.

    >>> check_identity(" Ada ", "ada@example.com")
    ('Ada', 'ada@example.com')
    >>> check_identity("Ada <x>", "a@b")
    Traceback (most recent call last):
    gitprompts.errors.InvalidInputError: name 'Ada <x>' cannot be a git author: it contains '<'
    """
    name, email = name.strip(), email.strip()
    for label, value in (("name", name), ("email", email)):
        if not value:
            raise InvalidInputError(f"{label} is empty: give the {label} your commits will carry")
        if len(value.encode()) > MAX_IDENTITY:
            raise InvalidInputError(f"{label} is longer than {MAX_IDENTITY} bytes")
        for char, shown in _FORBIDDEN.items():
            if char in value:
                raise InvalidInputError(
                    f"{label} {value!r} cannot be a git author: it contains {shown}"
                )
    if "@" not in email:
        raise InvalidInputError(f"email {email!r} has no '@'")
    return name, email


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Issues and checks session cookies for a server whose token is one of ``tokens``.

    ``key`` signs the cookies (random per server unless given); ``now`` is the clock.
    """

    def __init__(
        self,
        tokens: Sequence[str],
        *,
        key: bytes | None = None,
        lifetime: int = LIFETIME,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.tokens = [t for t in tokens if t]
        self.key = key if key is not None else secrets.token_bytes(32)
        self.lifetime = lifetime
        self.now = now
        self._signed_out: dict[str, int] = {}
        self._lock = threading.Lock()

    def _mac(self, purpose: str, data: str) -> str:
        digest = hmac.new(self.key, f"{purpose}\0{data}".encode(), hashlib.sha256).digest()
        return _b64(digest)

    def token_ok(self, token: str) -> bool:
        """Whether ``token`` is the server's (constant-time; no token configured: never)."""
        found = False
        for known in self.tokens:
            found |= hmac.compare_digest(token.encode(), known.encode())
        return found and bool(token)

    def sign_in(self, token: str, name: str, email: str) -> str | None:
        """The cookie value for a person who gave the right ``token``; None otherwise.

        ``name``/``email`` must be a valid git identity (``check_identity``).
        """
        if not self.token_ok(token):
            return None
        name, email = check_identity(name, email)
        payload = {
            "n": name,
            "e": email,
            "x": int(self.now()) + self.lifetime,
            "i": secrets.token_urlsafe(16),
        }
        body = _b64(json.dumps(payload, ensure_ascii=False).encode())
        return f"{body}.{self._mac('session', body)}"

    def read(self, cookie: str | None) -> Person | None:
        """The person a cookie names, if it is ours, unexpired and not signed out."""
        if not cookie or len(cookie) > MAX_COOKIE or cookie.count(".") != 1:
            return None
        body, mac = cookie.split(".")
        if not hmac.compare_digest(mac.encode(), self._mac("session", body).encode()):
            return None
        try:
            payload = json.loads(_unb64(body))
            name, email = str(payload["n"]), str(payload["e"])
            expires, sid = int(payload["x"]), str(payload["i"])
        except (binascii.Error, ValueError, KeyError, TypeError):
            return None
        if expires <= self.now():
            return None
        with self._lock:
            if sid in self._signed_out:
                return None
        return Person(name, email, expires, sid, self._mac("csrf", sid))

    def csrf_ok(self, person: Person, given: str) -> bool:
        """Whether a form's CSRF token is this session's."""
        return bool(given) and hmac.compare_digest(given.encode(), person.csrf.encode())

    def sign_out(self, person: Person) -> None:
        """Refuse this session's cookie from now on (a copy kept elsewhere included)."""
        now = self.now()
        with self._lock:
            self._signed_out = {s: x for s, x in self._signed_out.items() if x > now}
            if len(self._signed_out) >= _SIGNED_OUT_KEPT:
                # Bounded memory: forget the soonest-expiring entries first.
                kept = sorted(self._signed_out.items(), key=lambda item: item[1])
                self._signed_out = dict(kept[len(kept) // 2 :])
            self._signed_out[person.sid] = person.expires

    def cookie_header(self, value: str, max_age: int | None = None) -> tuple[str, str]:
        """The ``Set-Cookie`` header for a session cookie (``""`` with max_age 0 clears it)."""
        age = self.lifetime if max_age is None else max_age
        return (
            "Set-Cookie",
            f"{COOKIE}={value}; Path=/; Max-Age={age}; HttpOnly; SameSite=Strict",
        )


def signin_nonce() -> str:
    """A fresh token for the sign-in form, also set as ``SIGNIN_COOKIE`` (double submit).

    >>> len(signin_nonce()) > 20
    True
    """
    return secrets.token_urlsafe(24)
