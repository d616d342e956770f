"""名称 (of an organisation, of a token) is not 姓名 (of a person)."""

from __future__ import annotations

import re

from tests.conftest import csrf_token
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user


def test_the_organisation_form_and_the_token_table_say_mingcheng(client, login, app):
    tree = make_tree()
    make_user("root")
    grant("root", "system_admin", tree.company)
    login("root")
    page = client.get(f"/admin/orgs/{tree.branch1}/edit").get_data(as_text=True)
    assert re.search(r'<label for="name">名称', page)
    token = csrf_token(client, "/profile")
    client.post("/profile/tokens", data={"csrf_token": token, "name": "报表程序"})
    profile = client.get("/profile").get_data(as_text=True)
    assert "报表程序" in profile
    assert "<th>名称</th>" in profile
    assert "姓名" not in profile
