"""`nexus serve`: the web application and REST API (nexus.api) on this machine's loopback by default."""

import socket
import sys

import typer

from nexus.errors import Conflict


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def serve_command(
    host: str = typer.Option("127.0.0.1", help="address to bind; anything but loopback exposes intelligence to the network"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int = typer.Option(1, min=1, max=64, help="worker processes (use several on PostgreSQL)"),
    access_log: bool = typer.Option(False, help="log every request's method, path and status to standard error "
                                                "(paths name entities: the audit trail already records every read)"),
) -> None:
    """Serve the web application at / and the REST API at /api/v1 (its OpenAPI spec at /api/v1/openapi.json). People sign in
    with their password (`nexus users create`, `nexus users passwd`); programs send API tokens (`nexus tokens create`)."""
    import os

    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    from nexus.service.workspace import PRIVATE_UMASK, open_store

    os.umask(PRIVATE_UMASK)  # what the server and its workers write in NEXUS_HOME is its account's alone
    open_store().close()  # migrate once, and fail here rather than in every worker
    # A worker busy with one long request (a first screening builds its name tables) still answers its
    # supervisor's ping within a minute, rather than being killed after uvicorn's default 5 s.
    config = uvicorn.Config("nexus.api:create_app", factory=True, host=host, port=port, workers=workers,
                            log_level="info", access_log=access_log, proxy_headers=False, server_header=False,
                            loop="uvloop", http="httptools", timeout_worker_healthcheck=60)
    if workers > 1:
        try:
            shared = SharedPort(host, port)
        except OSError as exc:
            raise Conflict(f"cannot serve on {host} port {port}: {exc.strerror or exc}") from None
        bound_host, bound_port = shared.getsockname()[:2]
        shown = f"[{bound_host}]" if shared.family == socket.AF_INET6 else bound_host
        typer.echo(f"nexus serve: http://{shown}:{bound_port} ({workers} worker processes)", err=True)
        Multiprocess(config, sockets=[shared]).run()
        return
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class SharedPort(socket.socket):
    """The port the workers share, each with a listening socket of its own (SO_REUSEPORT), so that the kernel
    spreads new connections over them. With one socket for all (uvicorn's way), the worker that wakes first
    accepts every connection waiting, and a burst of keep-alive connections, such as a proxy's or a load test's,
    can all land on one worker while the others idle.

    The supervisor holds this one bound but never listening (it reserves the port and receives nothing); what a
    worker receives in its place is a socket of its own, bound to the same address."""

    def __init__(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # SO_REUSEPORT would let this bind share a port another server (or a second `nexus serve`) listens on,
        # taking a part of its connections: a plain listening socket must get the port first (port 0: a free one).
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            probe.listen(1)
            address = probe.getsockname()
        # A second `nexus serve` starting while this one's workers are not yet listening would pass that probe:
        # the supervisor holds a lock named after the address for as long as it runs (an abstract Unix socket:
        # the kernel lets it go when the process ends, however it ends).
        self.lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.lock.bind(f"\0nexus-serve:{address[0]}:{address[1]}")
        except OSError:
            self.lock.close()
            raise
        super().__init__(family, socket.SOCK_STREAM)
        _share(self)
        self.bind(address)

    def __reduce__(self):
        return _worker_socket, (self.family, self.getsockname())


def _share(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)


def _worker_socket(family: int, address: tuple) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    _share(sock)
    sock.bind(address)
    return sock
