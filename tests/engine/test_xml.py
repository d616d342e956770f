"""Hostile XML is refused before any parser could read a file or the network."""

from __future__ import annotations

import http.server
import threading

import pytest

from app.engine.xml import UnsafeXml
from app.engine.xml import parse_model_xml


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-DB-PASSWORD=hunter2")
    return path


@pytest.fixture
def listener():
    """A local HTTP server that counts requests: none may arrive."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<!ENTITY leak 'x'>")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def _refused(data: bytes) -> UnsafeXml:
    with pytest.raises(UnsafeXml) as refused:
        parse_model_xml(data)
    return refused.value


def test_external_entity_from_a_file(secret):
    xml = f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]><d>&xxe;</d>'
    error = _refused(xml.encode())
    assert "hunter2" not in str(error)
    assert "DOCTYPE" in error.reason_en


def test_parameter_entity_over_the_network(listener):
    url, hits = listener
    xml = f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % pe SYSTEM "{url}/evil.dtd"> %pe;]><d/>'
    _refused(xml.encode())
    assert hits == []


def test_external_dtd(listener):
    url, hits = listener
    _refused(f'<?xml version="1.0"?><!DOCTYPE d SYSTEM "{url}/x.dtd"><d/>'.encode())
    assert hits == []


def test_billion_laughs():
    entities = "".join(
        f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">' for i in range(1, 10)
    )
    xml = f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "ha">{entities}]><d>&l9;</d>'
    _refused(xml.encode())


def test_any_doctype_even_harmless():
    assert "DOCTYPE" in _refused(b'<?xml version="1.0"?><!DOCTYPE d><d/>').reason_en


def test_twenty_megabyte_file():
    big = b'<?xml version="1.0"?><d>' + b"<x/>" * (5 * 1024 * 1024) + b"</d>"
    assert len(big) > 20_000_000
    assert "larger" in _refused(big).reason_en


def test_deep_nesting():
    _refused(b"<a>" * 200 + b"</a>" * 200)


def test_malformed_xml_names_the_line():
    error = _refused(b'<?xml version="1.0"?>\n<d>\n<open>\n</d>')
    assert error.line is not None
    assert "XML" in error.reason_zh


def test_ordinary_model_parses():
    root = parse_model_xml(
        b'<?xml version="1.0" encoding="UTF-8"?><definitions id="x"><process id="p"/></definitions>'
    )
    assert root.find("process").get("id") == "p"
