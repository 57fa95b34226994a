"""HTTP-level security rules (contract: Security), through the WSGI app without sockets."""

from __future__ import annotations

import io

import pytest

from agentv_resume.web import security
from agentv_resume.web.security import HostPolicy, Refused
from support.web import client_for, run_body

LAUNCH = "/api/eval/run"


# --- Host (DNS rebinding) → 421, before any route ----------------------------------

@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.0.0.1:3117", "localhost", "localhost:3117", "LOCALHOST:3117", "[::1]", "[::1]:3117",
])
def test_loopback_hosts_are_answered(client, host):
    assert client.get("/api/runs", host=host).status == 200


@pytest.mark.parametrize("host", [
    "evil.example", "evil.example:3117", "127.0.0.1.evil.example", "localhost.evil.example:3117",
    "127.0.0.2", "::1", "[::1", "localhost:abc", "", "0.0.0.0:3117", "192.168.1.5:3117",
])
def test_foreign_host_is_misdirected(client, host):
    response = client.get("/api/runs", host=host)
    assert response.status == 421
    assert response.content_type == "application/json"
    assert "error" in response.json


@pytest.mark.parametrize("method,url", [
    ("GET", "/"), ("GET", "/runs/errored"), ("GET", "/static/app.css"), ("GET", "/no/such/page"),
    ("GET", "/api/no-such-route"), ("POST", LAUNCH), ("POST", "/api/eval/run/x/stop"),
])
def test_host_check_runs_before_any_route(client, method, url):
    response = client.request(method, url, host="evil.example:3117", body=b"{}",
                              headers={"Content-Type": "text/plain", "Origin": "http://evil.example"})
    assert response.status == 421
    assert response.json["error"].startswith("Misdirected request")


def test_host_given_with_host_flag_is_answered(project):
    client = client_for(project, allowed_hosts=["192.168.1.5"])
    assert client.get("/api/runs", host="192.168.1.5:3117").status == 200
    assert client.get("/api/runs", host="192.168.1.6:3117").status == 421


def test_ipv6_host_flag_is_bracketed(project):
    client = client_for(project, allowed_hosts=["fd00::5"])
    assert client.get("/api/runs", host="[fd00::5]:3117").status == 200


def test_known_port_must_match(project):
    client = client_for(project, allowed_hosts=HostPolicy.for_host("127.0.0.1", ports=[4000]))
    assert client.get("/api/runs", host="127.0.0.1:4000").status == 200
    assert client.get("/api/runs", host="localhost").status == 200
    assert client.get("/api/runs", host="127.0.0.1:4001").status == 421


def test_missing_host_header_falls_back_to_server_name(client):
    assert client.get("/api/runs", host=None).status == 200


# --- Origin / Sec-Fetch-Site → 403 on mutating routes ------------------------------------

@pytest.mark.parametrize("origin", [
    "http://evil.example", "http://evil.example:3117", "null", "https://127.0.0.1:3117",
    "http://127.0.0.1.evil.example", "file://", "http://localhost:3117/path",
])
def test_foreign_origin_is_refused(client, project, origin):
    response = client.post(LAUNCH, run_body(project, "errored"), headers={"Origin": origin})
    assert response.status == 403
    assert "origin" in response.json["error"].lower()


@pytest.mark.parametrize("url", [LAUNCH, "/api/eval/preview", "/api/eval/run/nope/stop",
                                 "/api/benchmarks/proj/eval/run"])
def test_cross_site_fetch_is_refused(client, project, url):
    response = client.post(url, run_body(project, "errored"), headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status == 403
    assert "cross-site" in response.json["error"]


@pytest.mark.parametrize("origin", ["http://127.0.0.1:3117", "http://localhost:3117", "http://[::1]:3117",
                                    "http://localhost"])
def test_own_origin_passes(client, project, origin):
    response = client.post("/api/eval/preview", run_body(project, "errored"),
                           headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"})
    assert response.status == 200


def test_origin_with_another_port_is_refused_once_the_port_is_known(project):
    client = client_for(project, allowed_hosts=HostPolicy.for_host("127.0.0.1", ports=[3117]))
    ok = client.post("/api/eval/preview", run_body(project, "errored"), headers={"Origin": "http://127.0.0.1:3117"})
    assert ok.status == 200
    other = client.post("/api/eval/preview", run_body(project, "errored"), headers={"Origin": "http://127.0.0.1:8080"})
    assert other.status == 403


@pytest.mark.parametrize("ports, origin, allowed", [
    ([3118], "http://localhost", False),        # no port: port 80, not this server
    ([3118], "http://127.0.0.1", False),
    ([3118], "http://[::1]", False),
    ([3118], "http://localhost:80", False),
    ([3118], "http://localhost:3118", True),
    ([80], "http://localhost", True),           # a server on 80 is the page's own origin
    ([80], "http://localhost:80", True),
    ([3118], "http://localhost:", False),
])
def test_an_origin_without_a_port_means_port_80(project, ports, origin, allowed):
    client = client_for(project, allowed_hosts=HostPolicy.for_host("127.0.0.1", ports=ports))
    response = client.post("/api/eval/preview", run_body(project, "errored"), headers={"Origin": origin},
                           host=f"localhost:{ports[0]}")
    assert (response.status == 200) is allowed, response.json


def test_reads_ignore_origin(client):
    # A cross-origin read is stopped by the browser's same-origin policy (no CORS
    # headers are ever sent); only the Host check applies to GET.
    response = client.get("/api/runs", headers={"Origin": "http://evil.example"})
    assert response.status == 200
    assert "access-control-allow-origin" not in response.headers


def test_preflight_is_never_granted(client):
    response = client.request("OPTIONS", LAUNCH, headers={"Origin": "http://evil.example",
                                                         "Access-Control-Request-Method": "POST"})
    assert response.status == 405
    assert "access-control-allow-origin" not in response.headers


# --- Content-Type → 415 ------------------------------------------------------------

@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx",
                                          "text/json"])
