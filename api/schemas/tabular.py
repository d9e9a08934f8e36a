from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import Open


class ParseRequest(BaseModel):
    prompt: str = Field(description="The columns you want, in words (1-2,000 characters)",
                        examples=["first name, last name, age, city, state, annual salary"])  # fmt: skip


class ParsedColumn(Open):
    name: str
    type: str
    constraints: dict = {}


class ParsedSchema(Open):
    columns: list[ParsedColumn]
    parser_type: str = Field(description="heuristic (offline) or llm")
    model: str | None = None
    warnings: list[str] = Field(default_factory=list, description="phrases that matched no known type, …")


class TabularAccepted(Open):
    job_id: str | None = None
    status: str = Field(description="processing, or confirmation_required (re-send with confirmed_credits = cost)")
    credits_required: int | None = None
    cost: int | None = None
    available_credits: int | None = None


class TabularStatus(Open):
    job_id: str
    status: str = Field(description="processing | completed | failed")
    rows_generated: int
    total_rows: int
    percent: float = Field(ge=0, le=100)
    estimated_seconds_remaining: float | None
    error: str | None


class ColumnConstraint(Open):
    kind: str = Field(description="int, float, str, list, … (what the value must be)")
    default: object | None = None
    required: bool = Field(False, description="the column is refused without it")


class ColumnType(Open):
    type: str
    family: str = Field(
        description="identity (consistent within a row: the identity graph), number, time, text, code, network, choice"
    )
    description: str
    constraints: dict[str, ColumnConstraint]
