"""What every endpoint depends on: the store and the authenticated caller."""

from typing import Annotated

from fastapi import Depends, Header, Request

from nexus.errors import Unauthenticated
from nexus.service.identity import Viewer, viewer_for_token
from nexus.service.workspace import Store


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_viewer(
    store: Annotated[Store, Depends(get_store)],
    authorization: Annotated[str | None, Header()] = None,
    x_nexus_purpose: Annotated[str, Header()] = "",
) -> Viewer:
    """The token's owner, narrowed to its scopes; the use of the token is audited."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("an API token is required: Authorization: Bearer <token> (nexus tokens create)")
    return viewer_for_token(store, token, x_nexus_purpose)


StoreDep = Annotated[Store, Depends(get_store)]
ViewerDep = Annotated[Viewer, Depends(get_viewer)]
