"""`/docs`: Swagger UI served from the installed swagger-ui-bundle package, so it works offline."""

from flask import Blueprint, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

blueprint = Blueprint("docs", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SocialScalr API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>
"""


@blueprint.get("/docs")
def page():
    return Response(_PAGE, mimetype="text/html")


@blueprint.get("/docs/static/<path:filename>")
def static_file(filename: str):
    return send_from_directory(swagger_ui_path, filename)
