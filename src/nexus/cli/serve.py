"""`nexus serve`: the web application and REST API (nexus.api) on this machine's loopback by default."""

import typer


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def serve_command(
    host: str = typer.Option("127.0.0.1", help="address to bind; anything but loopback exposes intelligence to the network"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int = typer.Option(1, min=1, max=64, help="worker processes (use several on PostgreSQL)"),
) -> None:
    """Serve the web application at / and the REST API at /api/v1 (OpenAPI at /api/v1/docs). People sign in
    with their password (`nexus users create`, `nexus users passwd`); programs send API tokens (`nexus tokens create`)."""
    import uvicorn

    from nexus.service.workspace import open_store

    open_store().close()  # migrate once, and fail here rather than in every worker
    # A worker busy with one long request (a first screening builds its name tables) still answers its
    # supervisor's ping within a minute, rather than being killed after uvicorn's default 5 s.
    uvicorn.run("nexus.api:create_app", factory=True, host=host, port=port, workers=workers, log_level="info",
                proxy_headers=False, server_header=False, loop="uvloop", http="httptools",
                timeout_worker_healthcheck=60)
