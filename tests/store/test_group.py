"""Group commit: concurrent callers' items handled together, each caller given its own result."""

import threading
import time

import pytest

from nexus.store.group import Group


def run_together(group, items, slow=0.0):
    results, errors, start = {}, {}, threading.Barrier(len(items))

    def call(item):
        start.wait()
        try:
            results[item] = group.submit(item)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each caller got
            errors[item] = exc

    threads = [threading.Thread(target=call, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return results, errors


def test_a_lone_caller_is_served_at_once():
    calls = []
    group = Group(lambda items: calls.append(list(items)) or [i * 2 for i in items])
    assert group.submit(21) == 42
    assert calls == [[21]]


def test_callers_that_arrive_during_a_call_share_the_next_and_each_gets_its_own_result():
    calls = []

    def handle(items):
        calls.append(list(items))
        time.sleep(0.05)  # long enough for the other callers to queue behind the first call
        return [f"r{i}" for i in items]

    results, errors = run_together(Group(handle), list(range(40)))
    assert not errors
    assert results == {i: f"r{i}" for i in range(40)}
    assert sorted(i for call in calls for i in call) == list(range(40))  # every item handled exactly once
    assert len(calls) < 40 and max(len(c) for c in calls) > 1


def test_a_call_takes_at_most_most_items():
    calls = []

    def handle(items):
        calls.append(len(items))
        time.sleep(0.02)
        return list(items)

    results, _ = run_together(Group(handle, most=3), list(range(20)))
    assert results == {i: i for i in range(20)}
    assert max(calls) <= 3


def test_a_failed_call_fails_every_caller_in_it_and_the_group_goes_on():
    def handle(items):
        time.sleep(0.02)
        if 13 in items:
            raise ValueError("unlucky")
        return list(items)

    group = Group(handle)
    results, errors = run_together(group, list(range(20)))
    assert 13 in errors and isinstance(errors[13], ValueError)
    assert set(results) | set(errors) == set(range(20))
    assert group.submit(7) == 7


def test_a_call_that_answers_the_wrong_number_of_items_is_an_error():
    with pytest.raises(RuntimeError, match="2 results for 1 items"):
        Group(lambda items: [1, 2]).submit(1)


def test_an_item_submitted_from_within_handle_is_handled_at_once():
    group = None

    def handle(items):
        return [group.submit(-i) if i > 0 else i for i in items]

    group = Group(handle)
    assert group.submit(5) == -5


def test_each_caller_of_a_failed_call_raises_its_own_copy():
    def handle(items):
        time.sleep(0.02)
        raise KeyError("gone")

    _, errors = run_together(Group(handle), list(range(6)))
    assert len(errors) == 6 and len({id(e) for e in errors.values()}) == 6
    assert all(isinstance(e, KeyError) and isinstance(e.__cause__, KeyError) for e in errors.values())


def test_queued_items_are_handled_in_order_with_the_next_call_and_their_waiters_get_their_results():
    calls = []
    group = Group(lambda items: calls.append(list(items)) or [i * 2 for i in items])
    first, second = group.enqueue(1), group.enqueue(2)
    assert not first.done and calls == []  # queued, not handled: nobody waits yet
    assert group.submit(3) == 6  # the caller leads one call for everything queued before it
    assert calls == [[1, 2, 3]]
    assert first.done and group.wait(first) == 2 and group.wait(second) == 4
    assert calls == [[1, 2, 3]]  # waiting on a handled item makes no call


def test_a_queued_item_whose_call_failed_raises_for_its_waiter_after_the_call():
    def handle(items):
        raise RuntimeError("the commit failed")

    group = Group(handle)
    queued = group.enqueue(1)
    with pytest.raises(RuntimeError, match="the commit failed"):
        group.submit(2)  # leads the call that also held the queued item
    assert queued.done and queued.error is not None
    with pytest.raises(RuntimeError, match="the commit failed"):
        group.wait(queued)
