#!/usr/bin/python3
"""Parity of the FastAPI peer (peer.py) with the orderWebhook function, checked rather than assumed.

1. corpus: every orderWebhook case of the bad-input corpus (functions/src/test/resources/corpus/cases.psv,
   built into requests as CorpusRequest.java builds them) is sent to a running peer in front of an
   Orders API stand-in; the peer must answer the status the table says the function answers (the
   observed one for a case in known-bugs.psv), with the same problem type or result, and forward
   nothing for a refused webhook.
2. upstream: webhooks whose Orders API call fails (503 until the deadline, 409, 422, a 500 then a 201,
   a 2xx without an id) get the same status, problem type and Retry-After from the peer as from the function.
3. mapping: the samples, the corpus payloads and edge values of every field go through the Java
   app's POST /mapOrder and the peer's mapper: same status, same errors (pointer and text, in order),
   byte for byte the same order JSON; what the peer sent to the stand-in in 1. is what /mapOrder maps.
4. ISO codes: the peer's country and currency lists are the JDK's (the testkit's iso-codes command).

Both apps call the testkit's Orders API stand-in (testkit/target/testkit.jar, the one the Java tests use);
2 to 4 need the Java app: --java-jar functions/target/functions.jar. Both jars are built by
./mvnw -B -pl functions -am package -DskipTests. Without it only 1 runs, and the last line says so.
Prints one line per check and "parity: N passed, N failed"; exits 1 on any difference.

Usage: /usr/bin/python3 scripts/bench/peer/parity.py [--java-jar JAR] [--testkit-jar JAR] [--java JAVA]
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import secrets as random_tokens
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

PEER_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(PEER_DIR, "..", "..", ".."))
TEST_RESOURCES = os.path.join(ROOT, "functions", "src", "test", "resources")
CASES = os.path.join(TEST_RESOURCES, "corpus", "cases.psv")
KNOWN_BUGS = os.path.join(TEST_RESOURCES, "corpus", "known-bugs.psv")
sys.path.insert(0, PEER_DIR)

import contract  # noqa: E402  (the peer's own mapper, compared in process with the Java app's)
import iso_codes  # noqa: E402

PROBLEM_BASE = "https://problems.acme.example/"
CUSTOMER_KEY = "mueller"
TOKEN = "parity-orders-api-token-5d2a91"
NEW_SECRET = "whsec_" + base64.b64encode(b"reliability-new-secret-32-bytes!").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"reliability-old-secret-32-bytes!").decode()
FOREIGN_SECRET = "whsec_" + base64.b64encode(b"reliability-foreign-secret-32by!").decode()
# The Orders API deadline of both apps here: long enough for a retry, short enough for the 503 cases.
DEADLINE = "2s"

# Cases where the peer deliberately answers otherwise than the table: id -> reason (README.md lists them).
DIFFERENCES = {}


def log(line):
    print(line, flush=True)


# --- Orders API stand-in --------------------------------------------------------------------------

class OrdersStandIn:
    """The testkit's Orders API stand-in (the one the Java tests use: bearer token, the idempotency contract,
    GET /__orders), in its own JVM; read and given faults through WireMock's admin API."""

    def __init__(self, java, testkit_jar, logs):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "JAVA_TOOL_OPTIONS"}
        self.server = Server("Orders API stand-in", [java, "-XX:TieredStopAtLevel=1", "-jar", testkit_jar,
                                                     "orders-api", "--port", str(self.port), "--token", TOKEN],
                             env, self.port, open(os.path.join(logs, "stand-in.log"), "w"))
        self.server.wait_ready("/__admin/health", 60)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.stop()

    def admin(self, method, path, document=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, body=None if document is None else json.dumps(document),
                     headers={"Content-Type": "application/json"})
        answer = conn.getresponse()
        data = answer.read()
        if answer.status >= 300:
            raise SystemExit(f"parity: the stand-in answered {method} {path} with {answer.status}: {data[:200]!r}")
        return data

    def requests(self, key):
        pattern = {"method": "ANY", "urlPathPattern": "/api/.*", "headers": {"Idempotency-Key": {"equalTo": key}}}
        return json.loads(self.admin("POST", "/__admin/requests/find", pattern))["requests"]

    def forwarded(self, key):
        return len(self.requests(key))

    def bodies(self, key):
        return [base64.b64decode(r["bodyAsBase64"]) for r in sorted(self.requests(key), key=lambda r: r["loggedDate"])]

    def orders(self):
        """(idempotency key, order id) of every order created, in order."""
        return [tuple(line.split(" ", 1)) for line in self.admin("GET", "/__orders").decode().splitlines() if line]

    def fault(self, kind, order_number):
        """The answer the Orders API gives to an order with this number, in front of the stand-in's own."""
        scenario = {}
        if kind == "unavailable":
            answer = 503, {"title": "Service Unavailable", "status": 503}, {"Retry-After": "1"}
        elif kind == "conflict":
            answer = 409, {"title": "conflict", "status": 409}, {"Retry-After": "3"}
        elif kind == "rejected":
            answer = 422, {"title": "order-rejected", "status": 422,
                           "detail": f"article A-100 is not sold to this buyer (Bearer {TOKEN}, see "
                                     "http://orders-internal.acme.local:8080/api/v1/orders)",
                           "errors": [{"pointer": "#/lines/0/sku", "detail": "not sold\tto this buyer"}]}, {}
        elif kind == "flaky":
            # The first attempt only; the retry reaches the stand-in's own answer.
            answer = 500, b"<html>java.lang.NullPointerException at com.acme.orders.internal</html>", {}
            scenario = {"scenarioName": order_number, "requiredScenarioState": "Started", "newScenarioState": "done"}
        elif kind == "noid":
            answer = 201, b"{\xff not json", {}
        status, body, headers = answer
        problem = not isinstance(body, bytes)
        data = json.dumps(body).encode() if problem else body
        self.admin("POST", "/__admin/mappings", dict(scenario, priority=1, request={
            "method": "POST", "urlPath": "/api/v1/orders",
            "bodyPatterns": [{"contains": f":{order_number}\""}]}, response={
            "status": status, "base64Body": base64.b64encode(data).decode(),
            "headers": dict(headers, **{"Content-Type": "application/problem+json" if problem else "application/json"})}))


