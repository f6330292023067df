"""The ingest API's errors: one type per failure a user can act on, each one HTTP status."""

from __future__ import annotations


class ApiError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, {"WWW-Authenticate": "Bearer"})


class OutOfScope(ApiError):
    status, code = 403, "out_of_scope"


class SubmissionNotFound(ApiError):
    status, code = 404, "submission_not_found"


class UploadTooLarge(ApiError):
    status, code = 413, "photo_too_large"


class MalformedUpload(ApiError):
    status, code = 422, "malformed_upload"


class TooManyUploads(ApiError):
    status, code = 429, "too_many_uploads"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, {"Retry-After": str(retry_after_seconds)})
