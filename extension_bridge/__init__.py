"""The browser extension's side of the API, under /api/v1/extension."""