@pytest.mark.parametrize("url", [LAUNCH, "/api/eval/preview", "/api/eval/run/nope/stop"])
def test_mutating_routes_need_json_content_type(client, project, url, content_type):
    response = client.post(url, run_body(project, "errored"), headers={"Content-Type": content_type})
    assert response.status == 415
    assert response.json == {"error": "Content-Type must be application/json"}


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
def test_json_content_type_variants_pass(client, project, content_type):
    response = client.post("/api/eval/preview", run_body(project, "errored"), headers={"Content-Type": content_type})
    assert response.status == 200


# --- body size → 413 ---------------------------------------------------------------

def test_body_over_64k_is_refused(client):
    body = b'{"suite_filter": "' + b"a" * (64 * 1024) + b'"}'
    response = client.post(LAUNCH, body=body)
    assert response.status == 413
    assert "too large" in response.json["error"]


def test_body_of_exactly_64k_is_read(client):
    body = b'{"suite_filter": "x"}'
    body = body + b" " * (64 * 1024 - len(body))
    response = client.post("/api/eval/preview", body=body)
    assert response.status == 200  # read and parsed, not refused


def test_declared_length_over_limit_is_refused_without_reading(client):
    class Exploding(io.RawIOBase):
        def read(self, n=-1):
            raise AssertionError("the body must not be read")

    environ = {"CONTENT_LENGTH": str(10 ** 9), "wsgi.input": Exploding()}
    with pytest.raises(Refused) as refused:
        security.read_body(environ)
    assert refused.value.status == 413


def test_chunked_body_is_capped(client):
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"x" * (200 * 1024))}
    with pytest.raises(Refused) as refused:
        security.read_body(environ)
    assert refused.value.status == 413
    assert environ["wsgi.input"].tell() <= 64 * 1024 + 1


def test_short_stream_with_lying_length_reads_what_is_there():
    environ = {"CONTENT_LENGTH": "100", "wsgi.input": io.BytesIO(b"{}")}
    assert security.read_body(environ) == b"{}"


def test_bad_content_length(client):
    response = client.request("POST", LAUNCH, body=b"{}", headers={"Content-Type": "application/json",
                                                                 "Content-Length": "12abc"})
    assert response.status == 400


# --- order: security first, then read-only, then the body -----------------------------

def test_security_rules_come_before_read_only(project):
    client = client_for(project, read_only=True)
    assert client.post(LAUNCH, {}, headers={"Content-Type": "text/plain"}).status == 415
    assert client.post(LAUNCH, {}, headers={"Origin": "http://evil.example"}).status == 403
    assert client.post(LAUNCH, {}, host="evil.example").status == 421
    response = client.post(LAUNCH, body=b"not json")
    assert response.status == 403
    assert "read-only" in response.json["error"]


# --- answers never leak internals --------------------------------------------------

@pytest.mark.parametrize("url", ["/api/runs", "/", "/runs/errored", "/static/app.js", "/api/nope", "/nope"])
def test_security_headers_on_every_answer(client, url):
    response = client.get(url)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_refusals_carry_security_headers(client):
    response = client.get("/api/runs", host="evil.example")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_unexpected_exception_is_a_json_500_without_traceback(client, monkeypatch):
    def boom(bench):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("agentv_resume.web.runs._summaries", boom)  # what /api/runs is made of
    response = client.get("/api/runs")
    assert response.status == 500
    assert response.content_type == "application/json"
    assert response.json == {"error": "Internal server error (the details are in the server's log)"}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "secret internal detail" in client.errors.getvalue()  # logged for the operator


def test_unexpected_exception_on_a_page_is_an_html_500(client, monkeypatch):
    monkeypatch.setattr("agentv_resume.web.runs.summaries", lambda bench: 1 / 0)
    response = client.get("/")
    assert response.status == 500
    assert response.content_type.startswith("text/html")
    assert "ZeroDivisionError" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("url", [
    "/api/runs/..", "/api/runs/%2e%2e", "/api/runs/..%2f..%2fetc", "/api/eval/status/..",
    "/api/eval/status/..%2f..%2f..%2fetc%2fpasswd", "/api/runs/.agentv",
])
def test_ids_are_looked_up_not_joined(client, url):
    response = client.get(url)
    assert response.status == 404
    assert "error" in response.json


@pytest.mark.parametrize("url", ["/static/../app.py", "/static/..%2fapp.py", "/static/%2e%2e/security.py"])
def test_static_files_stay_in_their_folder(client, url):
    response = client.get(url)
    assert response.status in (403, 404)
    assert b"import" not in response.body


# --- pure helpers -------------------------------------------------------------------

def test_host_policy_helpers():
    assert security.host_name("::1") == "[::1]"
    assert security.host_name("LocalHost") == "localhost"
    assert security.is_loopback("127.0.0.5") and security.is_loopback("[::1]") and security.is_loopback("localhost")
    assert not security.is_loopback("0.0.0.0") and not security.is_loopback("192.168.1.5")
    policy = HostPolicy.for_host("0.0.0.0", ports=[80])
    assert policy.allows("0.0.0.0:80") and not policy.allows("0.0.0.0:81")
