"""Sign-in for a shared server: password hashes, signed session tokens, throttling, serve check.

Nothing here imports Streamlit (the sign-in page is :mod:`segdash.ui.auth`).

How sign-in is chosen, in order:

1. ``[auth]`` in ``.streamlit/secrets.toml``: Streamlit's own OpenID Connect sign-in (``st.login``).
2. ``SEGDASH_PASSWORD_HASH`` or a ``segdash-passwords`` file (``SEGDASH_PASSWORDS``, default
   ``SEGDASH_HOME/segdash-passwords``): the built-in password sign-in. One user per line,
   ``user:scrypt$<n>$<r>$<p>$<salt>$<hash>`` (salt and hash in URL-safe base64). Written by
   ``python -m segdash passwd USER``.
3. Neither: no sign-in. Fine on localhost; serving beyond it refuses to start
   (:func:`serve_check`) unless ``SEGDASH_ALLOW_OPEN=1``.

A signed-in browser keeps a cookie holding ``<payload>.<signature>``: the payload names the user,
when the token was issued and when it expires, and a fingerprint of the user's password hash
(a changed password ends every earlier sign-in). The signature is an HMAC-SHA256 with a server
secret kept in ``SEGDASH_HOME/auth-secret`` (created on first use, mode 0600).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import ipaddress
import json
import math
import os
import re
import secrets
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from segdash.errors import SegdashError

#: The sign-in cookie's name.
COOKIE_NAME = "segdash_session"
#: scrypt cost (2**14 * 8 * 128 bytes = 16 MB of memory per check, ~50 ms).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_DKLEN = 32
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
#: Failed attempts allowed before any wait; then the wait doubles from 2 s up to :data:`MAX_WAIT`.
FREE_FAILURES = 3
#: Longest wait between tries after repeated failures (seconds).
MAX_WAIT = 15 * 60
#: User name of a bare ``SEGDASH_PASSWORD_HASH`` (a hash without ``user:``).
DEFAULT_USER = "admin"


class AuthError(SegdashError):
    """Sign-in is set up wrongly, or a sign-in attempt cannot be accepted."""


class ServeRefused(SegdashError):
    """Serving beyond localhost without sign-in."""


# -- settings -----------------------------------------------------------------------------------

def home() -> Path:
    """``SEGDASH_HOME`` (the project store's folder)."""
    from segdash.store import default_home

    return default_home()


def passwords_path() -> Path:
    """The password file: ``SEGDASH_PASSWORDS`` or ``SEGDASH_HOME/segdash-passwords``."""
    configured = os.environ.get("SEGDASH_PASSWORDS")
    return Path(configured).expanduser() if configured else home() / "segdash-passwords"


def signin_hours() -> float:
    """How long a sign-in lasts (``SEGDASH_SIGNIN_HOURS``, default 12)."""
    return _positive_float("SEGDASH_SIGNIN_HOURS", 12.0)


def _positive_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise AuthError(f"{name}={raw!r} is not a number; set it to a number such as {default:g}.") from None
    if not value > 0 or math.isinf(value):
        raise AuthError(f"{name}={raw!r} must be a positive number, such as {default:g}.")
    return value


def secrets_files(*, cwd: Path | None = None) -> list[Path]:
    """Where Streamlit looks for ``secrets.toml`` (user-wide, then the app's folder)."""
    here = cwd or Path.cwd()
    return [Path.home() / ".streamlit" / "secrets.toml", here / ".streamlit" / "secrets.toml"]


def oidc_configured(*, cwd: Path | None = None) -> bool:
    """Whether an ``[auth]`` section is in one of Streamlit's ``secrets.toml`` files."""
    for path in secrets_files(cwd=cwd):
        with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
            if isinstance(tomllib.loads(path.read_text(encoding="utf-8")).get("auth"), dict):
                return True
    return False


def mode(*, cwd: Path | None = None) -> str:
    """The sign-in in force: ``"oidc"``, ``"password"`` or ``"none"``."""
    if oidc_configured(cwd=cwd):
        return "oidc"
    if load_users():
        return "password"
    return "none"


# -- password hashes ------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_user_name(user: str) -> str:
    """``user`` if it is a valid user name (letters, digits, ``. _ @ + -``; up to 64), else :class:`AuthError`."""
    name = str(user or "").strip()
    if not _USER.match(name):
        raise AuthError(f"'{user}' cannot be a user name: use letters, digits and . _ @ + - (up to 64 characters, "
                        "starting with a letter or digit).")
    return name


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash of ``password``: ``scrypt$n$r$p$salt$hash``.

    Parameters
    ----------
    password
        The password (at least 8 characters).
    salt
        16 random bytes by default (pass one only in tests).

    Returns
    -------
    str

    Raises
    ------
    AuthError
        The password is shorter than 8 characters.
    """
    if len(password) < 8:
        raise AuthError("Choose a password of at least 8 characters.")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=_DKLEN, maxmem=64 * 1024 * 1024)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


_DUMMY_HASH: str | None = None


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches the ``stored`` hash (constant-time compare).

    An unknown user (``stored`` is ``None``) is checked against a dummy hash, so the answer
    takes as long as for a real user.
    """
    global _DUMMY_HASH
    if stored is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
        verify_password(password, _DUMMY_HASH)
        return False
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        n_, r_, p_ = int(n), int(r), int(p)
        if n_ > 2**20 or r_ > 32 or p_ > 16:  # a forged line must not make us burn memory
            return False
        digest = hashlib.scrypt(password.encode("utf-8"), salt=_unb64(salt), n=n_, r=r_, p=p_,
                                dklen=len(_unb64(expected)), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, _unb64(expected))


def parse_users(text: str, *, bare_user: str = DEFAULT_USER) -> dict[str, str]:
    """``user -> hash`` from password-file text (``#`` comments and blank lines skipped).

    A line (or a ``;``-separated entry) without ``user:`` belongs to ``bare_user``.
    """
    users: dict[str, str] = {}
    for raw in re.split(r"[\n;]", text):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, stored = line.rpartition(":")
        users[user.strip() if sep else bare_user] = stored.strip()
    return users


def load_users() -> dict[str, str]:
    """Every user that may sign in: ``SEGDASH_PASSWORD_HASH`` entries, then the password file's lines."""
    users = parse_users(os.environ.get("SEGDASH_PASSWORD_HASH", ""))
    path = passwords_path()
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        users.update(parse_users(path.read_text(encoding="utf-8")))
    return users


def set_password(user: str, password: str, *, path: Path | None = None) -> Path:
    """Write (or replace) ``user``'s line in the password file, atomically, mode 0600.

    Returns
    -------
    pathlib.Path
        The password file.
    """
    from segdash.store import write_bytes_atomic

    name = check_user_name(user)
    target = path or passwords_path()
    line = f"{name}:{hash_password(password)}"
    kept = []
    with contextlib.suppress(FileNotFoundError):
        for existing in target.read_text(encoding="utf-8").splitlines():
            if existing.split(":", 1)[0].strip() != name:
                kept.append(existing)
    write_bytes_atomic(target, ("\n".join([*kept, line]) + "\n").encode("utf-8"))
    os.chmod(target, 0o600)
    return target


# -- signed session tokens ------------------------------------------------------------------------

def server_secret(*, folder: Path | None = None) -> bytes:
    """The server's signing secret (``SEGDASH_HOME/auth-secret``), created once with mode 0600."""
    path = (folder or home()) / "auth-secret"
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def _fingerprint(stored_hash: str) -> str:
    return hashlib.sha256(stored_hash.encode("utf-8")).hexdigest()[:16]


def make_token(user: str, *, stored_hash: str, secret: bytes, hours: float, now: float | None = None) -> str:
    """A signed session token for ``user`` that expires after ``hours``."""
    issued = int(now if now is not None else time.time())
    payload = _b64(json.dumps({"u": user, "iat": issued, "exp": issued + int(hours * 3600),
                               "pw": _fingerprint(stored_hash)}, separators=(",", ":")).encode())
    signature = hmac.new(secret, payload.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{payload}.{signature}"


def read_token(token: str | None, *, users: dict[str, str], secret: bytes, now: float | None = None) -> str | None:
    """The user a token signs in, or ``None`` (missing, forged, expired, or the password changed since)."""
    if not token or "." not in token or len(token) > 1024:
        return None
    payload, _, signature = token.rpartition(".")
    expected = hmac.new(secret, payload.encode("ascii", "replace"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature.encode("ascii", "replace"), expected.encode("ascii")):
        return None
    try:
        claims = json.loads(_unb64(payload))
        user, expires, pw = str(claims["u"]), float(claims["exp"]), str(claims["pw"])
    except (ValueError, KeyError, TypeError):
        return None
    if (now if now is not None else time.time()) >= expires:
        return None
    stored = users.get(user)
    if stored is None or not hmac.compare_digest(pw, _fingerprint(stored)):
        return None
    return user


# -- throttling failed attempts ------------------------------------------------------------------

@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class Throttle:
    """Failed sign-in attempts, per user and per client address: a growing wait, never a sleep.

    After :data:`FREE_FAILURES` failures, each further failure locks that user name and that
    client for 2, 4, 8, ... seconds (up to :data:`MAX_WAIT`). A locked try is refused with the time
    left, without checking the password. A success clears the user's and the client's count.
    One process-wide instance (:data:`THROTTLE`) serves every session; it holds no user data.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], _Failures] = {}

    def wait_seconds(self, *, user: str, client: str) -> float:
        """Seconds before ``user`` from ``client`` may try again (0: now)."""
        now = self._clock()
        with self._lock:
            waits = [f.locked_until - now for key in (("user", user), ("client", client))
                     if (f := self._failures.get(key)) is not None]
        return max([0.0, *waits])

    def failed(self, *, user: str, client: str) -> float:
        """Record a failure; returns the wait now imposed (seconds)."""
        now = self._clock()
        longest = 0.0
        with self._lock:
            if len(self._failures) > 100_000:  # bounded memory under a flood of made-up names
                self._failures.clear()
            for key in (("user", user), ("client", client)):
                entry = self._failures.setdefault(key, _Failures())
                entry.count += 1
                over = entry.count - FREE_FAILURES
                wait = 0.0 if over <= 0 else float(min(MAX_WAIT, 2 ** over))
                entry.locked_until = now + wait
                longest = max(longest, wait)
        return longest

    def succeeded(self, *, user: str, client: str) -> None:
        """Forget the failures of ``user`` and of ``client``."""
        with self._lock:
            self._failures.pop(("user", user), None)
            self._failures.pop(("client", client), None)


#: The process-wide throttle.
THROTTLE = Throttle()


def describe_wait(seconds: float) -> str:
    """``"12 seconds"`` / ``"3 minutes"``: a wait in plain words (rounded up)."""
    whole = max(1, math.ceil(seconds))
    if whole < 90:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(whole / 60)
    return f"{minutes} minutes"


def check_password_signin(user: str, password: str, *, client: str, throttle: Throttle | None = None,
                          users: dict[str, str] | None = None) -> str:
    """Check a sign-in attempt; the signed-in user name, or :class:`AuthError` with a plain sentence.

    Parameters
    ----------
    user, password
        What was typed.
    client
        The client's address (for throttling per client).
    throttle
        Defaults to the process-wide :data:`THROTTLE`.
    users
        ``user -> hash``; defaults to :func:`load_users`.

    Raises
    ------
    AuthError
        Wrong user or password (the same sentence for both), or too many failures: says how long to wait.
    """
    gate = throttle or THROTTLE
    name = str(user or "").strip()
    waiting = gate.wait_seconds(user=name, client=client)
    if waiting > 0:
        raise AuthError(f"Too many wrong passwords. Try again in {describe_wait(waiting)}.")
    known = users if users is not None else load_users()
    if verify_password(password or "", known.get(name)):
        gate.succeeded(user=name, client=client)
        return name
    wait = gate.failed(user=name, client=client)
    message = "That user name and password do not match."
    if wait > 0:
        message += f" Try again in {describe_wait(wait)}."
    raise AuthError(message)


# -- refusing to serve openly ---------------------------------------------------------------------

def is_local_address(host: str) -> bool:
    """Whether ``host`` only listens on this machine (``127.0.0.1``, ``::1``, ``localhost``)."""
    name = str(host or "").strip().strip("[]").lower()
    if name in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _truthy(value: str | None) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def serve_check(host: str, *, cwd: Path | None = None) -> str:
    """Whether the app may be served on ``host``; a one-line explanation, or :class:`ServeRefused`.

    Localhost needs no sign-in. Any other address needs OIDC (``[auth]`` in secrets.toml) or
    passwords, unless ``SEGDASH_ALLOW_OPEN=1`` says the owner wants it open.
    """
    how = mode(cwd=cwd)
    if how != "none":
        return f"Serving on {host} with {'OpenID Connect' if how == 'oidc' else 'password'} sign-in."
    if is_local_address(host):
        return f"Serving on {host} (this machine only): no sign-in needed."
    if _truthy(os.environ.get("SEGDASH_ALLOW_OPEN")):
        return f"Serving on {host} WITHOUT sign-in, because SEGDASH_ALLOW_OPEN=1: anyone who can reach it sees the data."
    raise ServeRefused(
        f"segdash will not serve on {host} without sign-in: anyone on the network could open your customers' data. "
        f"Set up sign-in with `python -m segdash passwd YOUR_NAME` (writes {passwords_path()}) or an [auth] "
        "section in .streamlit/secrets.toml, or start with SEGDASH_ALLOW_OPEN=1 to serve openly on purpose."
    )


def acting_user(explicit: str | None = None) -> str | None:
    """Who the command line acts as: ``--user``, else ``SEGDASH_USER``; ``None`` when sign-in is off.

    Raises
    ------
    AuthError
        Sign-in is set up but no user was named (the command line would otherwise see every project).
    """
    name = (explicit or os.environ.get("SEGDASH_USER") or "").strip()
    if name:
        return check_user_name(name)
    if mode() != "none":
        raise AuthError("Sign-in is set up on this server: say who you are with --user NAME or SEGDASH_USER=NAME.")
    return None


# -- who may open a project -------------------------------------------------------------------------

def may_open(meta: dict, user: str | None) -> bool:
    """Whether ``user`` may open a project with this ``project.json`` (``None``: sign-in is off, all).

    The owner, the users it is shared with, and everyone for a project without owner (made before
    sign-in was set up).
    """
    if user is None:
        return True
    owner = meta.get("owner")
    return owner in (None, user) or user in (meta.get("shared_with") or [])


def open_project_for(store: object, project_id: str, *, user: str | None) -> object:
    """``store.open_project(project_id)`` when ``user`` may open it; else the same sentence as a missing one.

    Raises
    ------
    segdash.store.StoreError
        No such project, or it is private to others (not told apart, so ids cannot be probed).
    """
    from segdash.store import StoreError

    project = store.open_project(project_id)
    if not may_open(project.meta(), user):
        raise StoreError("That project no longer exists (it may have been deleted). Choose another one.")
    return project
