"""Sign-in core: password hashes, tokens, throttling, the serve check, the passwd command."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from segdash import auth
from segdash.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGDASH_HOME", str(tmp_path / "home"))
    for name in ("SEGDASH_PASSWORD_HASH", "SEGDASH_PASSWORDS", "SEGDASH_ALLOW_OPEN", "SEGDASH_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.chdir(tmp_path)


def test_hash_is_salted_scrypt_and_verifies() -> None:
    salt = bytes(range(16))
    stored = auth.hash_password("correct horse", salt=salt)
    scheme, n, r, p, _salt, digest = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", auth.SCRYPT_N, 8, 1)
    expected = hashlib.scrypt(b"correct horse", salt=salt, n=auth.SCRYPT_N, r=8, p=1, dklen=32)
    assert auth._unb64(digest) == expected
    assert auth.verify_password("correct horse", stored)
    assert not auth.verify_password("correct horsf", stored)
    assert auth.hash_password("correct horse") != auth.hash_password("correct horse")  # per-hash salt
    assert not auth.verify_password("anything", None)
    assert not auth.verify_password("anything", "garbage")
    with pytest.raises(auth.AuthError, match="at least 8"):
        auth.hash_password("short")


def test_users_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = auth.hash_password("alice-password")
    monkeypatch.setenv("SEGDASH_PASSWORD_HASH", alice)
    assert auth.load_users() == {"admin": alice}
    path = auth.set_password("bob", "bob-password")
    assert path == tmp_path / "home" / "segdash-passwords"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    auth.set_password("bob", "bob-password-2")  # replaces his line
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bob:scrypt$")
    users = auth.load_users()
    assert set(users) == {"admin", "bob"}
    assert auth.verify_password("bob-password-2", users["bob"])
    with pytest.raises(auth.AuthError, match="cannot be a user name"):
        auth.set_password("../evil", "password1")


def test_wrong_then_right_password_and_throttle() -> None:
    clock = [1000.0]
    gate = auth.Throttle(clock=lambda: clock[0])
    users = {"ann": auth.hash_password("ann-password")}
    for _ in range(auth.FREE_FAILURES - 1):
        with pytest.raises(auth.AuthError, match=r"do not match\.$"):
            auth.check_password_signin("ann", "nope-nope", client="1.2.3.4", throttle=gate, users=users)
    with pytest.raises(auth.AuthError, match=r"do not match\.$"):
        auth.check_password_signin("ann", "nope-nope", client="1.2.3.4", throttle=gate, users=users)
    with pytest.raises(auth.AuthError, match="Try again in 2 seconds"):  # 4th failure: 2 s
        auth.check_password_signin("ann", "nope-nope", client="1.2.3.4", throttle=gate, users=users)
    # locked: even the right password is refused without being checked, and the wait is named
    with pytest.raises(auth.AuthError, match="Too many wrong passwords. Try again in 2 seconds"):
        auth.check_password_signin("ann", "ann-password", client="1.2.3.4", throttle=gate, users=users)
    # the lock is per user as well as per client
    with pytest.raises(auth.AuthError, match="Too many"):
        auth.check_password_signin("ann", "ann-password", client="5.6.7.8", throttle=gate, users=users)
    clock[0] += 2.5
    with pytest.raises(auth.AuthError, match="Try again in 4 seconds"):  # the wait doubles
        auth.check_password_signin("ann", "wrong-again", client="1.2.3.4", throttle=gate, users=users)
    clock[0] += 4.5
    assert auth.check_password_signin("ann", "ann-password", client="1.2.3.4", throttle=gate, users=users) == "ann"
    assert gate.wait_seconds(user="ann", client="1.2.3.4") == 0
    # an unknown user gets the same sentence as a wrong password
    with pytest.raises(auth.AuthError, match="^That user name and password do not match.$"):
        auth.check_password_signin("nobody", "whatever1", client="9.9.9.9", throttle=gate, users=users)


def test_wait_is_capped() -> None:
    clock = [0.0]
    gate = auth.Throttle(clock=lambda: clock[0])
    for _ in range(40):
        wait = gate.failed(user="x", client="c")
    assert wait == auth.MAX_WAIT
    assert auth.describe_wait(auth.MAX_WAIT) == "15 minutes"


def test_token_roundtrip_expiry_forgery_and_password_change(tmp_path: Path) -> None:
    secret = auth.server_secret()
    assert secret == auth.server_secret() and len(secret) == 32
    assert oct((tmp_path / "home" / "auth-secret").stat().st_mode & 0o777) == "0o600"
    users = {"ann": auth.hash_password("ann-password")}
    token = auth.make_token("ann", stored_hash=users["ann"], secret=secret, hours=1, now=1000)
    assert auth.read_token(token, users=users, secret=secret, now=1000 + 3599) == "ann"
    assert auth.read_token(token, users=users, secret=secret, now=1000 + 3600) is None  # expired
    assert auth.read_token(token, users=users, secret=b"x" * 32, now=1001) is None  # other server
    payload, signature = token.split(".")
    forged_payload = auth._b64(b'{"u":"bob","iat":1000,"exp":99999999999,"pw":"x"}')
    assert auth.read_token(f"{forged_payload}.{signature}", users=users, secret=secret, now=1001) is None
    assert auth.read_token("", users=users, secret=secret) is None
    assert auth.read_token("no-dot", users=users, secret=secret) is None
    changed = {"ann": auth.hash_password("new-password")}
    assert auth.read_token(token, users=changed, secret=secret, now=1001) is None  # password changed
    assert auth.read_token(token, users={}, secret=secret, now=1001) is None  # user removed


def test_serve_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "no sign-in needed" in auth.serve_check("127.0.0.1")
    assert "no sign-in needed" in auth.serve_check("localhost")
    assert "no sign-in needed" in auth.serve_check("::1")
    with pytest.raises(auth.ServeRefused, match="segdash passwd YOUR_NAME.*SEGDASH_ALLOW_OPEN=1"):
        auth.serve_check("0.0.0.0")
    monkeypatch.setenv("SEGDASH_ALLOW_OPEN", "1")
    assert "WITHOUT sign-in" in auth.serve_check("0.0.0.0")
    monkeypatch.delenv("SEGDASH_ALLOW_OPEN")
    auth.set_password("ann", "ann-password")
    assert "password sign-in" in auth.serve_check("0.0.0.0")
    (tmp_path / "home" / "segdash-passwords").unlink()
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "http://x/oauth2callback"\n')
    assert auth.mode() == "oidc"
    assert "OpenID Connect" in auth.serve_check("0.0.0.0")


def test_cli_serve_check_refuses_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve-check", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("segdash: segdash will not serve on 0.0.0.0 without sign-in") and err.count("\n") == 1
    assert main(["serve-check", "--host", "127.0.0.1"]) == 0


def test_make_run_refuses_open_host(tmp_path: Path) -> None:
    """The Makefile's run target calls the check before starting Streamlit (dry run: the commands it would run)."""
    out = subprocess.run(["make", "-n", "-C", str(REPO), "run", "HOST=0.0.0.0"], capture_output=True, text=True,
                         check=True).stdout
    check_line = out.index("serve-check --host 0.0.0.0")
    assert check_line < out.index("streamlit run")


