"""Svix-shaped error responses.

Svix answers 4xx with ``HttpErrorOut {code, detail}`` and 422 with
``HTTPValidationError {detail: [{loc, msg, type}]}``; the emulator raises ApiError from
handlers and one exception handler renders it.
"""

from fastapi.responses import JSONResponse


class ApiError(Exception):
    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def http_error(status: int, code: str, detail: str, headers: dict | None = None) -> ApiError:
    return ApiError(status, {"code": code, "detail": detail}, headers)


def not_found(detail: str = "Entity not found") -> ApiError:
    return http_error(404, "not_found", detail)


def conflict(detail: str = "An entity with this uid already exists") -> ApiError:
    return http_error(409, "conflict", detail)


def unauthorized() -> ApiError:
    return http_error(401, "authentication_failed", "Incorrect authentication credentials.")


def validation_error(items: list[dict]) -> ApiError:
    """``items``: [{"loc": [...], "msg": ..., "type": ...}]."""
    return ApiError(422, {"detail": items})


def invalid(loc: list[str], msg: str, type_: str = "value_error") -> ApiError:
    return validation_error([{"loc": loc, "msg": msg, "type": type_}])
