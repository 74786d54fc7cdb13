#!/usr/bin/python3
"""The FastAPI peer of orderWebhook, for the benchmarks only (never deployed).

The order webhook contract as a Python team would serve it on Debian's fastest stack: FastAPI on one
uvicorn worker with uvloop and httptools, pydantic settings, one keep-alive httpx.AsyncClient. It does
what the function does per webhook: guard the edge (POST, JSON, 256 KiB), verify the Standard Webhooks
signature over the raw body, parse and validate the contract, map it to our order model, deliver it to
our Orders API with the webhook id as Idempotency-Key and answer 200 only after a 2xx; refusals are RFC
9457 problem details with the function's type URIs. One log line and counters per webhook, /metrics
for Prometheus, GET /healthz once it serves.

Usage: /usr/bin/python3 scripts/bench/peer/peer.py [--port N]
Configuration: the Java app's variables (settings.py): SERVER_PORT, INTEGRATION_CUSTOMER_KEY,
INTEGRATION_ORDERSAPI_BASEURL, and the token and secrets as INTEGRATION_ORDERSAPI_TOKEN and
INTEGRATION_WEBHOOK_SECRETS or as files in INTEGRATION_SECRETS_DIR. Listens on 127.0.0.1; SIGTERM
stops it after the requests in flight.
"""

import argparse
import codecs
import contextvars
import json
import logging
import re
import sys
import time
from http import HTTPStatus

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Summary, generate_latest
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

import contract
import orders_api
import settings as config
import signature

PROBLEM_BASE = "https://problems.acme.example/"
PROBLEM_JSON = "application/problem+json"
# Spring's token characters for a media type and its parameters.
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
OPERATIONS = {contract.CREATED: orders_api.CREATE, contract.UPDATED: orders_api.UPDATE,
              contract.CANCELLED: orders_api.CANCEL}
RESULTS = {contract.CREATED: "created", contract.UPDATED: "updated", contract.CANCELLED: "cancelled"}
PONG = b'{"result":"pong"}'

log = logging.getLogger("peer.order_webhook")
webhook_id_var = contextvars.ContextVar("webhook_id", default="")


class Metrics:
    """What the function counts: outcomes per event type, Orders API attempts and retries, requests."""

    def __init__(self):
        self.events = Counter("integration_webhook_events", "Customer order webhooks by event type and outcome",
                              ["type", "outcome"])
        self.retries = Counter("integration_orders_api_retries",
                               "Retries of Orders API calls after a transient failure", ["operation"])
        self.orders_api_requests = Summary("integration_orders_api_requests_seconds",
                                           "Latency of single Orders API attempts", ["operation", "outcome"])
        self.http_requests = Summary("http_server_requests_seconds", "HTTP server requests",
                                     ["method", "uri", "status", "outcome"])


class _WebhookIdFilter(logging.Filter):

    def filter(self, record):
        record.webhook_id = webhook_id_var.get()
        return True


