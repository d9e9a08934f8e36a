"""The LLM path of `/tabular/parse`: ask an Anthropic or OpenAI-compatible model for the columns,
accept its answer only if it validates exactly as a generate request would, and fall back to
the offline heuristic on any error (network, time-out, bad JSON, unknown type, bad constraint)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from symage_pipeline.errors import SymageError
from symage_pipeline.settings import Settings
from symage_pipeline.tabular.parse import MAX_PROMPT, parse_description
from symage_pipeline.tabular.registry import describe
from symage_pipeline.tabular.spec import MAX_COLUMNS, validate_columns

log = logging.getLogger(__name__)
DEFAULT_MODELS = {"anthropic": "claude-haiku-4-5-20251001", "openai": "gpt-4o-mini"}
DEFAULT_URLS = {"anthropic": "https://api.anthropic.com", "openai": "https://api.openai.com/v1"}


@dataclass(frozen=True)
class LLMConfig:
    provider: str  # anthropic | openai
    base_url: str
    api_key: str
    model: str
    timeout: float = 10.0


def llm_config(settings: Settings) -> LLMConfig | None:
    provider = (settings.llm_provider or "").lower()
    if provider not in DEFAULT_MODELS or not settings.llm_api_key:
        return None
    return LLMConfig(
        provider=provider,
        base_url=(settings.llm_base_url or DEFAULT_URLS[provider]).rstrip("/"),
        api_key=settings.llm_api_key,
        model=settings.llm_model or DEFAULT_MODELS[provider],
        timeout=settings.llm_timeout_seconds,
    )


def _instructions() -> str:
    types = "\n".join(
        f"- {t['type']}: {t['description']}" + (f" (constraints: {', '.join(t['constraints'])})" if t["constraints"]
                                                else "")  # fmt: skip
        for t in describe()
    )
    return (
        "You turn a description of a table into its columns. Answer with JSON only, of the form "
        '{"columns": [{"name": "snake_case", "type": "<type>", "constraints": {}}]}, at most '
        f"{MAX_COLUMNS} columns, using only these types and constraint names:\n{types}\n"
        "Prefer identity types (text_first_name, address_city, ...) for facts about a person. "
        "Every column may also take null_rate (0..1)."
    )


def _ask(prompt: str, config: LLMConfig) -> str:
    import httpx

    if config.provider == "anthropic":
        response = httpx.post(
            f"{config.base_url}/v1/messages",
            headers={"x-api-key": config.api_key, "anthropic-version": "2023-06-01"},
            json={"model": config.model, "max_tokens": 4096, "system": _instructions(),
                  "messages": [{"role": "user", "content": prompt}]},  # fmt: skip
            timeout=config.timeout,
        )
        response.raise_for_status()
        return "".join(block.get("text", "") for block in response.json()["content"] if block.get("type") == "text")
    response = httpx.post(
        f"{config.base_url}/chat/completions",
        headers={"Authorization": f"Bearer {config.api_key}"},
        json={"model": config.model, "temperature": 0, "response_format": {"type": "json_object"},
              "messages": [{"role": "system", "content": _instructions()}, {"role": "user", "content": prompt}]},
        timeout=config.timeout,
    )  # fmt: skip
    response.raise_for_status()
    return response.json()["choices"][0]["message"]["content"]


def _columns(text: str) -> list[dict[str, Any]]:
    """The model's columns, strictly: a JSON object with `columns` that validate like a request."""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    payload = json.loads(fenced.group(1) if fenced else text)
    if not isinstance(payload, dict) or set(payload) - {"columns"}:
        raise ValueError("the answer is not an object with only `columns`")
    raw = payload["columns"]
    validate_columns(raw)  # SymageError on any unknown type or bad constraint
    return [{"name": c["name"], "type": c["type"], "constraints": dict(c.get("constraints") or {})} for c in raw]


def parse_with_llm(prompt: Any, config: LLMConfig | None) -> dict[str, Any]:
    """The parse answer: `parser_type: llm` and the model when the LLM's columns validate, else
    the heuristic's (`parser_type: heuristic`, with a warning saying why the LLM was not used)."""
    heuristic = parse_description(prompt)  # also the prompt's own validation (400 invalid_prompt)
    if config is not None and len(prompt) <= MAX_PROMPT:
        try:
            columns = _columns(_ask(prompt, config))
            return {"columns": columns, "parser_type": "llm", "model": config.model, "warnings": []}
        except (Exception, SymageError) as exc:  # noqa: BLE001 - any failure falls back
            log.warning("LLM parse failed, using the heuristic: %r", exc)
            heuristic.warnings.append(f"the LLM's answer was not used ({type(exc).__name__}); heuristic parse")
    return {"columns": heuristic.columns, "parser_type": "heuristic", "model": None, "warnings": heuristic.warnings}
