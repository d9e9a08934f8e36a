"""Surfaces through the API: handwriting/fillable/image/degradation knobs as a client uses them.

Validation errors go through the official client (symagedocs), talking to the in-process app; the
catalog gets two extra forms so the per-form support rules have something to refuse.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import httpx
import pymupdf
import pytest
from PIL import Image
from symagedocs import Client
from symagedocs._errors import ValidationError

from symage_pipeline.catalog import Catalog, load_catalog


class _AppTransport(httpx.BaseTransport):
    """Lets the SDK's httpx client talk to the app through the test client (no server, no port)."""

    def __init__(self, test_client) -> None:
        self.test_client = test_client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        r = self.test_client.request(
            request.method, str(request.url), headers=dict(request.headers), content=request.read()
        )
        headers = [
            (k, v) for k, v in r.headers.multi_items() if k.lower() not in ("content-encoding", "content-length")
        ]
        return httpx.Response(r.status_code, headers=headers, content=r.content)


@pytest.fixture
def sdk(api, monkeypatch: pytest.MonkeyPatch) -> Client:
    w2 = load_catalog().get("irs_w2_2025")
    api.client.app.state.services.catalog = Catalog(
        [
            *load_catalog(),
            dataclasses.replace(w2, id="test_no_acroform", fillable=False),
            dataclasses.replace(w2, id="test_typed_only", handwriting=False),
        ]
    )
    real_client = httpx.Client
    with monkeypatch.context() as patch:
        patch.setattr(httpx, "Client", lambda **kw: real_client(transport=_AppTransport(api.client), **kw))
        return Client(api_key=api.key("sdk-user"), base_url="http://testserver")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"degradation_profile": "smudged"}, "invalid_degradation_profile"),
        ({"config": {"degradation_profile": "heavy"}}, "invalid_degradation_profile"),
        ({"output_formats": ["pdf_handwritten"], "ink_color": "green"}, "invalid_ink_color"),
        (
            {"output_formats": ["pdf_handwritten"], "ink_color_distribution": {"blue": 50, "green": 50}},
            "invalid_ink_color_distribution",
        ),
        ({"output_formats": ["pdf_handwritten"], "writer_consistency": "per_page"}, "invalid_writer_consistency"),
        ({"output_formats": ["png_typed"]}, "missing_pdf_dependency"),
        ({"output_formats": ["pdf_handwritten", "png_typed"]}, "missing_pdf_dependency"),  # cross pairs don't count
        ({"output_formats": ["pdf_typed", "png_handwritten"]}, "missing_pdf_dependency"),
        ({"output_formats": ["pdf_typed", "png_typed"], "config": {"dpi": 5000}}, "invalid_dpi"),
        (
            {"form_ids": ["irs_w2_2025", "test_no_acroform"], "output_formats": ["pdf_filled"]},
            "format_unsupported_for_form",
        ),
        ({"form_id": "test_typed_only", "output_formats": ["pdf_handwritten"]}, "handwriting_unsupported_for_form"),
    ],
)
def test_the_client_sees_each_validation_error(sdk: Client, kwargs: dict, code: str) -> None:
    kwargs = {"form_id": "irs_w2_2025", **kwargs} if "form_ids" not in kwargs else kwargs
    with pytest.raises(ValidationError) as err:
        sdk.generate.create(**kwargs)
    assert err.value.code == code and err.value.status_code == 400


def test_error_details_name_the_forms_that_cannot_deliver(api, sdk: Client) -> None:
    key = api.key("raw")
    body = {"form_ids": ["irs_w2_2025", "test_no_acroform"], "output_formats": ["pdf_filled"]}
    detail = api.client.post("/api/v1/generate", json=body, headers=api.auth(key)).json()["detail"]
    assert detail["code"] == "format_unsupported_for_form"
    assert detail["details"]["unsupported_form_ids"] == ["test_no_acroform"]
    # The SDK refuses a distribution that does not sum to 100 itself; the server does too.
    body = {"form_id": "irs_w2_2025", "output_formats": ["pdf_handwritten"], "ink_color_distribution": {"blue": 90}}
    response = api.client.post("/api/v1/generate", json=body, headers=api.auth(key))
    assert response.status_code == 400 and response.json()["detail"]["code"] == "invalid_ink_color_distribution"
    # realism_level is deprecated: accepted and ignored
    body = {"form_id": "irs_w2_2025", "output_formats": ["pdf_handwritten"], "realism_level": "low", "seed": 1}
    assert api.client.post("/api/v1/generate", json=body, headers=api.auth(key)).status_code == 200


