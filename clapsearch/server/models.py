"""The API's JSON shapes (pydantic models: FastAPI documents them on /docs)."""
from __future__ import annotations

from pydantic import BaseModel


class FileOut(BaseModel):
    file_id: int
    path: str
    name: str
    folder: str
    duration: float | None
    format: str | None
    sample_rate: int | None
    channels: int | None
    size: int


class ResultOut(FileOut):
    segment_id: int | None
    score: float
    start: float
    end: float


class SearchOut(BaseModel):
    query: str
    results: list[ResultOut]


class PeaksOut(BaseModel):
    duration: float
    peaks: list[list[float]]


class InfoOut(BaseModel):
    model: str
    files: int
    segments: int
    formats: list[str]
    folders: list[str]
    sample_rates: list[int]
    duration_min: float | None
    duration_max: float | None
    watch: bool


class ErrorOut(BaseModel):
    detail: str
