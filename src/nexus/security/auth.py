"""Authenticating people: argon2 passwords, lockout after repeated failures, TOTP.

Every attempt, successful or not, is audited with its reason. An unknown user, a disabled one,
a locked one and a wrong password get the same answer, at the same cost, so the error does not
reveal which accounts exist; the trail (and `nexus users list`) says which it was.
"""

import hmac
import re
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, update

from nexus.errors import InvalidInput, Unauthenticated
from nexus.model.labels import Classification
from nexus.security import audit
from nexus.security.policy import AccessDenied
from nexus.security.users import get_user, update_user, viewer_for
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_stamp
from nexus.store.schema import users

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
ISSUER = "Nexus"

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("not a real password")


class AuthenticationFailed(Unauthenticated, AccessDenied):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


#: What unlocks an account: its count of failed sign-ins starts again.
UNLOCKED = {"failed_logins": 0, "locked_until": None}


def password_values(password: str) -> dict:
    """The account's values with this new password (checked, hashed): a new password also unlocks it."""
    return {"password_hash": hash_password(password), **UNLOCKED}


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(username: str, secret: str) -> str:
    """What an authenticator app reads (as a QR code) to make this account's one-time codes."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def set_password(store: Store, username: str, password: str) -> None:
    update_user(store, username, **password_values(password))


def enrol_totp(store: Store, username: str) -> str:
    """Give the user a new TOTP secret; returns the provisioning URI for an authenticator app."""
    secret = new_totp_secret()
    update_user(store, username, totp_secret=secret)
    return provisioning_uri(username, secret)


def principal(store: Store, username: str) -> Viewer:
    """Who an authentication event is about, for the audit record (even if unknown)."""
    try:
        return viewer_for(store, username)
    except KeyError:
        return nobody(username)


def nobody(username: str) -> Viewer:
    """The principal of a name that is no active user: no agency, no roles, no clearance."""
    return Viewer(user=username, agency="", roles=frozenset(), clearance=Classification.UNCLASSIFIED)


def authenticate(store: Store, username: str, password: str, code: str | None = None, now: datetime | None = None) -> str:
    """Check a password (and TOTP code if enrolled); returns the username or raises."""
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%f")
    user = get_user(store, username)
    who = principal(store, username)

    def refuse(reason: str, message: str = "invalid username or password") -> AuthenticationFailed:
        audit.log_event(store, who, "login", {"username": username, "reason": reason}, outcome="denied")
        return AuthenticationFailed(message)

    if user is None or user["disabled"] or not user["password_hash"]:
        _verify(_DUMMY_HASH, password)
        raise refuse("unknown, disabled or without password")
    if _locked(user, stamp):  # not checked against the password: no guess counts, or tells, while locked
        _verify(_DUMMY_HASH, password)
        raise refuse("locked")
    if not _verify(user["password_hash"], password):
        _count_failure(store, user, now)
        raise refuse("bad password")
    if user["totp_secret"]:
        if not code:
            raise refuse("no one-time code", "a one-time code (--code) is required for this account")
        step = _totp_step(user["totp_secret"], code.strip(), now)
        if step is None:
            _count_failure(store, user, now)
            raise refuse("bad one-time code", "invalid one-time code")
        if not _spend_totp_step(store, username, step):
            raise refuse("one-time code used again", "this one-time code was used already: wait for the next one")
    if _locked(get_user(store, username), stamp):  # parallel guesses locked it while this one was checked
        raise refuse("locked")
    values: dict = {"failed_logins": 0, "locked_until": None}
    if _hasher.check_needs_rehash(user["password_hash"]):
        values["password_hash"] = _hasher.hash(password)
    update_user(store, username, **values)
    audit.log_event(store, who, "login", {"username": username}, outcome="ok")
    return username


def _totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (of the one before, now and the one after) whose code this is, if any."""
    if not re.fullmatch(r"[0-9]{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _spend_totp_step(store: Store, username: str, step: int) -> bool:
    """Record the step as used, in one statement (two sign-ins racing with one code: only one wins)."""
    c = users.c
    with store.engine.begin() as conn:
        spent = conn.execute(update(users).where(c.username == username, or_(c.totp_last_step.is_(None),
                                                                             c.totp_last_step < step))
                             .values(totp_last_step=step))
    return spent.rowcount == 1


def _locked(user: dict, stamp: str) -> bool:
    return bool(user["locked_until"]) and user["locked_until"] > stamp


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _count_failure(store: Store, user: dict, now: datetime) -> None:
    """One more failure, counted in the database (parallel guesses each count); the one that reaches the limit
    locks the account."""
    c = users.c
    with store.engine.begin() as conn:
        conn.execute(update(users).where(c.username == user["username"]).values(failed_logins=c.failed_logins + 1))
        conn.execute(update(users).where(c.username == user["username"], c.failed_logins >= MAX_FAILURES)
                     .values(failed_logins=0, locked_until=utc_stamp(now + LOCKOUT)))