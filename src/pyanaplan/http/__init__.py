"""HTTP layer: the API session, retry policy, error mapping and paging (re-exports only)."""

from pyanaplan.http._auth_http import AuthHttp
from pyanaplan.http._retry import RetryPolicy, parse_retry_after
from pyanaplan.http._session import ApiSession, is_idempotent, iter_body

__all__ = [
    "ApiSession",
    "AuthHttp",
    "RetryPolicy",
    "is_idempotent",
    "iter_body",
    "parse_retry_after",
]