def test_cli_passwd_reads_stdin(tmp_path: Path) -> None:
    env = {**os.environ, "SEGDASH_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "segdash", "passwd", "carol"], input="carol-password\n",
                          capture_output=True, text=True, cwd=REPO, env=env)
    assert done.returncode == 0, done.stderr
    assert "carol-password" not in done.stdout + done.stderr
    users = auth.parse_users((tmp_path / "home" / "segdash-passwords").read_text())
    assert auth.verify_password("carol-password", users["carol"])
    short = subprocess.run([sys.executable, "-m", "segdash", "passwd", "carol"], input="short\n",
                           capture_output=True, text=True, cwd=REPO, env=env)
    assert short.returncode == 2 and "at least 8" in short.stderr


def test_cli_acts_as_named_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    from segdash.store import Store

    store = Store()
    store.create_project("Ann's plan", owner="ann")
    store.create_project("Bob's plan", owner="bob").share(["ann"])
    store.create_project("Bob only", owner="bob")
    auth.set_password("ann", "ann-password")
    assert main(["projects"]) == 2
    assert "--user NAME" in capsys.readouterr().err
    assert main(["--user", "ann", "projects"]) == 0
    shown = capsys.readouterr().out
    assert "Ann's plan" in shown and "Bob's plan" in shown and "Bob only" not in shown
    monkeypatch.setenv("SEGDASH_USER", "bob")
    assert main(["projects"]) == 0
    shown = capsys.readouterr().out
    assert "Ann's plan" not in shown and "Bob only" in shown


def test_cli_share_by_the_owner_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from segdash.store import Store

    store = Store()
    store.create_project("Plan", owner="ann")
    auth.set_password("ann", "ann-password")
    assert main(["--user", "bob", "projects"]) == 0
    assert "Plan" not in capsys.readouterr().out
    assert main(["--user", "bob", "share", "--in", "Plan", "bob"]) == 2  # bob cannot even see it
    assert "no project called 'Plan'" in capsys.readouterr().err
    assert main(["--user", "ann", "share", "--in", "Plan", "bob"]) == 0
    assert "may be opened by ann, bob" in capsys.readouterr().out
    assert main(["--user", "bob", "projects"]) == 0
    assert "Plan" in capsys.readouterr().out
    assert main(["--user", "bob", "share", "--in", "Plan", "mallory"]) == 2
    assert "Only ann, who owns 'Plan'" in capsys.readouterr().err
