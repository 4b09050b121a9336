"""Group commit: the work of concurrent callers done in one call.

A server's request threads each append an audit record or screen one name; done one at
a time, each pays a transaction's commit (or the matcher's fixed cost) of its own. Here
the first caller to find no call under way makes one for every item waiting (the leader);
the others wait for their own result, and whoever finds items waiting when a call ends
leads the next. No thread of its own, no timer: a lone caller is served at once, and
under load a call gathers everything that arrived while the one before it ran.
"""

import copy
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Ticket(Generic[Item, Result]):
    """An item queued for a group call; `Group.wait` gives its result."""

    __slots__ = ("item", "done", "result", "error")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.done = False
        self.result: Result | None = None
        self.error: BaseException | None = None


class Group(Generic[Item, Result]):
    """`submit(item)` returns `handle(items)[i]` for its item, with `handle` called on as many items at once
    as arrived together (at most `most`). An exception in `handle` fails every caller of that call (each raises
    a copy of its own, caused by the original): an audit record that shared a failed commit was not written."""

    def __init__(self, handle: Callable[[Sequence[Item]], Sequence[Result]], most: int = 256) -> None:
        self._handle = handle
        self._most = most
        self._waiting: list[Ticket[Item, Result]] = []
        self._busy = False
        self._turn = threading.Condition(threading.Lock())
        self._leading = threading.local()

    def submit(self, item: Item) -> Result:
        if getattr(self._leading, "now", False):  # asked again from within `handle`: nobody else could answer
            return self._handle([item])[0]
        return self.wait(self.enqueue(item))

    def enqueue(self, item: Item) -> Ticket[Item, Result]:
        """Queue an item without waiting: it is handled in the next call anyone leads, in the order queued;
        `wait(ticket)` for its result (and to lead that call if nobody else does)."""
        ticket: Ticket[Item, Result] = Ticket(item)
        with self._turn:
            self._waiting.append(ticket)
        return ticket

    def wait(self, ticket: Ticket[Item, Result]) -> Result:
        while True:
            with self._turn:
                while not ticket.done and self._busy:
                    self._turn.wait()
                if ticket.done:
                    break
                # nobody is handling a call: lead one for everyone waiting (the oldest `most` of them)
                self._busy = True
                batch, self._waiting = self._waiting[: self._most], self._waiting[self._most:]
            self._lead(batch)
        if ticket.error is not None:
            raise _own_copy(ticket.error) from ticket.error
        return ticket.result  # type: ignore[return-value]

    def _lead(self, batch: list[Ticket[Item, Result]]) -> None:
        self._leading.now = True
        try:
            results = self._handle([t.item for t in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a group call returned {len(results)} results for {len(batch)} items")
            for ticket, result in zip(batch, results):
                ticket.result = result
        except BaseException as exc:
            for ticket in batch:
                ticket.error = exc
        finally:
            self._leading.now = False
            with self._turn:
                for ticket in batch:
                    ticket.done = True
                self._busy = False
                self._turn.notify_all()


def _own_copy(error: BaseException) -> BaseException:
    """The error for one caller's thread to raise: each gets its own traceback, not frames of the others'."""
    try:
        return copy.copy(error).with_traceback(None)
    except Exception:  # noqa: BLE001 - an exception that cannot be copied is reported as what it was
        return RuntimeError(f"{type(error).__name__}: {error}")
