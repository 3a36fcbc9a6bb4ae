"""Discovery 发现文档: the authorization server's metadata (RFC 8414), from the real
configuration.

Every URL is built from ``HUB_ISSUER`` (the tokens' ``iss``) and names an endpoint this hub
serves; every grant, response type and client authentication listed is one the token and
authorize endpoints accept:

- ``client_credentials`` for department systems (``client_secret_basic`` or
  ``client_secret_post``);
- ``authorization_code`` with PKCE ``S256`` for people signing in to the console, a public
  client (``none``: no secret, the verifier proves the caller);
- response type ``code`` only: there is no implicit flow (``token``), which OAuth 2.0 Security
  BCP (RFC 9700) forbids.

The hub is an OAuth 2.0 authorization server, not an OpenID provider: it issues no ID token and
has no userinfo endpoint, so no OpenID-only field (``id_token_signing_alg_values_supported``,
``subject_types_supported``) promises one. ``/.well-known/openid-configuration`` serves the same
document for the client libraries that look there first.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.logs import log
from hub.settings import Settings

PATHS = {
    "authorization_endpoint": "/oauth/authorize",
    "token_endpoint": "/oauth/token",
    "jwks_uri": "/.well-known/jwks.json",
}


def metadata(settings: Settings) -> dict[str, Any]:
    issuer = settings.issuer.rstrip("/")
    return {
        "issuer": issuer,
        **{name: issuer + path for name, path in PATHS.items()},
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                  "none"],
    }


def discovery_routes(settings: Settings) -> list[Route]:
    document = metadata(settings)
    warned: set[str] = set()

    async def discovery(request: Request) -> JSONResponse:
        # A hub asked under another name than its issuer's is probably reached by a name
        # HUB_ISSUER does not give: clients would be sent elsewhere. Said once per name.
        asked = request.url.netloc
        if asked != urlsplit(document["issuer"]).netloc and asked not in warned:
            warned.add(asked)
            log.warning("discovery asked under another host than HUB_ISSUER's",
                        host=asked, issuer=document["issuer"])
        return JSONResponse(document, headers={"Cache-Control": "max-age=300"})

    return [
        Route("/.well-known/oauth-authorization-server", discovery),
        Route("/.well-known/openid-configuration", discovery),
    ]