# --- the servers under test -----------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process in its own process group, stopped with SIGTERM (SIGKILL after 20 s)."""

    def __init__(self, name, command, env, port, logfile):
        self.name, self.port, self.logfile = name, port, logfile
        self.proc = subprocess.Popen(command, env=env, stdout=logfile, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, path, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"parity: {self.name} exited with {self.proc.returncode} (log: {self.logfile.name})")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"parity: {self.name} not ready within {timeout} s (log: {self.logfile.name})")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_peer(stand_in, logs):
    port = free_port()
    env = dict(os.environ, SERVER_PORT=str(port), INTEGRATION_CUSTOMER_KEY=CUSTOMER_KEY,
               INTEGRATION_ORDERSAPI_BASEURL=stand_in.base_url, INTEGRATION_ORDERSAPI_TOKEN=TOKEN,
               INTEGRATION_WEBHOOK_SECRETS=f"{NEW_SECRET},{OLD_SECRET}", INTEGRATION_ORDERSAPI_DEADLINE=DEADLINE,
               INTEGRATION_ORDERSAPI_INITIALBACKOFF="20ms", INTEGRATION_ORDERSAPI_MAXBACKOFF="200ms",
               INTEGRATION_SECRETS_DIR=os.path.join(logs, "no-secrets/"))
    server = Server("peer", [sys.executable, os.path.join(PEER_DIR, "peer.py")], env, port,
                    open(os.path.join(logs, "peer.log"), "w"))
    server.wait_ready("/healthz", 60)
    return server


def start_java(java, jar, stand_in, logs):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "JAVA_TOOL_OPTIONS"}
    env.update(SERVER_PORT=str(port), SPRING_CLOUD_FUNCTION_DEFINITION="orderWebhook;mapOrder",
               INTEGRATION_CUSTOMER_KEY=CUSTOMER_KEY, INTEGRATION_ORDERSAPI_BASEURL=stand_in.base_url,
               INTEGRATION_ORDERSAPI_TOKEN=TOKEN, INTEGRATION_WEBHOOK_SECRETS=f"{NEW_SECRET},{OLD_SECRET}",
               INTEGRATION_ORDERSAPI_DEADLINE=DEADLINE, INTEGRATION_ORDERSAPI_INITIALBACKOFF="20ms",
               INTEGRATION_ORDERSAPI_MAXBACKOFF="200ms", INTEGRATION_SECRETS_DIR=os.path.join(logs, "no-secrets/"))
    server = Server("java app", [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar], env, port,
                    open(os.path.join(logs, "java.log"), "w"))
    server.wait_ready("/actuator/health/readiness", 180)
    return server


# --- HTTP: exactly the given header lines ---------------------------------------------------------

class Answer:

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def send(port, method, path, headers, body, chunked=False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value.encode("latin-1"))
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        elif body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        try:
            if chunked:
                for i in range(0, len(body), 8192):
                    piece = body[i:i + 8192]
                    conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
                conn.send(b"0\r\n\r\n")
            elif body:
                conn.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (413) before the whole body was sent
        response = conn.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


# --- corpus cases, as CorpusRequest.java builds them -------------------------------------------------