def test_degradation_is_priced_in_estimates_and_rates(sdk: Client) -> None:
    base = sdk.pricing.estimate(field_count=37, output_formats=["pdf_typed"], record_count=10)
    for profile, multiplier in {"scanned": 1.2, "faxed": 1.2, "photographed": 1.3, "mixed": 1.25}.items():
        priced = sdk.pricing.estimate(
            field_count=37, output_formats=["pdf_typed"], record_count=10, degradation_profile=profile
        )
        assert priced.credits == round(base.credits * multiplier)
    assert sdk.pricing.rates().degradation_multipliers["photographed"] == 1.3


def test_every_surface_in_one_job_and_the_same_request_gives_the_same_zip(api, sdk: Client) -> None:
    request = dict(
        form_ids=["irs_w2_2025", "irs_f1040_2024"],
        quantity=2,
        output_formats=["pdf_typed", "pdf_handwritten", "pdf_filled", "png_typed", "png_handwritten"],
        seed=21,
        ink_color="red",
        degradation_profile="mixed",
    )
    first = sdk.generate.create(**request)
    assert first.credits_required == sdk.generate.create(**request).credits_required  # priced alike
    zips = []
    for job in (first, sdk.generate.create(**request)):
        done = api.wait(api.key("sdk-user"), job.job_id)
        assert done["status"] == "completed", done["error"]
        zips.append(sdk_download(api, job.job_id))
    assert zips[0] == zips[1]
    archive = zipfile.ZipFile(io.BytesIO(zips[0]))
    names = set(archive.namelist())
    for stem in ("irs_w2_2025_000000", "irs_f1040_2024_000001"):
        assert {f"pdfs/{s}/{stem}.pdf" for s in ("typed", "handwritten", "filled")} <= names
        for surface in ("typed", "handwritten"):
            assert any(n.startswith(f"images/{surface}/{stem}_p0.") for n in names), (surface, stem)
    assert not any(n.startswith("images/filled/") for n in names)
    truth = json.loads(archive.read("ground_truth/json/irs_w2_2025_000000.json"))
    filled = pymupdf.open("pdf", archive.read("pdfs/filled/irs_w2_2025_000000.pdf"))
    texts = {w.field_name: w.field_value for w in filled[0].widgets() if w.field_type_string == "Text"}
    assert all(texts[fid] == truth["fields"][fid] for fid in texts)
    image = next(n for n in sorted(names) if n.startswith("images/handwritten/irs_w2_2025_000000_p0"))
    assert Image.open(io.BytesIO(archive.read(image))).size == (1275, 1650)  # 150 dpi letter


def sdk_download(api, job_id: str) -> bytes:
    response = api.client.get(f"/api/v1/jobs/{job_id}/download/dataset", headers=api.auth(api.key("sdk-user")))
    assert response.status_code == 200, response.text
    return response.content


@pytest.mark.integration
def test_a_handwritten_faxed_job_over_http(live_stack, tmp_path) -> None:
    client = Client(api_key=live_stack["api_key"], base_url=live_stack["base_url"])
    with pytest.raises(ValidationError) as err:
        client.generate.create("irs_w2_2025", output_formats=["pdf_handwritten", "png_typed"])
    assert err.value.code == "missing_pdf_dependency"
    job = client.generate.create(
        "irs_w2_2025",
        quantity=3,
        output_formats=["pdf_handwritten", "png_handwritten"],
        ink_color_distribution={"blue": 50, "black": 50},
        writer_consistency="per_field",
        degradation_profile="faxed",
        seed=5,
    )
    client.generate.wait(job.job_id, poll_interval=0.5)
    with zipfile.ZipFile(client.generate.download(job.job_id, "dataset", path=str(tmp_path))) as archive:
        names = archive.namelist()
        assert sum(n.startswith("pdfs/handwritten/") for n in names) == 3
        faxes = [n for n in names if n.startswith("images/handwritten/")]
        assert len(faxes) == 3 and all(n.endswith(".png") for n in faxes)
        assert Image.open(io.BytesIO(archive.read(faxes[0]))).mode == "1"  # a fax is black and white
