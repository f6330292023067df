"""The events that cross service boundaries: one pydantic model per subject.

Each event is a fact in the past tense. Its class knows the subject it is published on, the
JetStream stream that keeps it, its schema version and the message id that makes a retried
publish a no-op (JetStream drops a second message with the same `Nats-Msg-Id` inside the
stream's duplicate window). Bump `SCHEMA_VERSION` and the subject suffix together on any
incompatible change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

TpsCode = Annotated[
    str, Field(pattern=r"^\d{13}$", description="Kelurahan code without dots + TPS number.")
]
ContestCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^|\s]+$")]


class Event(BaseModel, ABC):
    """Base of every event: subject, stream, version and the business-key message id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    SUBJECT: ClassVar[str]
    STREAM: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    @abstractmethod
    def message_id(self) -> str:
        """The `Nats-Msg-Id`: built from the business key, so a retry is a duplicate."""

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()


class PhotoReceived(Event):
    """A KPPS officer uploaded a photo of a result form; it is stored and waits to be read."""

    SUBJECT: ClassVar[str] = "photo.received.v1"
    STREAM: ClassVar[str] = "PHOTOS"

    submission_id: str = Field(description="Ingest's id of this upload (UUID).")
    photo_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Key in the photo store.")
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size_bytes: int = Field(gt=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    contest: ContestCode
    tps: TpsCode = Field(description="The uploading officer's TPS.")
    officer_id: str
    uploaded_at: datetime

    def message_id(self) -> str:
        return f"photo:{self.photo_sha256}:{self.officer_id}"


class QrPayload(BaseModel):
    """The decoded QR code of a form: `RKP1|<contest>|<tps>|<page>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contest: ContestCode
    tps: TpsCode
    page: int = Field(ge=1)


class DigitAlternative(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int | None = Field(description="An alternative reading; null for a blank field.")
    probability: float = Field(ge=0, le=1)


class FieldReading(BaseModel):
    """What the reader saw in one number field of the form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int | None = Field(description="Most probable value; null when the field is blank.")
    confidence: float = Field(ge=0, le=1)
    alternatives: list[DigitAlternative] = Field(
        default_factory=list, description="Next most probable readings, most probable first."
    )
    box_px: list[tuple[int, int, int, int]] = Field(
        default_factory=list,
        description="Each digit box in the page image as (x, y, width, height) pixels.",
    )


class FormRead(Event):
    """The reader finished a photo: the QR, every field, or why it could not read it."""

    SUBJECT: ClassVar[str] = "form.read.v1"
    STREAM: ClassVar[str] = "FORMS"

    submission_id: str
    photo_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    contest: ContestCode
    tps: TpsCode = Field(description="The uploading officer's TPS.")
    officer_id: str
    engine_version: str
    readable: bool
    unreadable_reason: str | None = None
    qr: QrPayload | None = None
    printed_region_text: str | None = Field(
        default=None,
        description=(
            "The printed region block as Tesseract read it: only the line that prints the "
            "QR's TPS code where one does, else the whole block."
        ),
    )
    fields: dict[str, FieldReading] = Field(default_factory=dict)
    read_at: datetime

    def message_id(self) -> str:
        return f"read:{self.submission_id}:{self.engine_version}"


class RuleFinding(BaseModel):
    """A broken rule, named and explained so that a reviewer can act on it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(description="Stable rule name, e.g. 'sum_of_candidates_equals_valid'.")
    severity: Literal["hard", "soft"]
    message: str
    fields: list[str] = Field(default_factory=list)


class TallyAccepted(Event):
    """A version of one TPS's tally for one contest is accepted for publication."""

    SUBJECT: ClassVar[str] = "tally.accepted.v1"
    STREAM: ClassVar[str] = "TALLIES"

    contest: ContestCode
    tps: TpsCode
    version: int = Field(ge=1, description="Increases with every accepted correction.")
    values: dict[str, int | None] = Field(
        description="Every number field of the form by name; null for a blank row."
    )
    candidate_votes: dict[int, int] = Field(description="Votes by candidate number.")
    decided_by: str = Field(description="'auto' or 'reviewer:<reviewer_id>'.")
    submission_ids: list[str]
    photo_sha256s: list[str]
    soft_findings: list[RuleFinding] = Field(default_factory=list)
    disputed: bool = False
    accepted_at: datetime

    def message_id(self) -> str:
        return f"tally:{self.tps}:{self.contest}:{self.version}"


class TallyReviewRequested(Event):
    """A reading cannot be published without a human: why, and what was read."""

    SUBJECT: ClassVar[str] = "tally.review.v1"
    STREAM: ClassVar[str] = "TALLIES"

    contest: ContestCode
    tps: TpsCode
    submission_ids: list[str]
    photo_sha256s: list[str]
    findings: list[RuleFinding]
    readings: dict[str, dict[str, int | None]] = Field(
        description="Values read per submission id, so readings can be shown side by side."
    )
    requested_at: datetime

    def message_id(self) -> str:
        return f"review:{self.tps}:{self.contest}:{','.join(sorted(self.submission_ids))}"


class ResultsUpdated(Event):
    """Published totals changed for a TPS and all its ancestor regions."""

    SUBJECT: ClassVar[str] = "results.updated.v1"
    STREAM: ClassVar[str] = "RESULTS"

    contest: ContestCode
    tps: TpsCode
    version: int = Field(ge=1)
    region_codes: list[str] = Field(description="The TPS's kelurahan up to its provinsi.")
    updated_at: datetime

    def message_id(self) -> str:
        return f"results:{self.contest}:{self.tps}:{self.version}"


class MessageDeadLettered(Event):
    """A message a consumer gave up on: kept with the error so an admin can look and replay."""

    SUBJECT: ClassVar[str] = "deadletter.v1"
    STREAM: ClassVar[str] = "DEADLETTER"

    consumer: str
    original_stream: str
    original_subject: str
    original_sequence: int
    deliveries: int
    reason: Literal["poison", "failed", "gave_up"] = Field(
        description="poison: not a valid event; failed: the handler raised on its last "
        "attempt; gave_up: delivered too often without an ack (a crash or a timeout)."
    )
    error: str
    payload: str = Field(description="The original message body, as UTF-8 text (replaced).")
    dead_lettered_at: datetime

    def message_id(self) -> str:
        return f"dead:{self.original_stream}:{self.original_sequence}:{self.consumer}"

    @classmethod
    def subject_for(cls, consumer: str) -> str:
        """Dead letters of one consumer go to their own subject under the one stream."""
        return f"{cls.SUBJECT}.{consumer}"


EVENTS: tuple[type[Event], ...] = (
    PhotoReceived,
    FormRead,
    TallyAccepted,
    TallyReviewRequested,
    ResultsUpdated,
    MessageDeadLettered,
)
