"""The sentence-to-schema parser: 30 varied descriptions with the types they must give, and the
LLM path against a local fake model server (real HTTP), including every way it can fail."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from symage_pipeline.errors import SymageError
from symage_pipeline.tabular.llm import LLMConfig, parse_with_llm
from symage_pipeline.tabular.parse import parse_description
from symage_pipeline.tabular.spec import validate_columns

DESCRIPTIONS = [
    ("first name, last name, age, city, state, annual salary",
     ["text_first_name", "text_last_name", "identity_age", "address_city", "address_state", "number_integer"]),
    ("employee name, department, hire date, salary, city",
     ["text_full_name", "department", "date", "number_integer", "address_city"]),
    ("a table of customers with name, email, signup date and status (active/inactive/banned)",
     ["text_full_name", "email", "date", "custom_enum"]),
    ("patient name, date of birth, gender, ssn, diagnosis code, cpt code, npi",
     ["text_full_name", "identity_dob", "identity_gender", "ssn", "icd10", "cpt", "npi"]),
    ("zip code; phone number; street address", ["address_zip", "phone", "address_street"]),
    ("Generate 500 rows with: uuid, created at, ip address, user agent",
     ["uuid", "datetime", "ip_address", "lorem_word"]),
    ("order id format ORD-99999, order date, quantity, unit price, total",
     ["custom_mask", "date", "number_integer", "currency", "currency"]),
    ("age between 18 and 65", ["number_integer"]),
    ("height in inches, weight in lbs, temperature in fahrenheit",
     ["number_decimal", "number_decimal", "number_decimal"]),
    ("company name, website, domain, ein, routing number, iban",
     ["company", "url", "domain_name", "ein", "aba_routing", "iban"]),
    ("credit card number and expiry date", ["credit_card", "date"]),
    ("latitude, longitude, country, country code, currency", ["latitude", "longitude", "country", "country_code",
                                                               "currency_code"]),
    ("is active, verified, subscribed", ["boolean", "boolean", "boolean"]),
    ("rating, score, percentage", ["number_integer", "number_integer", "percentage"]),
    ("job title, employer, income", ["job_title", "employer", "income"]),
    ("username, email address, password hash", ["username", "email", "sha256"]),
    ("product description, review, notes", ["lorem_sentence", "lorem_sentence", "lorem_sentence"]),
    ("priority, blood type, marital status", ["custom_enum", "custom_enum", "custom_enum"]),
    ("favorite color", ["color_hex"]),
    ("isbn, mac address, ipv6", ["isbn13", "mac_address", "ipv6_address"]),
    ("discount rate from 0 to 50", ["percentage"]),
    ("balance between $1,000 and $50k", ["currency"]),
    ("Given name\nSurname\nMiddle name", ["text_first_name", "text_last_name", "text_middle_name"]),
    ("transaction timestamp, amount in usd, payment method", ["datetime", "currency", "custom_enum"]),
    ("employee id, team, years of experience", ["sequence", "department", "number_integer"]),
    ("tier (gold, silver, bronze)", ["custom_enum"]),
    ("visit date in 2024", ["date"]),
    ("weight with 2 decimals", ["number_decimal"]),
    ("state name, town, postal code", ["address_state_name", "address_city", "address_zip"]),
    ("I need a dataset of students containing first name, age, score and a comment",
     ["text_first_name", "identity_age", "number_integer", "lorem_sentence"]),
]  # fmt: skip


@pytest.mark.parametrize(("prompt", "types"), DESCRIPTIONS)
def test_thirty_descriptions(prompt: str, types: list[str]) -> None:
    parsed = parse_description(prompt)
    assert [c["type"] for c in parsed.columns] == types
    validate_columns(parsed.columns)  # every answer is a schema generate accepts


def test_hints_become_constraints() -> None:
    by_name = {c["name"]: c for c in parse_description(
        "age between 18 and 65, tier (gold, silver, bronze), visit date in 2024, balance between $1,000 and $50k, "
        "order id format ORD-99999, weight with 2 decimals"
    ).columns}  # fmt: skip
    assert by_name["age"]["constraints"] == {"min": 18, "max": 65}
    assert by_name["tier"]["constraints"] == {"values": ["gold", "silver", "bronze"]}
    assert by_name["visit_date"]["constraints"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert by_name["balance"]["constraints"] == {"min": 1000, "max": 50000}
    assert by_name["order_id"]["constraints"] == {"mask": "ORD-99999"}
    assert by_name["weight"]["constraints"]["decimals"] == 2


def test_unknown_phrases_are_kept_with_a_warning() -> None:
    parsed = parse_description("name, flux capacitor")
    assert parsed.columns[1] == {"name": "flux_capacitor", "type": "lorem_word", "constraints": {}}
    assert "flux capacitor" in parsed.warnings[0]


def test_repeated_names_are_numbered() -> None:
    assert [c["name"] for c in parse_description("city, city").columns] == ["city", "city_2"]


def test_bad_prompts() -> None:
    for prompt in ("", " ", "a" * 2001, None, 7):
        with pytest.raises(SymageError) as caught:
            parse_description(prompt)
        assert caught.value.code == "invalid_prompt"


# ------------------------------------------------------------------------------------ the LLM path

GOOD = {"columns": [{"name": "first_name", "type": "text_first_name", "constraints": {}},
                    {"name": "salary", "type": "number_integer", "constraints": {"min": 1, "max": 9}}]}  # fmt: skip


class FakeModel(ThreadingHTTPServer):
    """Answers like Anthropic's /v1/messages or OpenAI's /chat/completions, with `reply` as the text."""

    reply: str = json.dumps(GOOD)
    seen: list[dict]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        server: FakeModel = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if server.reply == "<500>":
            self.send_response(500)
            self.end_headers()
            return
        if server.reply == "<slow>":
            import time

            time.sleep(2)
        if self.path.endswith("/v1/messages"):
            payload = {"content": [{"type": "text", "text": server.reply}]}
        else:
            payload = {"choices": [{"message": {"content": server.reply}}]}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def model():
    server = FakeModel(("127.0.0.1", 0), Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def config(server: FakeModel, provider: str) -> LLMConfig:
    base = f"http://127.0.0.1:{server.server_address[1]}" + ("/v1" if provider == "openai" else "")
    return LLMConfig(provider=provider, base_url=base, api_key="k-test", model="test-model", timeout=0.5)


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_a_valid_llm_answer_is_used(model: FakeModel, provider: str) -> None:
    result = parse_with_llm("first name and salary", config(model, provider))
    assert result == {"columns": GOOD["columns"], "parser_type": "llm", "model": "test-model", "warnings": []}
    sent = model.seen[0]
    if provider == "anthropic":
        assert sent["path"] == "/v1/messages" and sent["headers"]["x-api-key"] == "k-test"
    else:
        assert sent["path"] == "/v1/chat/completions" and sent["headers"]["Authorization"] == "Bearer k-test"
    assert "text_first_name" in json.dumps(sent["body"])  # the registry is in the instructions


@pytest.mark.parametrize(
    "reply",
    [
        "not json",
        json.dumps({"columns": [{"name": "x", "type": "made_up_type"}]}),
        json.dumps({"columns": [{"name": "x", "type": "number_integer", "constraints": {"min": 5, "max": 1}}]}),
        json.dumps({"columns": []}),
        json.dumps([1, 2]),
        "<500>",
        "<slow>",
    ],
)
def test_any_llm_failure_falls_back_to_the_heuristic(model: FakeModel, reply: str) -> None:
    model.reply = reply
    result = parse_with_llm("first name, last name, age, city, state, annual salary", config(model, "openai"))
    assert result["parser_type"] == "heuristic" and result["model"] is None
    assert [c["type"] for c in result["columns"]][:2] == ["text_first_name", "text_last_name"]
    assert "LLM" in result["warnings"][-1]


def test_no_llm_configured_is_heuristic() -> None:
    assert parse_with_llm("city", None)["parser_type"] == "heuristic"
