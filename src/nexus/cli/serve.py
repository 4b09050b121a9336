"""`nexus serve`: the HTTP API (nexus.api) on this machine's loopback by default."""

import typer


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def serve_command(
    host: str = typer.Option("127.0.0.1", help="address to bind; anything but loopback exposes intelligence to the network"),
    port: int = typer.Option(8000, help="TCP port"),
) -> None:
    """Serve the API (OpenAPI at /docs); callers authenticate with API tokens (`nexus tokens create`)."""
    import uvicorn

    from nexus.api import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")
