"""A description of a table → its columns, offline: split into phrases, read hints (ranges,
choices, units), match the longest known term, name the column from what is left.

The LLM parser (`llm.py`) is tried first when one is configured; this one is always the answer
when it is not, or when the LLM's answer does not validate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from symage_pipeline.errors import bad_request
from symage_pipeline.tabular.spec import MAX_COLUMNS, validate_columns

MAX_PROMPT = 2000
SALARY = {"min": 20000, "max": 200000}

# (terms, type, constraints): the longest matching term wins, so "first name" beats "name".
TERMS: list[tuple[tuple[str, ...], str, dict[str, Any]]] = [
    (("first name", "given name", "forename", "firstname"), "text_first_name", {}),
    (("last name", "surname", "family name", "lastname"), "text_last_name", {}),
    (("middle name",), "text_middle_name", {}),
    (("name", "full name", "customer name", "patient name", "employee name", "person"), "text_full_name", {}),
    (("ssn", "social security number", "social security", "social"), "ssn", {}),
    (("date of birth", "dob", "birthday", "birth date", "birthdate"), "identity_dob", {}),
    (("age",), "identity_age", {}),
    (("gender", "sex"), "identity_gender", {}),
    (("street", "street address", "address line"), "address_street", {}),
    (("address", "home address", "mailing address", "full address"), "address_full", {}),
    (("city", "town"), "address_city", {}),
    (("state",), "address_state", {}),
    (("state name",), "address_state_name", {}),
    (("zip", "zip code", "zipcode", "postal code", "postcode"), "address_zip", {}),
    (("phone", "phone number", "telephone", "mobile", "cell", "cell phone"), "phone", {}),
    (("email", "e-mail", "email address", "mail"), "email", {}),
    (("username", "user name", "login", "handle"), "username", {}),
    (("employer", "employer name"), "employer", {}),
    (("employer ein",), "employer_ein", {}),
    (("job title", "title", "occupation", "position", "role", "job"), "job_title", {}),
    (("income", "annual income"), "income", {}),
    (("salary", "annual salary", "wage", "wages", "pay", "compensation"), "number_integer", SALARY),
    (("hire date", "start date", "date hired", "hired"), "date", {"start": "2005-01-01", "end": "2025-12-31"}),
    (("date", "day"), "date", {}),
    (("created at", "updated at", "timestamp", "datetime", "date time", "signup time", "login time"), "datetime", {}),
    (("signup date", "order date", "purchase date", "transaction date", "created date"), "date",
     {"start": "2020-01-01", "end": "2025-12-31"}),  # fmt: skip
    (("time", "time of day"), "time", {}),
    (("uuid", "guid", "unique id"), "uuid", {}),
    (("id", "row id", "record id"), "sequence", {}),
    (("department", "dept", "team"), "department", {}),
    (("company", "company name", "business", "organization", "vendor", "supplier"), "company", {}),
    (("price", "unit price", "cost"), "currency", {"min": 1, "max": 1000}),
    (("amount", "total", "balance", "revenue", "payment", "invoice amount", "spend"), "currency",
     {"min": 0, "max": 10000}),  # fmt: skip
    (("quantity", "count", "units", "number of items", "qty"), "number_integer", {"min": 1, "max": 100}),
    (("rating", "stars"), "number_integer", {"min": 1, "max": 5}),
    (("score",), "number_integer", {"min": 0, "max": 100}),
    (("percentage", "percent", "pct", "rate", "discount", "ratio"), "percentage", {}),
    (("height",), "number_decimal", {"min": 150, "max": 200, "decimals": 1}),
    (("weight",), "number_decimal", {"min": 45, "max": 130, "decimals": 1}),
    (("temperature", "temp"), "number_decimal", {"min": -10, "max": 40, "decimals": 1}),
    (("distance",), "number_decimal", {"min": 0, "max": 500, "decimals": 1}),
    (("duration", "minutes"), "number_integer", {"min": 1, "max": 240}),
    (("years of experience", "experience", "tenure"), "number_integer", {"min": 0, "max": 40}),
    (("active", "is active", "enabled", "verified", "subscribed", "flag", "yes no", "opt in"), "boolean", {}),
    (("url", "website", "link", "homepage", "web site"), "url", {}),
    (("domain", "domain name"), "domain_name", {}),
    (("ip", "ip address", "ipv4"), "ip_address", {}),
    (("ipv6", "ipv6 address"), "ipv6_address", {}),
    (("mac address", "mac"), "mac_address", {}),
    (("credit card", "card number", "credit card number"), "credit_card", {}),
    (("iban", "bank account"), "iban", {}),
    (("routing number", "aba", "aba routing", "bank routing number"), "aba_routing", {}),
    (("ein", "tax id", "employer identification number", "fein"), "ein", {}),
    (("npi", "provider id", "npi number"), "npi", {}),
    (("icd-10", "icd10", "icd 10", "diagnosis", "diagnosis code"), "icd10", {}),
    (("cpt", "cpt code", "procedure code", "procedure"), "cpt", {}),
    (("isbn",), "isbn13", {}),
    (("hash", "checksum", "sha256", "sha-256"), "sha256", {}),
    (("color", "colour", "hex color"), "color_hex", {}),
    (("country",), "country", {}),
    (("country code",), "country_code", {}),
    (("currency", "currency code"), "currency_code", {}),
    (("latitude", "lat"), "latitude", {}),
    (("longitude", "lng", "lon", "long"), "longitude", {}),
    (("description", "notes", "note", "comment", "comments", "bio", "summary", "review", "feedback"),
     "lorem_sentence", {}),  # fmt: skip
    (("paragraph", "body", "essay", "long text"), "lorem_paragraph", {}),
    (("word", "tag", "keyword", "label"), "lorem_word", {}),
    (("status",), "custom_enum", {"values": ["active", "inactive", "pending"], "weights": [70, 20, 10]}),
    (("priority",), "custom_enum", {"values": ["low", "medium", "high"], "weights": [50, 35, 15]}),
    (("blood type",), "custom_enum", {"values": ["O+", "A+", "B+", "AB+", "O-", "A-", "B-", "AB-"],
                                      "weights": [37, 36, 9, 3, 7, 6, 1, 1]}),  # fmt: skip
    (("marital status",), "custom_enum", {"values": ["single", "married", "divorced", "widowed"],
                                          "weights": [35, 48, 11, 6]}),  # fmt: skip
    (("payment method",), "custom_enum", {"values": ["credit card", "debit card", "ach", "paypal", "check"]}),
]
_TERM_INDEX = sorted(((t, kind, c) for terms, kind, c in TERMS for t in terms), key=lambda x: -len(x[0]))
UNITS = {
    "height": {"inches": (58, 78), "in": (58, 78), "cm": (150, 200), "feet": (4.8, 6.5), "ft": (4.8, 6.5)},
    "weight": {"lbs": (100, 290), "lb": (100, 290), "pounds": (100, 290), "kg": (45, 130)},
    "temperature": {"fahrenheit": (14, 104), "f": (14, 104), "celsius": (-10, 40), "c": (-10, 40)},
    "distance": {"miles": (0, 300), "mi": (0, 300), "km": (0, 500), "meters": (0, 5000), "m": (0, 5000)},
    "duration": {"seconds": (1, 3600), "hours": (1, 24), "days": (1, 30), "minutes": (1, 240)},
}
_LEAD = re.compile(
    r"^(?:i\s+(?:want|need)|give\s+me|generate|create|make|build|produce)?\s*(?:a\s+|an\s+|the\s+)?"
    r"(?:\d[\d,]*\s+)?(?:table|dataset|list|csv|spreadsheet|rows?|records?)?\s*(?:of\s+[\w\s]+?)?\s*"
    r"(?:with|containing|including|having|that\s+has|columns?|fields?)\s*:?\s+",
    re.I,
)
_NUMBER = r"\$?-?\d[\d,]*(?:\.\d+)?k?"
_RANGE = re.compile(rf"(?:between|from|range)?\s*({_NUMBER})\s*(?:-|–|to|and|~)\s*({_NUMBER})", re.I)
_CHOICES = re.compile(r"(?:one of|either|values?|options?|like|such as)?\s*[(\[]([^()\[\]]+[/|,][^()\[\]]+)[)\]]"
                      r"|(?:one of|either|values?)\s*:?\s*(.+)$", re.I)  # fmt: skip
_DECIMALS = re.compile(r"(?:with\s+)?(\d+)\s+decimals?(?:\s+places?)?", re.I)
_MASK = re.compile(r"(?:format|pattern|like|mask)\s*:?\s*['\"]?([A-Z9a-z\-#/. ]*[A-Z9][A-Z9a-z\-#/. ]*)['\"]?$")
_DATE_SINCE = re.compile(r"(?:since|after|from)\s+((?:19|20)\d\d)", re.I)
_DATE_IN = re.compile(r"(?:in|during)\s+((?:19|20)\d\d)", re.I)


@dataclass
class Parsed:
    columns: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def _number(text: str) -> float:
    text = text.replace("$", "").replace(",", "").lower()
    value = float(text[:-1]) * 1000 if text.endswith("k") else float(text)
    return int(value) if value.is_integer() else value


def split_phrases(prompt: str) -> list[str]:
    text = re.sub(r"\s+", " ", re.sub(r"\s*\n\s*", ", ", prompt.strip()))  # one column per line, too
    text = _LEAD.sub("", text, count=1)
    if ":" in text and text.index(":") < 80 and not re.search(r"(?:format|pattern|mask)\s*:", text, re.I):
        text = text.split(":", 1)[1]
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # "$1,000" is one number, not two phrases
    # Keep "between 18 and 65" and choices in brackets whole while splitting on "and".
    protected = re.sub(rf"({_NUMBER})\s+and\s+({_NUMBER})", r"\1~\2", text)
    protected = re.sub(r"[(\[][^()\[\]]*[)\]]", lambda m: m.group().replace(",", "|").replace(" and ", "|"), protected)
    parts = re.split(r",|;|\n|\band\b|\bplus\b|&", protected)
    return [p.strip(" .") for p in parts if p.strip(" .")]


def _snake(text: str) -> str:
    name = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    return name[:100] or "column"


def _match(phrase: str) -> tuple[str, str, dict[str, Any]] | None:
    padded = f" {re.sub(r'[^0-9a-z#+-]+', ' ', phrase.lower())} "
    for term, kind, constraints in _TERM_INDEX:
        if f" {term} " in padded:
            return term, kind, dict(constraints)
    singular = re.sub(r"s\b", "", padded)
    for term, kind, constraints in _TERM_INDEX:
        if f" {term} " in singular:
            return term, kind, dict(constraints)
    return None


def parse_phrase(phrase: str) -> tuple[dict[str, Any], str | None]:
    """One column from one phrase, and a warning when no term matched."""
    hints: dict[str, Any] = {}
    core = phrase
    if m := _CHOICES.search(core):
        raw = m.group(1) or m.group(2)
        values = [v.strip(" '\"") for v in re.split(r"[/|,]|\bor\b", raw) if v.strip(" '\"")]
        if len(values) >= 2:
            hints["values"] = values
            core = core[: m.start()]
    if m := _MASK.search(core):
        hints["mask"] = m.group(1).replace("#", "9").strip()
        core = core[: m.start()]
    if m := _DECIMALS.search(core):
        hints["decimals"] = int(m.group(1))
        core = core[: m.start()] + core[m.end() :]
    if m := _DATE_SINCE.search(core):
        hints["start"] = f"{m.group(1)}-01-01"
        core = core[: m.start()]
    elif m := _DATE_IN.search(core):
        hints["start"], hints["end"] = f"{m.group(1)}-01-01", f"{m.group(1)}-12-31"
        core = core[: m.start()]
    if m := _RANGE.search(core):
        hints["min"], hints["max"] = sorted((_number(m.group(1)), _number(m.group(2))))
        core = core[: m.start()]
    unit = None
    if m := re.search(r"\(?\b(?:in\s+)?(inches|in|cm|feet|ft|lbs?|pounds|kg|fahrenheit|celsius|f|c|miles|mi|km|"
                      r"meters|m|seconds|minutes|hours|days|usd|dollars|eur|euros)\b\)?\s*$", core, re.I):  # fmt: skip
        unit = m.group(1).lower()
        core = core[: m.start()]
    core = re.sub(r"^(?:the|a|an|their|each|its|his|her)\s+", "", core.strip(), flags=re.I).strip(" ()")
    core = re.sub(r"'s\b", "", core)
    name = _snake(core or phrase)
    matched = _match(core or phrase)
    warning = None
    if "values" in hints:
        kind, constraints = "custom_enum", {"values": hints["values"]}
    elif "mask" in hints:
        kind, constraints = "custom_mask", {"mask": hints["mask"]}
    elif matched is None:
        kind, constraints = "lorem_word", {}
        warning = f"{phrase!r} matched no known column type; it is lorem_word (edit the type to change it)."
        if {"min", "max"} <= hints.keys():
            kind, constraints, warning = "number_integer", {}, None
    else:
        term, kind, constraints = matched
        for family, units in UNITS.items():
            related = (family, *[t for terms, _, _ in TERMS if family in terms for t in terms])
            if unit in units and term in related:
                lo, hi = units[unit]
                constraints.update(min=lo, max=hi)
        if unit in ("usd", "dollars", "eur", "euros") and kind in ("number_integer", "number_decimal"):
            kind = "currency"
    if kind == "identity_age" and {"min", "max"} <= hints.keys():
        kind, constraints = "number_integer", {}  # a bounded age is a number, not the identity's own
    if kind in ("number_integer", "number_decimal", "currency", "percentage") and {"min", "max"} <= hints.keys():
        constraints.update(min=hints["min"], max=hints["max"])
        if kind == "number_integer" and any(isinstance(hints[k], float) for k in ("min", "max")):
            kind = "number_decimal"
    if "decimals" in hints and kind in ("number_decimal", "currency", "percentage", "latitude", "longitude"):
        constraints["decimals"] = min(hints["decimals"], 10)
    elif "decimals" in hints and kind == "number_integer":
        kind, constraints["decimals"] = "number_decimal", min(hints["decimals"], 10)
    if kind in ("date", "identity_dob", "hire_date") and "start" in hints:
        kind = "date"
        constraints["start"] = hints["start"]
        constraints["end"] = hints.get("end", constraints.get("end", "2025-12-31"))
    return {"name": name, "type": kind, "constraints": constraints}, warning


def parse_description(prompt: Any) -> Parsed:
    """The heuristic parser: columns that validate as a generate request would (at most 50)."""
    if not isinstance(prompt, str) or not len(prompt.strip()) >= 1 or len(prompt) > MAX_PROMPT:
        raise bad_request("invalid_prompt", f"prompt must be a string of 1 to {MAX_PROMPT:,} characters.")
    phrases = split_phrases(prompt)
    if not phrases:
        raise bad_request("invalid_prompt", "prompt names no columns; list them, e.g. 'first name, age, city'.")
    warnings: list[str] = []
    columns: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for phrase in phrases:
        column, warning = parse_phrase(phrase)
        if warning:
            warnings.append(warning)
        base = column["name"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            column["name"] = f"{base}_{seen[base]}"
        columns.append(column)
    if len(columns) > MAX_COLUMNS:
        warnings.append(f"the description names {len(columns)} columns; the first {MAX_COLUMNS} are kept.")
        columns = columns[:MAX_COLUMNS]
    validate_columns(columns)  # the parser never answers a schema that generate would refuse
    return Parsed(columns, warnings)
