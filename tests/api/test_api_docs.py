"""The served API docs: real request and response schemas, the real error shape, offline assets."""

from __future__ import annotations

import re


def _schema(api) -> dict:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_post_has_a_request_schema_and_every_200_a_response_schema(api) -> None:
    schema = _schema(api)
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 20
    bodyless = ("/cancel", "/rotate", "/test", "/retry")  # actions: the client posts them empty
    for path, method, op in operations:
        if method == "post" and not path.endswith(bodyless):
            body = op["requestBody"]["content"]["application/json"]["schema"]
            assert "$ref" in body, (path, body)
        if method == "delete":
            assert "204" in op["responses"], path
            continue
        ok = op["responses"]["200"]["content"]
        assert all(media.get("schema") for media in ok.values()), (path, method, ok)
        assert all(media["schema"] != {} for media in ok.values()), (path, method)
    generate = schema["components"]["schemas"]["GenerateRequest"]["properties"]
    assert {"form_id", "form_ids", "quantity", "output_formats", "seed", "config"} <= set(generate)
    assert "pdf_typed" in str(generate["output_formats"])


def test_errors_are_documented_as_they_are_answered(api) -> None:
    schema = _schema(api)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    generate = schema["paths"]["/api/v1/generate"]["post"]["responses"]
    for status in ("400", "401", "402", "422"):
        assert generate[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorResponse"
        }
    detail = schema["components"]["schemas"]["ErrorDetail"]["properties"]
    assert {"code", "message", "status"} <= set(detail)


def test_bearer_scheme_declared_and_operator_routes_kept_out(api) -> None:
    schema = _schema(api)
    assert schema["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "description": "An API key: `Authorization: Bearer sk_live_…`",
        "scheme": "bearer",
    }
    assert {"HTTPBearer": []} in schema["paths"]["/api/v1/jobs/{job_id}"]["get"]["security"]
    assert not [p for p in schema["paths"] if p.startswith(("/api/admin", "/api/internal"))]
    assert "/api/v1/health" in schema["paths"] and "security" not in schema["paths"]["/api/v1/health"]["get"]


def test_docs_pages_load_their_assets_from_this_server(api) -> None:
    for page in ("/docs", "/redoc", "/api/v1/docs", "/api/v1/redoc"):
        html = api.client.get(page)
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html.text)
        assert assets, page
        for asset in assets:
            assert asset.startswith("/api/v1/docs-static/"), (page, asset)
            assert api.client.get(asset).status_code == 200
        assert "cdn.jsdelivr" not in html.text and "fonts.googleapis" not in html.text
    assert api.client.get("/api/v1/openapi.json").json() == _schema(api)