def _logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_WebhookIdFilter())
    # Spring Boot's console layout, with the webhook id where the function's pattern has it.
    handler.setFormatter(logging.Formatter(
        "%(asctime)s.%(msecs)03d %(levelname)5s %(process)d --- [%(name)s] [%(webhook_id)s] : %(message)s",
        "%Y-%m-%dT%H:%M:%S"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def _headers(extra=None):
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    if extra:
        headers.update(extra)
    return headers


def _json(document):
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def problem(path, status, slug, title, detail=None, extensions=None, headers=None):
    body = {}
    if detail is not None:
        body["detail"] = detail
    body["instance"] = path
    body["status"] = status
    body["title"] = title
    body["type"] = PROBLEM_BASE + slug
    if extensions:
        body.update(extensions)
    return Response(_json(body), status, _headers(headers), PROBLEM_JSON)


def is_json(content_type):
    """What the function accepts: application/json or application/*+json, as Spring's MimeType parses it."""
    if content_type == "application/json":
        return True
    full, _, parameters = content_type.partition(";")
    type_, slash, subtype = full.strip(" \t").partition("/")
    if not slash or not TOKEN.fullmatch(type_) or not TOKEN.fullmatch(subtype):
        return False
    for parameter in _parameters(parameters):
        name, equals, value = parameter.partition("=")
        if not equals:
            continue
        name, value = name.strip(" \t"), value.strip(" \t")
        quoted = len(value) >= 2 and value[0] == value[-1] == '"'
        if not name or not TOKEN.fullmatch(name) or not (quoted or TOKEN.fullmatch(value)):
            return False
        if name.lower() == "charset" and not _known_charset(value[1:-1] if quoted else value):
            return False
    type_, subtype = type_.lower(), subtype.lower()
    return type_ == "application" and (subtype == "json" or subtype.endswith("+json"))


def _parameters(text):
    """Parameters split at the semicolons outside quoted strings, blank ones left out."""
    parts, start, quoted = [], 0, False
    for i, c in enumerate(text):
        if c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip(" \t") for p in parts if p.strip(" \t")]


def _known_charset(name):
    try:
        codecs.lookup(name)
        return True
    except LookupError:
        return False


class _Refused(Exception):

    def __init__(self, response):
        super().__init__()
        self.response = response


def create_app(settings):
    metrics = Metrics()
    verifier = signature.Verifier(settings.secrets(), settings.smoke_secrets(), settings.webhook_tolerance)
    mapper = contract.Mapper(settings.customer_key)
    api = orders_api.OrdersApi(settings, metrics)
    max_body = settings.webhook_max_body_size
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.on_event("shutdown")
    async def close_client():
        await api.aclose()

    @app.exception_handler(HTTPException)
    async def http_problem(request, exc):
        if exc.status_code == 405:
            return problem(request.url.path, 405, "method-not-allowed", "Method not allowed",
                           "Functions are invoked with POST.", headers=exc.headers)
        if exc.status_code == 404:
            return problem(request.url.path, 404, "not-found", "Not found", "No function is exposed at this path.")
        reason = HTTPStatus(exc.status_code).phrase
        return problem(request.url.path, exc.status_code, reason.lower().replace(" ", "-"), reason)

    @app.get("/healthz")
    async def healthz():
        return Response(b'{"status":"UP"}', 200, _headers(), "application/json")

    @app.get("/metrics")
    async def prometheus():
        return Response(generate_latest(), 200, _headers(), CONTENT_TYPE_LATEST)

    @app.post("/orderWebhook")
    async def order_webhook(request: Request):
        started = time.perf_counter()
        path = request.scope["path"]
        response = None
        try:
            try:
                body = await _body(request, path)
            except _Refused as refused:
                response = refused.response
                return response
            headers = request.headers
            webhook_id = headers.get("webhook-id")
            token = webhook_id_var.set("" if webhook_id is None
                                       else webhook_id if SAFE_ID.fullmatch(webhook_id) else "invalid")
            try:
                response = await _handle(path, webhook_id, headers.get("webhook-timestamp"),
                                         headers.get("webhook-signature"), body)
            finally:
                webhook_id_var.reset(token)
            return response
        finally:
            status = response.status_code if response is not None else 500
            metrics.http_requests.labels("POST", "/orderWebhook", str(status),
                                         "SUCCESS" if status < 400 else "CLIENT_ERROR" if status < 500
                                         else "SERVER_ERROR").observe(time.perf_counter() - started)

    async def _body(request, path):
        """The body within the limit: 415 unless JSON, 413 over the limit (declared or read), 400 when empty."""
        content_type = request.headers.get("content-type")
        if content_type is None or not is_json(content_type):
            raise _Refused(problem(path, 415, "unsupported-media-type", "Unsupported media type",
                                   "Send the body as application/json or application/*+json.",
                                   headers={"Accept-Post": "application/json, application/*+json"}))
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body:
            raise _Refused(_too_large(path))
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_body:
                    raise _Refused(_too_large(path))
                chunks.append(chunk)
        except ClientDisconnect:
            log.warning("Request answered 503: the body could not be read completely (ClientDisconnect)")
            raise _Refused(problem(path, 503, "request-incomplete", "Request incomplete",
                                   "The request body could not be read completely. Send the request again.",
                                   headers={"Retry-After": "1"})) from None
        if size == 0:
            raise _Refused(problem(path, 400, "malformed-json", "Malformed JSON", "The request body is empty."))
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _too_large(path):
        return problem(path, 413, "payload-too-large", "Payload too large",
                       f"The body must not exceed {max_body} bytes.")

    def count(event_type, outcome):
        metrics.events.labels(event_type, outcome).inc()

    async def _handle(path, webhook_id, timestamp, signatures, body):
        event_type = "unknown"
        try:
            # Bytes that are not UTF-8 are refused before the signature, as the function does.
            text = contract.decode(body)
            signed_by = verifier.verify(webhook_id, timestamp, signatures, body)
            event = mapper.map_text(text)
            event_type = event.type
            if event.type == contract.PING:
                count(event_type, "pong")
                log.info("Webhook ping answered (signed by %s)", signed_by.upper())
                return Response(PONG, 200, _headers(), "application/json")
            if signed_by == signature.SMOKE_CHECK:
                raise signature.InvalidSignature("A smoke-check secret signs pings only.")
            accepted = await api.send(OPERATIONS[event.type], event.external_ref, webhook_id, contract.to_json(event))
            result = "duplicate" if accepted.replayed else RESULTS[event.type]
            count(event_type, result)
            log.info("Webhook %s for %s delivered: order %s %s", event_type, event.external_ref, accepted.order_id,
                     result)
            answer = {"result": result} if accepted.order_id is None else {"orderId": accepted.order_id,
                                                                            "result": result}
            return Response(_json(answer), 200, _headers(), "application/json")
        except signature.InvalidSignature as ex:
            count(event_type, "invalid_signature")
            log.warning("Webhook refused: %s", ex)
            return problem(path, 401, "invalid-signature", "Invalid webhook signature", str(ex))
        except contract.MalformedPayload as ex:
            count(event_type, "malformed")
            log.warning("Webhook refused: malformed JSON")
            return problem(path, 400, "malformed-json", "Malformed JSON", str(ex))
        except contract.InvalidPayload as ex:
            count(event_type, "unknown_type" if ex.unknown_type else "invalid")
            log.warning("Webhook refused: %d field error(s)", len(ex.errors))
            errors = {"errors": [{"pointer": pointer, "detail": detail} for pointer, detail in ex.errors]}
            if ex.unknown_type:
                return problem(path, 422, "unknown-event-type", "Unknown event type",
                               "The event type is not one we handle; nothing was sent.", errors)
            return problem(path, 422, "validation-failed", "Validation failed",
                           "The body breaks the order webhook contract; nothing was sent.", errors)
        except orders_api.UpstreamRejected as ex:
            count(event_type, "rejected")
            log.warning("Webhook %s rejected by the Orders API with status %d", event_type, ex.status)
            extensions = {"upstreamStatus": ex.status}
            if ex.title is not None:
                extensions["upstreamTitle"] = ex.title
            if ex.errors:
                extensions["errors"] = ex.errors
            return problem(path, 422, "upstream-rejected", "Order rejected by the Orders API", ex.detail, extensions)
        except orders_api.UpstreamConflict as ex:
            count(event_type, "conflict")
            log.warning("Webhook %s is already in flight at the Orders API", event_type)
            return problem(path, 409, "conflict", "Request in progress",
                           "A request with the same webhook-id is still being processed; deliver again later.",
                           headers=_retry_after(ex.retry_after))
        except orders_api.UpstreamUnavailable as ex:
            count(event_type, "unavailable")
            return problem(path, 503, "upstream-unavailable", "Orders API unavailable",
                           "The order could not be delivered to the Orders API in time; deliver the webhook again "
                           "later.", headers=_retry_after(ex.retry_after))
        except Exception:
            count(event_type, "error")
            log.error("Unhandled exception while processing %s", path, exc_info=True)
            return problem(path, 500, "internal-error", "Internal error",
                           "The request could not be processed; it was not acknowledged.")

    return app


def _retry_after(seconds):
    return None if seconds is None else {"Retry-After": str(max(1, int(seconds)))}


def main():
    parser = argparse.ArgumentParser(description="FastAPI peer of orderWebhook (benchmarks only)")
    parser.add_argument("--port", type=int, help="port on 127.0.0.1 (default: SERVER_PORT, else 8080)")
    args = parser.parse_args()
    _logging()
    settings = config.load()
    try:
        app = create_app(settings)
    except ValueError as ex:
        raise SystemExit(f"peer: {ex}") from None
    uvicorn.run(app, host="127.0.0.1", port=args.port or settings.server_port, loop="uvloop", http="httptools",
                workers=1, access_log=False, log_config=None, log_level="info", lifespan="on")


if __name__ == "__main__":
    main()
