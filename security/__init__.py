"""Request-safety helpers every app may use: safe redirect targets, request input guards, and
the browser-side policy (Content-Security-Policy and security headers).

A service package like `media` and `search`: it imports no domain app.
"""
