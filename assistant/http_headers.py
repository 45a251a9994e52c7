"""Security headers on every response of the chat server: the page may not be framed by another site
(clickjacking of Upload/Remove), files are never sniffed into another type, and the page may load
images, scripts, styles and connections from its own origin only."""

from __future__ import annotations

# Gradio's page has inline scripts and evaluates the `js=` of events, hence 'unsafe-inline' and
# 'unsafe-eval' for scripts; what matters here is that no other origin is allowed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Plain ASGI middleware (not BaseHTTPMiddleware), so streamed answers stay streamed."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def app_kwargs() -> dict:
    """For `Blocks.launch(app_kwargs=...)`: Gradio passes these to the FastAPI app it builds."""
    from starlette.middleware import Middleware

    return {"middleware": [Middleware(SecurityHeaders)]}
