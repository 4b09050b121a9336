"""Shapes every router shares: a page of items and the error body."""

from http import HTTPStatus
from typing import Annotated, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, Field

from nexus.service.case_access import MAX_ID


class FieldError(BaseModel):
    field: str = Field(examples=["body.name"])
    message: str


class ErrorBody(BaseModel):
    status: int
    error: str = Field(examples=["Unprocessable Entity"])
    detail: str
    fields: list[FieldError] = []


def error_body(status: int, detail: str, fields: list[dict] | None = None) -> dict:
    return {"status": status, "error": HTTPStatus(status).phrase, "detail": detail, "fields": fields or []}


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    next_offset: int | None = Field(description="where the next page starts; null on the last page")


Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a number the store gave")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="skip this many items")]
