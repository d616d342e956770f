"""The demo's themed party days (主题党日): one a month at the showcase branch, planned by the
committee, announced by the secretary, held with the members of the day, its decisions carried
out — through the same commands as the rest of the demo history (``app.demo.timeline``)."""

from __future__ import annotations

import random
import struct
import zlib
from datetime import date
from datetime import timedelta
from typing import Any

from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.demo.timeline import upload

THEMES = (
    ("学习贯彻党的创新理论", ["study", "oath"]),
    ("安全生产党员先行", ["study", "deliberation", "party_plus_business"]),
    ("走进井场志愿服务", ["volunteering", "dues"]),
    ("重温入党誓词 过政治生日", ["oath", "political_birthday", "organisational_life"]),
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png() -> bytes:
    """A 1×1 PNG: the photos field takes images only (checked by their bytes)."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(b"\x00\xc8\x10\x10")
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixel)
        + _chunk(b"IEND", b"")
    )


def themed_party_day(code: str, month: date, rng: random.Random, zone: Any) -> None:
    """Plan on the 1st–5th, notice the next day, the day a week after the plan, follow-up a
    fortnight later."""
    day = month + timedelta(days=rng.randint(0, 4))
    held_on = day + timedelta(days=7)
    day_at = moment(held_on, 14, zone)
    secretary = holder("branch_secretary", code, day)
    theme, activities = THEMES[month.month % len(THEMES)]
    instance_id = start(secretary, "themed_party_day", code, moment(day, 9, zone))
    plan = {
        "theme": theme,
        "activity_types": activities,
        "content": f"{theme}：集中学习、交流发言、议定本月重点事项",
        "day_at": day_at.isoformat(),
        "place": "党员活动室",
    }
    step(holder("org_member", code, day), instance_id, moment(day, 10, zone), plan)
    notice = {"plan_confirmed": True, "notified": True, "notice": f"{held_on} 14:00 开展主题党日"}
    step(secretary, instance_id, moment(day + timedelta(days=1), 9, zone), notice)
    members = people("members", code, held_on)
    photos = upload(
        secretary, instance_id, "photos", "活动照片.png", moment(held_on, 17, zone), tiny_png()
    )
    held = {
        "attendees": {"present": members[: len(members) - rng.randint(0, 2)]},
        "hours": 2,
        "record": f"围绕“{theme}”集中学习，党员交流发言，议定本月重点事项。",
        "photos": photos,
        "decisions_made": True,
        "decisions": [
            {
                "matter": "落实本月岗位攻关任务",
                "owner": members[0],
                "due": str(held_on + timedelta(days=20)),
            }
        ],
    }
    step(secretary, instance_id, moment(held_on, 17, zone), held)
    done = {
        "implementation": [{"matter": "落实本月岗位攻关任务", "result": "done", "note": "已完成"}]
    }
    step(secretary, instance_id, moment(held_on + timedelta(days=14), 16, zone), done)
