"""Uploads into task forms: checked by their bytes and size, kept once under their hash outside the
web root, downloadable only by people who may see the instance."""

from __future__ import annotations

import hashlib
import io
import json

from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.files.models import Attachment
from app.workflow import commands
from app.workflow.models import StepLogEntry
from tests.conftest import csrf_token
from tests.plugins.form_sink import valid_post
from tests.plugins.people import actor
from tests.plugins.people import open_tasks

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML_AS_PNG = b"<html><script>alert(1)</script></html>"


def _upload(client, sink, files: dict[str, tuple[bytes, str]], action: str = "draft"):
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, f"/inbox/tasks/{sink.task_id}"),
        "action": action,
    }
    if action != "draft":
        data |= valid_post(sink)
    for field, (content, name) in files.items():
        data[field] = (io.BytesIO(content), name)
    return client.post(
        f"/inbox/tasks/{sink.task_id}/complete", data=data, content_type="multipart/form-data"
    )


def _attachments() -> list[Attachment]:
    db.session.rollback()
    return list(db.session.scalars(select(Attachment).order_by(Attachment.id)))


def test_an_upload_is_kept_by_its_hash_and_served_to_its_branch_only(app, client, login, sink):
    login("sec1")
    assert _upload(client, sink, {"record": (PDF, "../../会议记录.pdf")}).status_code == 302
    (stored,) = _attachments()
    digest = hashlib.sha256(PDF).hexdigest()
    assert (stored.sha256, stored.content_type, stored.original_name) == (
        digest,
        "application/pdf",
        "会议记录.pdf",
    )
    on_disk = app.config["FILES_DIR"] / digest[:2] / digest
    assert on_disk.read_bytes() == PDF
    assert not str(on_disk).startswith(app.static_folder)
    page = client.get(f"/inbox/tasks/{sink.task_id}").get_data(as_text=True)
    assert f'href="/files/{stored.id}"' in page  # the draft holds on to the file
    with client.get(f"/files/{stored.id}") as download:
        assert (download.status_code, download.data) == (200, PDF)
        assert download.headers["Cache-Control"] == "private, no-store"
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login("sec3")  # secretary of another branch
    assert client.get(f"/files/{stored.id}").status_code == 404
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login("rev1")  # the unit's reviewer sees the branch's records
    with client.get(f"/files/{stored.id}") as download:
        assert download.status_code == 200


def test_a_file_whose_bytes_are_not_an_accepted_type_is_refused(client, login, sink):
    login("sec1")
    response = _upload(client, sink, {"photos": (HTML_AS_PNG, "photo.png")})
    assert response.status_code == 422
    assert "photo.png 的文件类型不被此项接受。" in response.get_data(as_text=True)
    response = _upload(client, sink, {"record": (PNG, "record.pdf")})  # a picture, not a PDF
    assert response.status_code == 422
    assert _attachments() == []


def test_a_file_over_the_fields_limit_is_refused_and_nothing_is_kept(client, login, sink):
    login("sec1")
    big_photo = PNG + b"\x00" * 5000  # the field takes 4 KiB
    response = _upload(client, sink, {"photos": (big_photo, "big.png"), "record": (PDF, "r.pdf")})
    assert response.status_code == 422
    assert "big.png 超过 4.0 KiB。" in response.get_data(as_text=True)
    assert _attachments() == []


def test_a_request_over_the_site_limit_gets_413_in_chinese(app, client, login, sink):
    login("sec1")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = _upload(client, sink, {"record": (PDF + b"\x00" * 100_000, "huge.pdf")})
    assert response.status_code == 413
    assert "上传文件过大。" in response.get_data(as_text=True)
    assert _attachments() == []


def test_equal_bytes_are_stored_once(app, client, login, sink):
    login("sec1")
    _upload(client, sink, {"record": (PDF, "a.pdf")})
    _upload(client, sink, {"record": (PDF, "b.pdf")})
    assert [a.original_name for a in _attachments()] == ["a.pdf", "b.pdf"]
    files = [p for p in app.config["FILES_DIR"].rglob("*") if p.is_file()]
    assert len(files) == 1


def test_a_completed_form_refers_to_its_files(client, login, sink):
    login("sec1")
    response = _upload(client, sink, {"photos": (PNG, "现场.png")}, action="complete")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.rollback()
    entry = db.session.scalars(
        select(StepLogEntry).where(StepLogEntry.action == "task_completed")
    ).one()
    (photo,) = json.loads(entry.submitted_json)["photos"]
    assert (photo["name"], photo["type"]) == ("现场.png", "image/png")
    assert photo["sha256"] == hashlib.sha256(PNG).hexdigest()


def test_a_file_of_another_instance_cannot_be_referred_to(client, login, sink, people):
    login("sec1")
    _upload(client, sink, {"record": (PDF, "a.pdf")})
    (theirs,) = _attachments()
    other = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="all_kinds_proc",
        org_code=people.tree.branch1,
    )
    other_task = open_tasks(other)[0].id
    data = valid_post(sink) | {"record": str(theirs.id)}
    data["csrf_token"] = csrf_token(client, f"/inbox/tasks/{other_task}")
    response = client.post(f"/inbox/tasks/{other_task}/complete", data=data)
    assert response.status_code == 422
    assert "有文件不属于本流程的上传文件。" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(StepLogEntry)
            .where(StepLogEntry.instance_id == other, StepLogEntry.action == "task_completed")
        )
        == 0
    )
