"""Authentication: argon2 passwords, lockout, TOTP, sessions and scoped API tokens."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import orjson
import pyotp
import pytest
from sqlalchemy import select

from nexus.model.labels import Classification
from nexus.security import audit, auth, recent, sessions, tokens, users
from nexus.security.policy import AccessDenied
from nexus.security.viewer import Viewer
from nexus.service.search import search
from nexus.store import Store
from nexus.store.db import make_engine
from nexus.store.schema import api_tokens, users as users_table

PASSWORD = "correct horse battery"
OVERSIGHT = Viewer("ombud", "OVERSIGHT", frozenset({"oversight"}), Classification.TOP_SECRET)


@pytest.fixture
def alice(store):
    users.create_user(store, "alice", "POLICE", ["analyst"], Classification.SECRET, ["OP-1"], auth.hash_password(PASSWORD))
    return store


def logins(store) -> list[tuple[str, str]]:
    return [(r["username"], r["outcome"]) for r in audit.search_audit(store, OVERSIGHT, action="login")]


def test_passwords_are_stored_as_argon2_hashes(alice):
    with alice.engine.connect() as conn:
        stored = conn.execute(select(users_table.c.password_hash).where(users_table.c.username == "alice")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(ValueError, match="at least"):
        auth.hash_password("short")


def test_login_succeeds_and_every_attempt_is_audited(alice):
    assert auth.authenticate(alice, "alice", PASSWORD) == "alice"
    for username, password in (("alice", "wrong password"), ("mallory", PASSWORD)):
        with pytest.raises(auth.AuthenticationFailed, match="invalid username or password"):
            auth.authenticate(alice, username, password)
    assert logins(alice) == [("alice", "ok"), ("alice", "denied"), ("mallory", "denied")]


def test_five_failures_lock_the_account_for_fifteen_minutes(alice):
    now = datetime.now(UTC)
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.AuthenticationFailed):
            auth.authenticate(alice, "alice", "not the password", now=now)
    with pytest.raises(auth.AuthenticationFailed, match="invalid username or password"):  # says no more
        auth.authenticate(alice, "alice", PASSWORD, now=now + timedelta(minutes=14))
    assert auth.authenticate(alice, "alice", PASSWORD, now=now + timedelta(minutes=16)) == "alice"
    assert users.get_user(alice, "alice")["failed_logins"] == 0


def test_parallel_guesses_all_count_towards_the_lock(alice):
    def guess(_):
        with pytest.raises(auth.AuthenticationFailed):
            auth.authenticate(alice, "alice", "not the password")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(guess, range(2 * auth.MAX_FAILURES)))
    with pytest.raises(auth.AuthenticationFailed):
        auth.authenticate(alice, "alice", PASSWORD)
    assert orjson.loads(audit.search_audit(alice, OVERSIGHT, action="login")[-1]["query"])["reason"] == "locked"


def test_totp_second_factor(alice):
    uri = auth.enrol_totp(alice, "alice")
    assert uri.startswith("otpauth://totp/") and "issuer=Nexus" in uri
    code = pyotp.parse_uri(uri).now()
    with pytest.raises(auth.AuthenticationFailed, match="one-time code"):
        auth.authenticate(alice, "alice", PASSWORD)
    with pytest.raises(auth.AuthenticationFailed, match="invalid one-time code"):
        auth.authenticate(alice, "alice", PASSWORD, code=f"{(int(code) + 1) % 1_000_000:06d}")
    assert auth.authenticate(alice, "alice", PASSWORD, code=code) == "alice"
    with pytest.raises(auth.AuthenticationFailed, match="used already"):  # a code overheard is good for nothing
        auth.authenticate(alice, "alice", PASSWORD, code=code)


def test_sessions_expire_and_close(alice, tmp_path):
    token, _ = sessions.open_session(alice, "alice")
    assert sessions.session_user(alice, token) == "alice"
    sessions.close_session(alice, token)
    with pytest.raises(auth.AuthenticationFailed, match="expired or was closed"):
        sessions.session_user(alice, token)
    stale, _ = sessions.open_session(alice, "alice", lifetime=timedelta(seconds=-1))
    with pytest.raises(auth.AuthenticationFailed):
        sessions.session_user(alice, stale)
    path = sessions.save_token(tmp_path, token)
    assert path.stat().st_mode & 0o777 == 0o600 and sessions.load_token(tmp_path) == token
    path.chmod(0o644)
    with pytest.raises(auth.AuthenticationFailed, match="readable by others"):
        sessions.load_token(tmp_path)


def test_tokens_are_hashed_scoped_and_audited(alice):
    me = users.viewer_for(alice, "alice")
    token = tokens.create_token(alice, me, "alice", frozenset({"read"}))
    with alice.engine.connect() as conn:
        stored = conn.execute(select(api_tokens)).mappings().one()
    assert token.split("_", 2)[2] not in str(dict(stored))
    program = tokens.viewer_for_token(alice, token, purpose="batch")
    assert program.scopes == frozenset({"read"}) and program.compartments == frozenset({"OP-1"})
    with pytest.raises(AccessDenied, match="not scoped for search"):
        search(alice, program, "anything")
    uses = audit.search_audit(alice, OVERSIGHT, action="auth.token")
    assert [(r["username"], r["outcome"], orjson.loads(r["query"])["token"]) for r in uses] == [("alice", "ok", stored["id"])]


def test_a_token_never_widens_its_users_roles(alice):
    me = users.viewer_for(alice, "alice")
    with pytest.raises(AccessDenied, match="cannot widen"):
        tokens.create_token(alice, me, "alice", frozenset({"read", "users.manage"}))
    token = tokens.create_token(alice, me, "alice", frozenset({"read", "export"}))
    users.update_user(alice, "alice", roles="targeter")  # roles narrowed after the token was made
    assert tokens.viewer_for_token(alice, token).scopes == frozenset({"read"})
    with pytest.raises(AccessDenied, match="cannot create tokens"):
        tokens.create_token(alice, tokens.viewer_for_token(alice, token), "alice", frozenset({"read"}))


def test_revoked_expired_forged_and_disabled_tokens_are_refused_and_audited(alice):
    me = users.viewer_for(alice, "alice")
    revoked = tokens.create_token(alice, me, "alice", frozenset({"read"}))
    tokens.revoke_token(alice, me, revoked.split("_")[1])
    with alice.engine.begin() as conn:
        conn.execute(api_tokens.update().values(expires_at="2000-01-01T00:00:00.000000").where(api_tokens.c.revoked_at.is_(None)))
    expired = tokens.create_token(alice, me, "alice", frozenset({"read"}), expires_days=None)
    with alice.engine.begin() as conn:
        conn.execute(api_tokens.update().values(expires_at="2000-01-01T00:00:00.000000")
                     .where(api_tokens.c.id == expired.split("_")[1]))
    forged = revoked[:-4] + "AAAA"
    disabled = tokens.create_token(alice, me, "alice", frozenset({"read"}))
    users.update_user(alice, "alice", disabled=True)
    for token in (revoked, expired, forged, disabled, "garbage"):
        with pytest.raises(auth.AuthenticationFailed, match="invalid, expired or revoked"):
            tokens.viewer_for_token(alice, token)
    refusals = [orjson.loads(r["query"])["reason"] for r in audit.search_audit(alice, OVERSIGHT, action="auth.token")]
    assert refusals == ["revoked", "expired", "unknown token or wrong secret", "user disabled or removed",
                        "unknown token or wrong secret"]


def test_a_one_time_code_that_is_not_six_digits_is_a_wrong_code(alice):
    auth.enrol_totp(alice, "alice")
    for code in ("１２３４５６", "12345é", "1234567"):
        with pytest.raises(auth.AuthenticationFailed, match="invalid one-time code"):
            auth.authenticate(alice, "alice", PASSWORD, code=code)
    assert users.get_user(alice, "alice")["failed_logins"] == 3  # each counts towards the lock


def test_a_token_change_made_elsewhere_takes_effect_within_a_second_and_one_made_here_at_once(alice, monkeypatch):
    """A server trusts a token's rows for `recent.RECHECK` seconds: a token revoked by another process (here
    another engine on the same database) still works until then, and is refused after; a user disabled through
    this one is refused at once."""
    monkeypatch.setattr(recent, "RECHECK", 2.0)  # long enough for a revocation elsewhere on a loaded machine
    me = users.viewer_for(alice, "alice")
    token = tokens.create_token(alice, me, "alice", frozenset({"read"}))
    assert tokens.viewer_for_token(alice, token).user == "alice"
    assert tokens.viewer_for_token(alice, token, memory_only=True).user == "alice"  # answered without a read
    elsewhere = Store(make_engine(alice.engine.url.render_as_string(hide_password=False)))
    try:
        tokens.revoke_token(elsewhere, users.viewer_for(elsewhere, "alice"), token.split("_")[1])
    finally:
        elsewhere.close()
    assert tokens.viewer_for_token(alice, token).user == "alice"  # read less than RECHECK seconds ago
    time.sleep(2.05)
    assert tokens.viewer_for_token(alice, token, memory_only=True) is None  # the next check reads again
    with pytest.raises(auth.AuthenticationFailed):
        tokens.viewer_for_token(alice, token)

    other = tokens.create_token(alice, me, "alice", frozenset({"read"}))
    assert tokens.viewer_for_token(alice, other).user == "alice"
    users.update_user(alice, "alice", disabled=True)
    with pytest.raises(auth.AuthenticationFailed):
        tokens.viewer_for_token(alice, other)
    reasons = [orjson.loads(r["query"]).get("reason") for r in audit.search_audit(alice, OVERSIGHT, action="auth.token")]
    assert reasons == [None, None, None, "revoked", None, "user disabled or removed"]  # every use and refusal recorded


def test_a_token_read_under_way_when_a_change_is_made_here_is_not_kept(alice):
    me = users.viewer_for(alice, "alice")
    token_id = tokens.create_token(alice, me, "alice", frozenset({"read"})).split("_")[1]
    rows = ({"id": token_id}, None)

    def read_while_revoked():  # the revocation lands between the read and its being kept
        recent.forget(alice.engine)
        return rows

    assert recent.token_rows(alice.engine, token_id, read_while_revoked) == rows
    assert recent.token_rows(alice.engine, token_id, None) is None
    assert recent.token_rows(alice.engine, token_id, lambda: rows) == rows
    assert recent.token_rows(alice.engine, token_id, None) == rows
