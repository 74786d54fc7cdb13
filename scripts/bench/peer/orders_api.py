"""Calls our Orders API for one webhook, as OrdersApiClient (functions/src/main/java/com/acme/integration/orders/).

Every attempt carries the webhook id as Idempotency-Key. Transient failures (I/O errors, timeouts, 5xx,
408, 429, and 401/403, which mean our credentials are wrong, not the order) are retried with exponential
backoff and jitter, never sooner than the API's Retry-After, within one total deadline; each attempt's
timeout is capped by what is left of it. One httpx.AsyncClient with a keep-alive pool serves every call.
"""

import asyncio
import email.utils
import json
import logging
import random
import re
import time
from urllib.parse import quote

import httpx

log = logging.getLogger("peer.orders_api")

CREATE = ("POST", "create")
UPDATE = ("PUT", "update")
CANCEL = ("POST", "cancel")

MAX_TITLE = 200
MAX_DETAIL = 1000
MAX_ERRORS = 100
URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^ \t\n\x0b\f\r]+", re.ASCII)
BEARER = re.compile(r"bearer[ \t\n\x0b\f\r]+[^ \t\n\x0b\f\r]+", re.IGNORECASE | re.ASCII)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Accepted:
    __slots__ = ("order_id", "replayed")

    def __init__(self, order_id, replayed):
        self.order_id = order_id
        self.replayed = replayed


class UpstreamUnavailable(Exception):
    """Still failing at the deadline: HTTP 503 with Retry-After (seconds)."""

    def __init__(self, retry_after):
        super().__init__("Orders API unavailable")
        self.retry_after = retry_after


class UpstreamConflict(Exception):
    """The API has a request with this key in flight: HTTP 409."""

    def __init__(self, retry_after):
        super().__init__("Orders API has a request with this key in flight")
        self.retry_after = retry_after


class UpstreamRejected(Exception):
    """A business rejection (4xx): HTTP 422 with the API's title, detail and field errors, sanitised."""

    def __init__(self, status, title, detail, errors):
        super().__init__(f"Orders API rejected the request with status {status}")
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors


