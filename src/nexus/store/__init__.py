"""The statement store: tables, migrations, batch writes, reads and engine snapshots."""

from nexus.store.store import Store, utc_now, utc_stamp

__all__ = ["Store", "utc_now", "utc_stamp"]
