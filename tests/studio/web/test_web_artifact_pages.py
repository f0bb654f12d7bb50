"""Datasets in a real browser against the real service: an upload shows its preview; a refused
upload shows the service's own message next to the field it names, and stores nothing."""

from __future__ import annotations

import csv

from pages import PROJECT, button, field, field_error, screenshot, wait
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By


def test_uploaded_dataset_shows_its_rows(page, studio, tmp_path):
    path = tmp_path / "iris.csv"
    rows = [
        ["sepal_length", "species"],
        ["5.1", "setosa"],
        ["6.3", "virginica"],
        ["5.8", "versicolor"],
    ]
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    page.get(f"{studio.url}/p/{PROJECT}/datasets")
    wait(
        page,
        "the empty state",
        lambda: "No datasets" in page.find_element(By.TAG_NAME, "main").text,
    )
    screenshot(page, "datasets-empty")
    field(page, "Name").send_keys("iris")
    field(page, "File").send_keys(str(path))
    field(page, "Description").send_keys("three flowers")
    button(page, "Upload").click()

    wait(page, "the dataset page", lambda: page.current_url.endswith(f"/p/{PROJECT}/datasets/iris"))
    table = wait(
        page,
        "the preview",
        lambda: page.find_elements(By.CSS_SELECTOR, "table[aria-label='Dataset preview']"),
    )[0]
    shown = [
        [c.text for c in r.find_elements(By.TAG_NAME, "td")]
        for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert shown == rows[1:]
    assert [h.text.split()[0] for h in table.find_elements(By.TAG_NAME, "th")] == rows[0]
    stored = studio.http.get("/datasets/iris").json()
    assert stored["versions"][0]["sha256"][:12] in page.find_element(By.TAG_NAME, "main").text
    screenshot(page, "dataset-page")

    page.get(f"{studio.url}/p/{PROJECT}/datasets")
    listed = wait(page, "the list", lambda: page.find_elements(By.LINK_TEXT, "iris"))
    assert listed and "three flowers" in page.find_element(By.TAG_NAME, "tbody").text
    screenshot(page, "datasets-list")


def test_refused_upload_shows_the_services_message_next_to_the_field(page, studio, tmp_path):
    path = tmp_path / "notes.exe"
    path.write_bytes(b"MZ not a dataset")
    expected = studio.http.post(
        "/datasets/notes/versions", params={"filename": "notes.exe"}, content=path.read_bytes()
    )
    assert expected.status_code == 422 and expected.json()["detail"][0]["loc"][-1] == "filename"

    page.get(f"{studio.url}/p/{PROJECT}/datasets")
    field(page, "Name").send_keys("notes")
    file_input = field(page, "File")
    file_input.send_keys(str(path))
    button(page, "Upload").click()
    message = wait(page, "the field's message", lambda: field_error(page, field(page, "File")))
    assert message == expected.json()["detail"][0]["msg"]
    assert field(page, "File").get_attribute("aria-invalid") == "true"
    screenshot(page, "dataset-upload-refused")
    assert studio.http.get("/datasets").json() == []


def test_a_bad_name_is_shown_on_the_name_field(page, studio, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    page.get(f"{studio.url}/p/{PROJECT}/datasets")
    field(page, "Name").send_keys("Not_A-Label!")
    field(page, "File").send_keys(str(path))
    button(page, "Upload").click()
    message = wait(page, "the name's message", lambda: field_error(page, field(page, "Name")))
    direct = studio.http.post(
        "/datasets/Not_A-Label!/versions", params={"filename": "x.csv"}, content=b"a\n1\n"
    )
    assert message == direct.json()["detail"][0]["msg"]


def test_an_upload_over_the_limit_fails_honestly_and_stores_nothing(page, studio, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a\n" + b"1\n" * (studio.settings.max_upload_bytes // 2 + 1024))
    page.get(f"{studio.url}/p/{PROJECT}/datasets")
    field(page, "Name").send_keys("big")
    field(page, "File").send_keys(str(path))
    button(page, "Upload").click()
    box = wait(
        page, "the refusal", lambda: page.find_elements(By.CSS_SELECTOR, ".upload .error-box")
    )
    direct = studio.http.post(
        "/datasets/big/versions", params={"filename": "big.csv"}, content=path.read_bytes()
    )
    assert direct.status_code == 413
    assert box[0].text == direct.json()["detail"]
    screenshot(page, "dataset-upload-too-large")
    assert studio.http.get("/datasets").json() == []


def test_the_progress_bar_follows_a_slow_upload(page, studio, tmp_path):
    path = tmp_path / "slow.csv"
    path.write_bytes(b"a\n" + b"1\n" * 300_000)  # 600 kB, under the 1 MiB limit
    page.get(f"{studio.url}/p/{PROJECT}/datasets")
    field(page, "Name").send_keys("slow")
    field(page, "File").send_keys(str(path))
    # Chromium's own throttling (DevTools): about 200 kB/s up, so the upload takes seconds
    page.execute_cdp_cmd("Network.enable", {})
    page.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 200_000},
    )
    try:
        button(page, "Upload").click()
        seen = set()

        def progressed():
            bars = page.find_elements(By.CSS_SELECTOR, "progress[aria-label='Upload progress']")
            try:
                if bars:
                    seen.add(int(float(bars[0].get_attribute("value"))))
            except StaleElementReferenceException:  # the bar went as the upload ended
                pass
                if 20 <= max(seen) < 100 and len(seen) >= 3 and not hasattr(progressed, "shot"):
                    progressed.shot = screenshot(page, "dataset-upload-progress")
            return page.current_url.endswith("/datasets/slow")

        wait(page, "the upload to finish", progressed, timeout=60)
    finally:
        page.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
    partial = sorted(v for v in seen if 0 < v < 100)
    assert len(partial) >= 3, seen  # the bar moved while bytes went out
    assert studio.http.get("/datasets/slow").json()["latest"]["size"] == path.stat().st_size


def test_a_cancelled_upload_says_so_and_stores_nothing(page, studio, tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes(b"a\n" + b"1\n" * 300_000)
    page.get(f"{studio.url}/p/{PROJECT}/datasets")
    field(page, "Name").send_keys("cut")
    field(page, "File").send_keys(str(path))
    page.execute_cdp_cmd("Network.enable", {})
    page.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 100_000},
    )
    try:
        button(page, "Upload").click()
        button(page, "Cancel").click()
        box = wait(page, "the message", lambda: page.find_elements(By.CSS_SELECTOR, ".error-box"))
        assert box[0].text == "upload cancelled: nothing was stored"
    finally:
        page.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
    assert studio.http.get("/datasets").json() == []
