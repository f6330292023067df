"""The one settings object. Every value can be set with a `REKAP_` environment variable."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REKAP_", env_file=".env", extra="ignore")

    var_dir: Path = Field(Path("var"), description="All local state of the embedded stack.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy async URL; default: SQLite at <var_dir>/rekap.db. "
        "PostgreSQL: postgresql+asyncpg://user@host/db",
    )
    nats_url: str = Field(
        "nats://127.0.0.1:14222",
        description="The broker services talk to; default: the embedded one on embedded_nats_port.",
    )
    embedded_nats_port: int = Field(14222, description="Port of the nats-server `rekap up` starts.")
    photo_dir: Path | None = Field(
        None, description="Photo store folder; default <var_dir>/photos."
    )

    results_port: int = Field(8000, description="Public results API, stream and web page.")
    ingest_port: int = Field(8001, description="Upload API (`rekap serve ingest`).")
    ocr_port: int = Field(8003, description="Health endpoint of the ocr worker.")
    validate_port: int = Field(8004, description="Health endpoint of the validate worker.")
    aggregate_port: int = Field(8005, description="Health endpoint of the aggregate worker.")
    bind_host: str = Field("127.0.0.1", description="Address the HTTP services listen on.")

    max_upload_bytes: int = Field(15 * 1024 * 1024, description="Upload size cap (413 above).")
    max_image_pixels: int = Field(50_000_000, description="Decoded pixel cap (422 above).")
    max_image_side: int = Field(12_000, description="Longest side in pixels (422 above).")
    min_image_side: int = Field(480, description="Shortest side in pixels (422 below).")
    uploads_per_minute: int = Field(20, description="Per officer; 429 above.")

    outbox_poll_seconds: float = Field(2.0, description="How often unsent events are retried.")
    stream_replicas: int = Field(1, description="JetStream replicas: 3 on a cluster.")
    duplicate_window_seconds: int = Field(
        24 * 3600, description="How long JetStream remembers message ids to drop retries."
    )

    transparency_key_path: Path | None = Field(
        None,
        description="Ed25519 private key (PEM) that signs the transparency log's tree heads; "
        "default <var_dir>/keys/transparency-ed25519.pem, created on first use.",
    )
    tree_head_interval_seconds: float = Field(
        10.0, description="How often a new signed tree head is issued when the log grew."
    )

    @model_validator(mode="after")
    def _default_to_the_embedded_broker(self) -> Settings:
        if "nats_url" not in self.model_fields_set:
            self.nats_url = f"nats://127.0.0.1:{self.embedded_nats_port}"
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'rekap.db'}"

    @cached_property
    def resolved_photo_dir(self) -> Path:
        return self.photo_dir or self.var_dir / "photos"

    @cached_property
    def resolved_transparency_key_path(self) -> Path:
        return self.transparency_key_path or self.var_dir / "keys" / "transparency-ed25519.pem"