def signer_mac(secret, webhook_id, timestamp, body):
    key = base64.b64decode(secret[len("whsec_"):])
    return base64.b64encode(hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()


def load_cases():
    cases = []
    with open(CASES, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cells = [c.strip() for c in line.rstrip("\n").split("|")]
            if len(cells) != 13:
                raise SystemExit(f"parity: expected 13 columns in {CASES}: {line}")
            keys = ("id", "function", "method", "content_type", "payload", "transform", "tamper", "webhook_id",
                    "webhook_timestamp", "webhook_signature", "headers", "status", "expect")
            case = dict(zip(keys, cells))
            case["status"] = int(case["status"])
            cases.append(case)
    return cases


def load_known_bugs():
    bugs = {}
    with open(KNOWN_BUGS, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                cells = [c.strip() for c in line.split("|")]
                bugs[cells[0]] = int(cells[1])
    return bugs


def resource(path):
    with open(os.path.join(TEST_RESOURCES, path), "rb") as f:
        return f.read()


def payload(spec, order_number):
    if spec.startswith("gen:"):
        _, kind, n = spec.split(":")
        n = int(n)
        if kind == "empty":
            return b""
        if kind == "deep-arrays":
            return b"[" * n + b"]" * n
        if kind == "deep-objects":
            return b'{"a":' * n + b"1" + b"}" * n
        if kind in ("padded", "padded-chunked"):
            return payload("samples/webhooks/order-created.json", order_number).ljust(n, b" ")
        raise SystemExit(f"parity: unknown generator {spec}")
    text = resource(spec).decode("utf-8")
    text = re.sub(r'("orderNumber"\s*:\s*")[^"]*(")', lambda m: m[1] + order_number + m[2], text)
    text = re.sub(r'("externalRef"\s*:\s*"mueller:)SO-1(")', lambda m: m[1] + order_number + m[2], text)
    return text.encode("utf-8")


def transform(kind, body):
    if kind == "-":
        return body
    if kind == "append-newline":
        return body + b"\n"
    if kind == "prepend-bom":
        return b"\xef\xbb\xbf" + body
    if kind == "reserialise":
        return json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if kind == "latin1":
        return body.decode("utf-8").encode("latin-1")
    if kind == "utf16":
        return b"\xfe\xff" + body.decode("utf-8").encode("utf-16-be")
    if kind == "bad-utf8":
        text = body.decode("utf-8")
        at = text.index('": "') + 4
        return text[:at].encode() + b"\xc3\x28" + text[at:].encode()
    if kind == "trailing-garbage":
        return body + b"xyz"
    if kind == "concat":
        return body + body
    if kind == "flip-byte":
        at = body.decode("latin-1").index('"quantity": 3') + 12
        return body[:at] + b"4" + body[at + 1:]
    if kind == "truncate":
        return body[:-10]
    raise SystemExit(f"parity: unknown transform {kind}")


class CaseRequest:
    """The exact bytes and header lines of one case."""

    def __init__(self, case, ids_of_cases, order_numbers_of_cases):
        self.case = case
        self.ids_of_cases = ids_of_cases
        instant = time.time()
        self.now = int(instant)
        self.ceiling = self.now + 1 if instant > self.now else self.now
        # A case that sends an earlier case's webhook id again is that webhook again, about the same order.
        reused = re.fullmatch(r"\{id:(\w+)\}", case["webhook_id"])
        self.order_number = order_numbers_of_cases[reused[1]] if reused \
            else f"REL-{case['id']}-{random_tokens.token_hex(2)}"
        self.chunked = case["payload"].startswith("gen:padded-chunked:")
        self.signed = transform(case["transform"], payload(case["payload"], self.order_number))
        ts = case["webhook_timestamp"]
        self.timestamp = str(self.now) if ts == "-" else "" if ts == "''" else self.expand(ts, "")
        webhook_id = self.id_for()
        # A base64url MAC differs from the standard one only with '+' or '/': pick an id for which it does.
        while "{mac:url}" in case["webhook_signature"] and not re.search(
                r"[+/]", signer_mac(NEW_SECRET, webhook_id, self.timestamp, self.signed)):
            webhook_id = self.id_for()
        self.webhook_id = webhook_id
        self.body = transform(case["tamper"], self.signed)
        headers = []
        if case["content_type"] != "-":
            headers.append(("Content-Type", case["content_type"]))
        if case["webhook_id"] != "-":
            headers.append(("webhook-id", "" if case["webhook_id"] == "''" else webhook_id))
        for name, template in (("webhook-timestamp", case["webhook_timestamp"]),
                               ("webhook-signature", case["webhook_signature"])):
            if template != "-":
                headers.append((name, "" if template == "''" else self.expand(template, webhook_id)))
        if case["headers"] != "-":
            for line in case["headers"].split(" && "):
                if line.startswith("@ce"):
                    raise SystemExit(f"parity: CloudEvents headers in webhook case {case['id']}")
                name, _, value = line.partition(":")
                headers.append((name.strip(), self.expand(value.strip(), webhook_id)))
        self.headers = headers

    def id_for(self):
        fresh = f"msg_rel_{self.case['id']}_{random_tokens.token_hex(4)}"
        template = self.case["webhook_id"]
        return fresh if template in ("-", "''") else self.expand(template, fresh)

    def expand(self, template, webhook_id):
        return re.sub(r"\{([^}]*)\}", lambda m: self.value(m[1], webhook_id), template)

    def value(self, name, webhook_id):
        if name == "id":
            return webhook_id
        if name == "long-suffix":
            return "-" + "x" * 300
        if name.startswith("id:"):
            return self.ids_of_cases[name[3:]]
        if name == "now":
            return str(self.now)
        if name.startswith(("now+", "now-")):
            offset = int(name[4:])
            return str(self.now + offset if name[3] == "+" else self.ceiling - offset)
        if name.startswith("junk"):
            n = int(name[5:]) if name.startswith("junk*") else 1
            return " ".join("v1," + base64.b64encode(hashlib.sha256(f"{self.case['id']}/{i}".encode()).digest())
                            .decode() for i in range(n))
        mac = signer_mac(NEW_SECRET, webhook_id, self.timestamp, self.signed)
        values = {
            "v1": lambda: "v1," + mac,
            "v1:old": lambda: "v1," + signer_mac(OLD_SECRET, webhook_id, self.timestamp, self.signed),
            "v1:foreign": lambda: "v1," + signer_mac(FOREIGN_SECRET, webhook_id, self.timestamp, self.signed),
            "v1:other-id": lambda: "v1," + signer_mac(NEW_SECRET, webhook_id + "x", self.timestamp, self.signed),
            "v1:other-ts": lambda: "v1," + signer_mac(NEW_SECRET, webhook_id, str(self.now - 7), self.signed),
            "mac": lambda: mac,
            "mac:unpadded": lambda: mac.replace("=", ""),
            "mac:url": lambda: mac.replace("+", "-").replace("/", "_"),
            "mac:truncated": lambda: mac[:22],
        }
        if name not in values:
            raise SystemExit(f"parity: unknown template {{{name}}} in {self.case['id']}")
        return values[name]()


LEAKS = ("\tat ", "Exception", "java.", "orders-internal", TOKEN)


def check_answer(answer, status, expect, stand_in, request, forwarded_before, orders_before, order_ids):
    """What is wrong with the answer to a case (an empty list when nothing is)."""
    wrong = []
    if answer.status != status:
        wrong.append(f"status {answer.status}, expected {status}: {answer.body[:200]!r}")
        return wrong
    text = answer.body.decode("utf-8", "replace")
    for leak in LEAKS + (NEW_SECRET, OLD_SECRET):
        if leak in text:
            wrong.append(f"the answer contains {leak!r}")
    for name, _ in answer.headers:
        lower = name.lower()
        if lower.startswith(("webhook-", "ce-")) or lower in ("idempotent-replayed", "authorization", "idempotency-key"):
            wrong.append(f"the answer echoes header {name}")
    document = answer.json()
    if expect.startswith("problem:"):
        slug = expect[len("problem:"):]
        if not (answer.header("Content-Type") or "").startswith("application/problem+json"):
            wrong.append(f"content type {answer.header('Content-Type')}, not application/problem+json")
        if not isinstance(document, dict) or document.get("type") != PROBLEM_BASE + slug \
                or document.get("status") != status or not document.get("title"):
            wrong.append(f"problem {document}, expected type {PROBLEM_BASE + slug}")
        if stand_in.forwarded(request.webhook_id) != forwarded_before or len(stand_in.orders()) != orders_before:
            wrong.append("a refused webhook reached the Orders API")
    elif expect.startswith("result:"):
        orders = [order for key, order in stand_in.orders() if key == request.webhook_id]
        if not isinstance(document, dict) or document.get("result") != expect[len("result:"):] \
                or not document.get("orderId"):
            wrong.append(f"answer {document}, expected {expect}")
        elif orders != [document["orderId"]]:
            wrong.append(f"orders at the stand-in with this case's webhook id as key: {orders}")
        else:
            order_ids[request.case["id"]] = document["orderId"]
    elif expect.startswith("upstream:"):
        slug = expect[len("upstream:"):]
        if not (answer.header("Content-Type") or "").startswith("application/problem+json") \
                or not isinstance(document, dict) or document.get("type") != PROBLEM_BASE + slug:
            wrong.append(f"answer {document}, expected problem type {PROBLEM_BASE + slug}")
        if len(stand_in.orders()) != orders_before:
            wrong.append("a webhook the Orders API rejected made a new order")
    elif expect.startswith("duplicate-of:"):
        if not isinstance(document, dict) or document.get("result") != "duplicate" \
                or document.get("orderId") != order_ids.get(expect[len("duplicate-of:"):]):
            wrong.append(f"answer {document}, expected {expect}")
        if len(stand_in.orders()) != orders_before:
            wrong.append("a replayed webhook made a new order")
    else:
        wrong.append(f"unknown expectation {expect}")
    return wrong


def run_corpus(peer, stand_in, results, mapped):
    bugs = load_known_bugs()
    ids, order_ids, order_numbers = {}, {}, {}
    cases = [c for c in load_cases() if c["function"] == "orderWebhook"]
    if not cases:
        raise SystemExit(f"parity: no orderWebhook case in {CASES}")
    for case in cases:
        request = CaseRequest(case, ids, order_numbers)
        ids[case["id"]] = request.webhook_id
        order_numbers[case["id"]] = request.order_number
        forwarded, orders = stand_in.forwarded(request.webhook_id), len(stand_in.orders())
        answer = send(peer.port, case["method"], "/orderWebhook", request.headers, request.body, request.chunked)
        status = bugs.get(case["id"], case["status"])
        wrong = check_answer(answer, status, case["expect"], stand_in, request, forwarded, orders, order_ids)
        if wrong and case["id"] in DIFFERENCES:
            results.append(("corpus", case["id"], True, f"deliberate difference: {DIFFERENCES[case['id']]}"))
            continue
        results.append(("corpus", case["id"], not wrong, f"{answer.status} {case['expect']}" + (
            "" if not wrong else "  <- " + "; ".join(wrong))))
        if answer.status == 200 and case["expect"].startswith("result:"):
            mapped.append((case["id"], request.signed if case["tamper"] == "-" else request.body,
                           stand_in.bodies(request.webhook_id)))


# --- upstream behaviour: peer against the function ----------------------------------------------------

def signed_webhook(body, webhook_id=None):
    webhook_id = webhook_id or f"msg_parity_{random_tokens.token_hex(6)}"
    timestamp = str(int(time.time()))
    return webhook_id, [("Content-Type", "application/json"), ("webhook-id", webhook_id),
                        ("webhook-timestamp", timestamp),
                        ("webhook-signature", "v1," + signer_mac(NEW_SECRET, webhook_id, timestamp, body))]


def run_upstream(peer, java, stand_in, results):
    sample = "samples/webhooks/order-created.json"
    for kind, status, slug in (("unavailable", 503, "upstream-unavailable"), ("conflict", 409, "conflict"),
                               ("rejected", 422, "upstream-rejected"), ("flaky", 200, None), ("noid", 200, None)):
        answers = {}
        for name, server in (("function", java), ("peer", peer)):
            order_number = f"FAULT-{kind}-{random_tokens.token_hex(3)}"
            stand_in.fault(kind, order_number)
            body = payload(sample, order_number)
            _, headers = signed_webhook(body)
            answers[name] = send(server.port, "POST", "/orderWebhook", headers, body)
        wrong = []
        for name, answer in answers.items():
            document = answer.json() or {}
            if answer.status != status:
                wrong.append(f"{name} answered {answer.status}, expected {status}")
            elif slug and document.get("type") != PROBLEM_BASE + slug:
                wrong.append(f"{name} answered type {document.get('type')}")
        f, p = answers["function"], answers["peer"]
        fd, pd = f.json() or {}, p.json() or {}
        if f.header("Retry-After") != p.header("Retry-After"):
            wrong.append(f"Retry-After {f.header('Retry-After')} (function) vs {p.header('Retry-After')} (peer)")
        if slug:
            for key in ("title", "detail", "upstreamStatus", "upstreamTitle", "errors"):
                if fd.get(key) != pd.get(key):
                    wrong.append(f"{key}: {fd.get(key)!r} (function) vs {pd.get(key)!r} (peer)")
        elif sorted(fd) != sorted(pd) or fd.get("result") != pd.get("result"):
            wrong.append(f"answer {fd} (function) vs {pd} (peer)")
        results.append(("upstream", kind, not wrong, f"{p.status} {p.header('Retry-After') or ''}".strip()
                        + ("" if not wrong else "  <- " + "; ".join(wrong))))


# --- mapping: Java's mapOrder against the peer's mapper ------------------------------------------------

def edge_payloads():
    """(name, body) pairs: every field of an order set to values on and past each rule's edge."""
    base = json.loads(resource("samples/webhooks/order-created.json"))

    def with_value(path, value):
        doc = json.loads(json.dumps(base))
        target = doc
        for key in path[:-1]:
            target = target[key]
        if value is DELETE:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value
        try:
            return json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(doc).encode("ascii")  # a lone surrogate, sent as its escape

    cases = []
    fields = {
        ("timestamp",): ["2026-11-24t10:15:00z", "2026-11-24T10:15Z", "2026-11-24T10:15:00.123456789+01:00",
                         "2026-11-24T10:15:00.1234567891Z", "2026-11-24T10:15:00.Z", "2026-11-24T10:15:00+01",
                         "2026-11-24T10:15:00+0100", "2026-11-24T10:15:00+01:00:30", "2026-11-24T10:15:00-00:00",
                         "2026-11-24T24:00:00Z", "2026-11-24T23:59:60Z", "2026-02-29T10:00:00Z",
                         "2024-02-29T10:00:00Z", "2026-11-24 10:15:00Z", "2026-11-24T10:15:00", "+2026-11-24T10:15:00Z",
                         "-2026-11-24T10:15:00Z", "2026-11-24T10:15:00+18:00", "2026-11-24T10:15:00+18:01",
                         "10000-01-01T00:00:00Z", "+10000-01-01T00:00:00Z", "0000-02-29T00:00:00Z",
                         "-0000-01-01T00:00:00Z", "-0001-02-29T00:00:00Z", "-0400-02-29T00:00:00Z",
                         "+999999999-01-01T00:00:00Z", "+1000000000-01-01T00:00:00Z", "2026-11-24T10:15:00,5Z",
                         "2026-11-24T10:15:00+01:60", "2026-11-24T10:15:00.+01:00", "2026-11-31T10:15:00Z",
                         "\u0662\u0660\u0662\u0666-11-24T10:15:00Z", " 2026-11-24T10:15:00Z", "x" * 65, "", " ", None,
                         12345, DELETE],
        ("type",): ["ping", "order.updated", "order.cancelled", "ORDER.CREATED", "", None, 1, ["order.created"],
                    DELETE],
        ("data",): [None, [], "x", {}, DELETE],
        ("data", "orderNumber"): ["SO-1", "-SO", "SO/1", "SO:1", "\u00f6", "A" * 64, "A" * 65, "SO 1", "SO.1_2-3",
                                  12, "", None],
        ("data", "customer"): [None, [], {}, {"id": "C"}, {"name": "N"}, DELETE],
        ("data", "customer", "id"): ["C" * 64, "C" * 65, "\u00a0", "\u2003", "\u200b", "\x85", "a\x85",
                                     "\u2028x", "a\tb", "\ud800", "\ud83d\ude00", "\U0001F600" * 64,
                                     "\U0001F600" * 65, "\x7f", "\x9f", True, 5, None, ""],
        ("data", "customer", "name"): ["N" * 200, "N" * 201, "M\u00fcller", "  x  ", "\n", "x\ny"],
        ("data", "customer", "email"): ["a@b.c", "a@b", "a b@c.d", "a@@b.c", "a@b..c", "\u00e4@b.c",
                                        "x" * 64 + "@b.c", "x" * 65 + "@b.c", "\U0001F600" * 32 + "@b.c",
                                        "\U0001F600" * 33 + "@b.c", "a@b.c\u00a0", "a@b\u2003c.d", "", "  ", None, 5,
                                        "a@" + "b" * 250 + ".c"],
        ("data", "customer", "vatId"): ["DE 123.456+*-", "-DE", "DE/1", "", None, "\u00c4B", "D" * 32, "D" * 33],
        ("data", "shipTo"): [None, [], {}, DELETE],
        ("data", "shipTo", "country"): ["DE", "de", "XK", "EU", "UK", "GB", "AQ", "ZZ", "D E", "DEU", "", None],
        ("data", "shipTo", "postalCode"): ["", None, "1" * 20, "1" * 21, "a\tb", 10115],
        ("data", "shipTo", "street"): ["", None, "s" * 200, "s" * 201],
        ("data", "shipTo", "city"): ["", None, "c" * 100, "c" * 101],
        ("data", "requestedDeliveryDate"): ["2026-12-01", "2026-02-30", "2024-02-29", "0000-02-29", "2026-13-01",
                                            "2026-1-01", "+2026-12-01", "\u0662\u0660\u0662\u0666-12-01", None, "",
                                            " ", 20261201, "2026-12-01T00:00:00Z"],
        ("data", "note"): ["a\tb\r\nc", "\x00", "n" * 2000, "n" * 2001, "", None, 1],
        ("data", "items"): [[], None, "x", [1], [None], [{}], DELETE],
        ("data", "items", 0, "quantity"): [0, -1, 1, 1000000, 1000001, 1.0, 100.0, 1e2, "3", True, None,
                                           99999999999999999999, -0, 3.5],
        ("data", "items", 0, "unitPrice"): ["0", "0.0", "0.0000", "0.00001", "00.1", "123456789012",
                                            "1234567890123", "-1", "1e2", 19.99, 1, "", " ", "19,99",
                                            "\uff11\uff19", "1.", ".5", None, True],
        ("data", "items", 0, "currency"): ["eur", "XXX", "XTS", "DEM", "XAU", "VED", "ZWG", "SLE", "USN", "CLF",
                                           "EUR ", "", None, 978],
        ("data", "items", 0, "articleNo"): ["", None, "a" * 64, "a" * 65, "a\tb"],
        ("data", "items", 0, "description"): ["", None, "d" * 500, "d" * 501, "a\tb\nc", "a\x0bb"],
    }
    for path, values in fields.items():
        for value in values:
            label = "deleted" if value is DELETE else repr(value)
            cases.append((f"{'/'.join(map(str, path))}={label[:40]}", with_value(path, value)))
    item = base["data"]["items"][0]
    for name, items in (
            ("500 items", [item] * 500), ("501 items", [item] * 501),
            ("mixed currencies", [item, dict(item, currency="USD"), dict(item, currency="EUR")]),
            ("first currency invalid", [dict(item, currency="XXX", quantity=0), dict(item, currency="USD"), item]),
            ("currency on a non-object", [5, dict(item, currency="USD")]),
            ("every line wrong", [dict(item, quantity=0), dict(item, unitPrice=1), dict(item, articleNo="")])):
        doc = json.loads(json.dumps(base))
        doc["data"]["items"] = items
        cases.append((name, json.dumps(doc).encode()))
    ping = b'{"type": "ping", "timestamp": "2026-11-24T10:15:00Z"'
    order = resource("samples/webhooks/order-created.json")
    for name, body in (
            ("ping with junk data", ping + b', "data": 5}'), ("ping without timestamp", b'{"type": "ping"}'),
            ("cancelled with only an order number", b'{"type": "order.cancelled", "timestamp": '
                                                    b'"2026-11-24T10:15:00Z", "data": {"orderNumber": "SO-1"}}'),
            ("cancelled without order number", b'{"type": "order.cancelled", "timestamp": "2026-11-24T10:15:00Z", '
                                               b'"data": {"customer": 1}}'),
            ("no type, no data", b'{"timestamp": 1}'),
            ("depth 32", b'{"type": "ping", "timestamp": "2026-11-24T10:15:00Z", "x": ' + b"[" * 31 + b"]" * 31 + b"}"),
            ("depth 33", b'{"type": "ping", "timestamp": "2026-11-24T10:15:00Z", "x": ' + b"[" * 32 + b"]" * 32 + b"}"),
            ("objects depth 32", b'{"type": "ping", "timestamp": "2026-11-24T10:15:00Z", "x": '
                                 + b'{"a":' * 31 + b"1" + b"}" * 31 + b"}"),
            ("objects depth 33", b'{"type": "ping", "timestamp": "2026-11-24T10:15:00Z", "x": '
                                 + b'{"a":' * 32 + b"1" + b"}" * 32 + b"}"),
            ("integer of 50 digits", ping + b', "x": ' + b"9" * 50 + b"}"),
            ("integer of 51 digits", ping + b', "x": ' + b"9" * 51 + b"}"),
            ("negative integer of 50 digits", ping + b', "x": -' + b"9" * 50 + b"}"),
            ("float of 50 digits", ping + b', "x": ' + b"9" * 25 + b"." + b"9" * 25 + b"}"),
            ("float of 51 digits", ping + b', "x": ' + b"9" * 25 + b"." + b"9" * 26 + b"}"),
            ("float of 50 digits with exponent", ping + b', "x": ' + b"9" * 24 + b"." + b"9" * 24 + b"e10}"),
            ("float of 51 digits with exponent", ping + b', "x": ' + b"9" * 24 + b"." + b"9" * 24 + b"e100}"),
            ("string of 65536", ping + b', "x": "' + b"s" * 65536 + b'"}'),
            ("string of 65537", ping + b', "x": "' + b"s" * 65537 + b'"}'),
            ("string of 32769 emoji", ping + b', "x": "' + "\U0001F600".encode() * 32769 + b'"}'),
            ("name of 50000", ping + b', "' + b"n" * 50000 + b'": 1}'),
            ("name of 50001", ping + b', "' + b"n" * 50001 + b'": 1}'),
            ("NaN", ping + b', "x": NaN}'), ("Infinity", ping + b', "x": -Infinity}'),
            ("comment", ping + b' /* c */}'), ("trailing comma", ping + b",}"), ("single quotes", b"{'type': 'ping'}"),
            ("leading zero", ping + b', "x": 01}'), ("escaped NUL in a name", ping + b', "a\\u0000": 1}'),
            ("raw control character in a string", ping + b', "x": "a\x01b"}'), ("raw DEL in a string", ping + b', "x": "a\x7fb"}'),
            ("duplicate nested key", ping + b', "x": {"a": 1, "a": 2}}'), ("BOM", b"\xef\xbb\xbf" + order),
            ("UTF-16", b"\xfe\xff" + order.decode().encode("utf-16-be")), ("whitespace only", b" \n\t "),
            ("NBSP only", "\u00a0".encode()), ("U+FFFD in a string", ping + ', "x": "\ufffd"}'.encode()),
            ("top-level string", b'"x"'), ("top-level number", b"1"), ("top-level true", b"true"),
            ("null", b"null"), ("array", b"[]"), ("two documents", order + order), ("trailing garbage", order + b"x"),
            ("escaped surrogate pair", ping + b', "x": "\\ud83d\\ude00"}'), ("overlong UTF-8", b'{"a":"\xc0\xaf"}'),
            ("encoded surrogate", b'{"a":"\xed\xa0\x80"}')):
        cases.append((name, body))
    for sample in sorted(os.listdir(os.path.join(TEST_RESOURCES, "samples", "webhooks"))):
        cases.append((f"samples/webhooks/{sample}", resource(f"samples/webhooks/{sample}")))
    for name in sorted(os.listdir(os.path.join(TEST_RESOURCES, "corpus", "payloads"))):
        if not name.startswith("status-"):
            cases.append((f"corpus/payloads/{name}", resource(f"corpus/payloads/{name}")))
    return cases


DELETE = object()


def peer_map(mapper, body):
    """The peer's answer for a body, as (status, slug, errors or JSON bytes)."""
    try:
        return 200, None, contract.to_json(mapper.map(body))
    except contract.MalformedPayload:
        return 400, "malformed-json", None
    except contract.InvalidPayload as ex:
        return 422, "unknown-event-type" if ex.unknown_type else "validation-failed", \
            [{"pointer": p, "detail": d} for p, d in ex.errors]


def java_map(java, body):
    answer = send(java.port, "POST", "/mapOrder", [("Content-Type", "application/json")], body)
    document = answer.json()
    if answer.status == 200:
        return 200, None, answer.body
    slug = document.get("type", "").removeprefix(PROBLEM_BASE) if isinstance(document, dict) else None
    return answer.status, slug, document.get("errors") if isinstance(document, dict) else None


def run_mapping(java, results, mapped):
    mapper = contract.Mapper(CUSTOMER_KEY)
    for name, body in edge_payloads():
        expected, got = java_map(java, body), peer_map(mapper, body)
        wrong = []
        if expected[:2] != got[:2]:
            wrong.append(f"function {expected[0]} {expected[1] or ''}, peer {got[0]} {got[1] or ''}")
        elif expected[2] != got[2]:
            wrong.append(f"function {expected[2]!r:.300}, peer {got[2]!r:.300}")
        results.append(("mapping", name, not wrong, f"{got[0]} {got[1] or ''}".strip()
                        + ("" if not wrong else "  <- " + "; ".join(wrong))))
    for case_id, body, sent in mapped:
        status, _, expected = java_map(java, body)
        wrong = [] if status == 200 and sent and all(s == expected for s in sent) else [
            f"sent {sent[:1]!r:.300}, mapOrder {status} {expected!r:.300}"]
        results.append(("sent", case_id, not wrong, f"{len(sent)} request(s) as /mapOrder maps the body"
                        + ("" if not wrong else "  <- " + "; ".join(wrong))))


def run_iso_codes(java_bin, testkit_jar, results):
    out = subprocess.run([java_bin, "-jar", testkit_jar, "iso-codes"], capture_output=True, text=True,
                         check=True, env={k: v for k, v in os.environ.items() if k != "JAVA_TOOL_OPTIONS"})
    jdk = {line.split()[0]: frozenset(line.split()[1:]) for line in out.stdout.splitlines() if line.strip()}
    for kind, ours in (("countries", iso_codes.COUNTRIES), ("currencies", iso_codes.CURRENCIES)):
        extra, missing = sorted(ours - jdk[kind]), sorted(jdk[kind] - ours)
        results.append(("iso", kind, not extra and not missing, f"{len(ours)} codes"
                        + ("" if not (extra or missing) else f"  <- not in the JDK: {extra}, only in the JDK: {missing}")))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--java-jar", help="the functions jar, to compare with the Java app itself")
    parser.add_argument("--java", help="a JDK 25's java (default: $JAVA_HOME/bin/java)")
    parser.add_argument("--testkit-jar", default=os.path.join(ROOT, "testkit", "target", "testkit.jar"))
    args = parser.parse_args()
    if args.java is None:
        if not os.environ.get("JAVA_HOME"):
            raise SystemExit("parity: set JAVA_HOME to a JDK 25 or give --java")
        args.java = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
    for jar in (args.java_jar, args.testkit_jar):
        if jar and not os.path.isfile(jar):
            raise SystemExit(f"parity: {jar} not found (./mvnw -B -pl functions -am package -DskipTests)")
    logs = tempfile.mkdtemp(prefix="peer-parity-")
    servers = []
    results, mapped = [], []
    started = time.monotonic()
    try:
        stand_in = OrdersStandIn(args.java, args.testkit_jar, logs)
        servers.append(stand_in)
        peer = start_peer(stand_in, logs)
        servers.append(peer)
        java = None
        if args.java_jar:
            java = start_java(args.java, args.java_jar, stand_in, logs)
            servers.append(java)
        run_corpus(peer, stand_in, results, mapped)
        if java:
            run_upstream(peer, java, stand_in, results)
            run_mapping(java, results, mapped)
            run_iso_codes(args.java, args.testkit_jar, results)
    finally:
        for server in reversed(servers):
            server.stop()
    for section, name, ok, text in results:
        log(f"{'ok  ' if ok else 'FAIL'} {section:<8} {name:<42.42} {text}")
    failed = sum(1 for r in results if not r[2])
    if not failed:
        shutil.rmtree(logs)
    sections = sorted({r[0] for r in results})
    log(f"parity sections: {', '.join(sections)}" + ("" if args.java_jar else
                                                      " (without --java-jar: upstream, mapping and iso not checked)")
        + f"; {time.monotonic() - started:.1f} s" + (f"; logs in {logs}" if failed else ""))
    log(f"parity: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
