"""An empty registry: the page says there is nothing yet instead of failing, with the
installed plugins' real report sections running over the (empty) registry view."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from helpdesk.registry.app import create_app
from helpdesk.registry.dashboard.accounts import add_staff
from helpdesk.registry.db import open_db
from helpdesk.secret import Secret


def test_an_empty_registry_shows_empty_states(tmp_path: Path) -> None:
    engine = open_db(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        client = TestClient(create_app(engine, read_token="t"), follow_redirects=False)
        add_staff(engine, "canbo", Secret("mat-khau-dai"))
        client.get("/dashboard/login")
        done = client.post("/dashboard/login", data={"csrf": client.cookies.get("hd_csrf") or "", "name": "canbo",
                                                     "password": "mat-khau-dai"})
        assert done.status_code == 303
        page = client.get("/dashboard?year=2018")
        assert page.status_code == 200
        text = page.text
        assert "Chưa có máy kiosk nào đăng ký." in text and "Chưa có dữ liệu chứng thư số." in text
        assert "Kế hoạch chưa có chỉ tiêu riêng cho đơn vị nào." in text
        assert 'class="failed' not in text  # every installed plugin's section ran over the registry view
        assert '<tr data-metric="cert.new.organisation"><td>Cấp mới chứng thư số — tổ chức</td><td class="n">0 / 134</td>' in text
    finally:
        engine.dispose()
