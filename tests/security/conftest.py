import pytest
from argon2 import PasswordHasher

from nexus.security import auth


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """The production argon2 cost (≈0.1 s a hash) is the point in production and a
    waste in tests; the same algorithm at its lowest cost exercises the same code."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
