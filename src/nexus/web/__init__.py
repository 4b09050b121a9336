"""The web application: server-rendered pages over the same service layer as the API.

People sign in (password, TOTP when enrolled, lockout) and get an HttpOnly session cookie
that lapses when idle; every form carries the session's anti-forgery token. Scripts and
styles are served from the package (vendored, pinned: htmx, Cytoscape.js) under a strict
Content-Security-Policy: nothing is fetched from another origin.
"""