class _Transient(Exception):

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class OrdersApi:

    def __init__(self, settings, metrics):
        self.base_url = settings.orders_api_base_url.rstrip("/")
        self.token = settings.orders_api_token
        self.deadline = settings.orders_api_deadline
        self.read_timeout = settings.orders_api_read_timeout
        self.connect_timeout = settings.orders_api_connect_timeout
        self.initial_backoff = settings.orders_api_initial_backoff
        self.max_backoff = settings.orders_api_max_backoff
        self.max_retries = settings.orders_api_max_retries
        self.unavailable_retry_after = settings.orders_api_unavailable_retry_after
        self.metrics = metrics
        # trust_env=False: no proxy variables or .netrc, as the JDK client. httpx's default pool (20 kept alive):
        # keeping one per concurrent webhook costs more at 64 concurrent webhooks than reconnecting, because
        # httpcore 0.16 checks every pooled connection on each request (measured, see README.md).
        self.client = httpx.AsyncClient(
            headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json",
                     "Accept": "application/json, application/problem+json"},
            timeout=httpx.Timeout(self.read_timeout, connect=self.connect_timeout),
            follow_redirects=False, trust_env=False)

    async def aclose(self):
        await self.client.aclose()

    def url(self, operation, external_ref):
        if operation is CREATE:
            return self.base_url + "/api/v1/orders"
        ref = quote(external_ref, safe=":@")
        if operation is UPDATE:
            return f"{self.base_url}/api/v1/orders/by-external-ref/{ref}"
        return f"{self.base_url}/api/v1/orders/by-external-ref/{ref}/cancel"

    async def send(self, operation, external_ref, idempotency_key, body):
        """Sends one order operation, retrying transient failures until the deadline."""
        url = self.url(operation, external_ref)
        headers = {"Idempotency-Key": idempotency_key}
        start = time.monotonic()
        attempts = 0
        backoff = self._backoff()
        while True:
            attempts += 1
            if attempts > 1:
                self.metrics.retries.labels(operation[1]).inc()
            remaining = self.deadline - (time.monotonic() - start)
            if remaining <= 0:
                failure = _Transient("deadline reached before the attempt")
            else:
                try:
                    return await self._attempt(operation, url, headers, body, min(self.read_timeout, remaining))
                except _Transient as ex:
                    log.warning("Orders API %s attempt %d failed: %s", operation[1], attempts, ex)
                    failure = ex
            # As Spring's RetryTemplate: stop at the deadline, after the last retry, or when the next
            # backoff would end past the deadline.
            elapsed = time.monotonic() - start
            delay = next(backoff, None)
            if elapsed >= self.deadline or delay is None:
                break
            if failure.retry_after is not None:
                delay = max(delay, failure.retry_after)
            if elapsed + delay >= self.deadline:
                break
            await asyncio.sleep(delay)
        retry_after = max(failure.retry_after, 1) if failure.retry_after is not None else self.unavailable_retry_after
        log.warning("Orders API %s unavailable after %d attempt(s) within %ss: %s", operation[1], attempts,
                    self.deadline, failure)
        raise UpstreamUnavailable(retry_after)

    async def _attempt(self, operation, url, headers, body, timeout):
        started = time.perf_counter()
        outcome = "io_error"
        try:
            try:
                # One bound for the whole exchange (connect, send, answer, body), like the JDK client's
                # request timeout; httpx's own read timeout is per read.
                async with asyncio.timeout(timeout):
                    response = await self.client.request(operation[0], url, headers=headers, content=body)
            except (httpx.HTTPError, TimeoutError) as ex:
                raise _Transient(f"I/O error: {type(ex).__name__}: {ex}") from None
            except Exception as ex:
                # Not knowing whether the API has the order is transient; the idempotency key makes the retry safe.
                raise _Transient(f"unexpected failure: {type(ex).__name__}: {ex}") from None
            try:
                accepted = self._classify(response)
            except _Transient:
                outcome = "transient"
                raise
            except UpstreamConflict:
                outcome = "conflict"
                raise
            except UpstreamRejected:
                outcome = "rejected"
                raise
            outcome = "accepted"
            return accepted
        finally:
            self.metrics.orders_api_requests.labels(operation[1], outcome).observe(time.perf_counter() - started)

    def _classify(self, response):
        code = response.status_code
        if 200 <= code < 300:
            return Accepted(self._order_id(response.content),
                            response.headers.get("Idempotent-Replayed", "").lower() == "true")
        retry_after = self.retry_after(response.headers.get("Retry-After"))
        if code == 409:
            raise UpstreamConflict(retry_after)
        if code in (429, 408) or 500 <= code < 600:
            raise _Transient(f"status {code}", retry_after)
        if code in (401, 403):
            log.error("Orders API refused our credentials (status %d): check integration.orders-api.token", code)
            raise _Transient(f"status {code} (credentials)", retry_after)
        if 400 <= code < 500:
            raise self._rejected(code, response.content)
        raise _Transient(f"unexpected status {code}", retry_after)

    @staticmethod
    def _order_id(body):
        try:
            id_ = json.loads(body).get("id")
            if isinstance(id_, str) or (isinstance(id_, (int, float)) and not isinstance(id_, bool)):
                return str(id_)
        except (ValueError, AttributeError):
            pass
        log.warning("Orders API accepted the request but sent no order id")
        return None

    def _rejected(self, status, body):
        title = detail = None
        errors = []
        try:
            problem = json.loads(body)
        except ValueError:
            problem = None
        if isinstance(problem, dict):
            title = self._safe_text(problem.get("title"), MAX_TITLE)
            detail = self._safe_text(problem.get("detail"), MAX_DETAIL)
            listed = problem.get("errors")
            if isinstance(listed, list):
                for error in listed:
                    if not isinstance(error, dict):
                        continue
                    pointer = self._safe_text(error.get("pointer"), MAX_TITLE)
                    text = self._safe_text(error.get("detail"), MAX_TITLE)
                    if pointer is not None and text is not None and len(errors) < MAX_ERRORS:
                        errors.append({"pointer": pointer, "detail": text})
        return UpstreamRejected(status, title, detail, errors)

    def _safe_text(self, value, max_length):
        """Only the API's words, without URLs or credentials."""
        if not isinstance(value, str):
            return None
        text = value.replace(self.token, "[redacted]")
        text = URL.sub("[url removed]", text)
        text = BEARER.sub("[redacted]", text)
        text = CONTROL.sub(" ", text).strip()
        if len(text) > max_length:
            text = text[:max_length] + "\u2026"
        return text or None

    @staticmethod
    def retry_after(value):
        """Retry-After as delta-seconds or HTTP-date, in seconds; None if absent or unreadable."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        if value.isdigit() and value.isascii():
            # What fits Java's long, as Long.parseLong.
            return int(value) if len(value) < 19 or int(value) < 2**63 else None
        try:
            at = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if at is None or at.tzinfo is None:
            return None
        return max(at.timestamp() - time.time(), 0)

    def _backoff(self):
        """Spring's ExponentialBackOff: initial, doubling, capped, jitter of half the initial delay scaled by the
        interval; at most max_retries delays."""
        interval = None
        jitter = self.initial_backoff / 2
        for _ in range(self.max_retries):
            interval = self.initial_backoff if interval is None else min(interval * 2, self.max_backoff)
            applicable = jitter * (interval // self.initial_backoff)
            low = max(interval - applicable, self.initial_backoff)
            high = min(interval + applicable, self.max_backoff)
            yield min(low + random.random() * (high - low), self.max_backoff)
