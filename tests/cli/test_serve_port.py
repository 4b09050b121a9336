"""`nexus serve --workers N`: each worker listens on a socket of its own on the shared port, so the kernel spreads
new connections over the workers rather than the first to wake taking them all."""

import pickle
import socket

import pytest

from nexus.cli.serve import SharedPort


def test_each_worker_gets_its_own_socket_on_the_port_and_connections_spread_over_them():
    reserved = SharedPort("127.0.0.1", 0)
    address = reserved.getsockname()
    workers = [pickle.loads(pickle.dumps(reserved)) for _ in range(2)]  # what a spawned worker unpickles
    clients = []
    try:
        for worker in workers:
            assert worker.getsockname() == address and worker.fileno() != reserved.fileno()
            worker.listen(64)
            worker.setblocking(False)
        clients = [socket.create_connection(address, timeout=5) for _ in range(32)]
        accepted = []
        for worker in workers:
            count = 0
            while True:
                try:
                    worker.accept()[0].close()
                except BlockingIOError:
                    break
                count += 1
            accepted.append(count)
        assert sum(accepted) == 32 and min(accepted) > 0, accepted  # all 32 on one socket: 1 chance in 2**31
    finally:
        for sock in (*clients, *workers, reserved.lock, reserved):
            sock.close()


def test_a_port_another_server_listens_on_is_refused_not_shared():
    first = SharedPort("127.0.0.1", 0)
    worker = pickle.loads(pickle.dumps(first))
    worker.listen(8)
    try:
        with pytest.raises(OSError):
            SharedPort("127.0.0.1", first.getsockname()[1])
    finally:
        worker.close()
        first.lock.close()
        first.close()


def test_a_second_server_starting_before_the_first_listens_is_refused():
    first = SharedPort("127.0.0.1", 0)  # its workers are not listening yet
    port = first.getsockname()[1]
    try:
        with pytest.raises(OSError):
            SharedPort("127.0.0.1", port)
    finally:
        first.lock.close()
        first.close()
    again = SharedPort("127.0.0.1", port)  # once it is gone, the port is free again
    again.lock.close()
    again.close()


@pytest.mark.parametrize(("host", "bound"), [("localhost", "127.0.0.1"), ("::1", "::1")])
def test_the_port_is_taken_in_the_family_uvicorn_would_take_it_in(host, bound):
    """As uvicorn binds one worker: IPv6 for an address with a colon, IPv4 for anything else, a name included
    (localhost is 127.0.0.1 whatever the hosts file lists first), so proxies and health checks that reach one
    worker on 127.0.0.1 reach several the same way."""
    reserved = SharedPort(host, 0)
    try:
        assert reserved.getsockname()[0] == bound
        worker = pickle.loads(pickle.dumps(reserved))
        worker.listen(1)
        with socket.create_connection(reserved.getsockname()[:2], timeout=5):
            worker.accept()[0].close()
        worker.close()
    finally:
        reserved.lock.close()
        reserved.close()
