"""The golden path in a real browser: Streamlit server + Debian chromium driven by Playwright.

demo data -> plan from free text -> Modify the order -> drag-and-drop six weeks of actuals -> see the
re-forecast -> accept the markdown -> close -> review. Screenshots go to test-artifacts/ (gitignored).
Never runs `playwright install`: it uses the system chromium.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STEP_TIMEOUT_MS = 90_000

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing under CI: scripts/test.sh installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); the browser test needs it")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:  # local server only
                if resp.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy in {timeout_s} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    _need_chromium()
    port = _free_port()
    log = tmp_path / "streamlit.log"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'planner.db'}", PYTHONUNBUFFERED="1")
    env.pop("OPENAI_API_KEY", None)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "streamlit.log").write_text(log.read_text(errors="replace"))


@pytest.fixture
def actuals_dir(tmp_path: Path) -> Path:
    from core.demo import write_demo_data

    out = tmp_path / "demo"
    write_demo_data(out)
    return out / "actuals" / "normal"


def test_golden_path_in_the_browser(server: str, actuals_dir: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        expect.set_options(timeout=STEP_TIMEOUT_MS)

        def shot(name: str) -> None:
            # Streamlit scrolls inside its main container, so a "full page" shot needs a viewport as tall
            # as that container's content.
            size = page.viewport_size or {"width": 1400, "height": 1000}
            height = page.evaluate(
                "() => Math.max(...['stMain', 'stAppScrollToBottomContainer', 'stMainBlockContainer']"
                ".map(id => document.querySelector(`[data-testid=${id}]`)).filter(Boolean)"
                ".map(el => el.scrollHeight), document.body.scrollHeight)")
            page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 7000))})
            page.wait_for_timeout(1200)  # let Plotly redraw at the new size
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
            page.set_viewport_size(size)

        def main_text(text: str):
            return page.get_by_test_id("stMain").get_by_text(text, exact=False).first

        def nav(label: str) -> None:
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=label).click()

        # Nothing the app shows may need a network: every request stays on the local server.
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith((server, "data:", "blob:", "about:")) else None)

        # --- Plan: the demo data is there, the example text is pre-filled; plan from free text
        page.goto(server)
        expect(page.get_by_role("heading", name="Plan a season")).to_be_visible()
        expect(main_text("Read from the text")).to_be_visible()
        text = page.get_by_role("textbox", name="In your own words")
        text.fill("I'm planning a 12-week spring Women's Dresses season starting March 1st. Send all inventory "
                  "to stores at launch with no DC holdback. I don't want ongoing replenishment - just one "
                  "initial allocation. Check for markdown opportunities at week 6 if we're below 60% "
                  "sell-through.")
        page.get_by_role("button", name="Read parameters from the text").click()
        expect(page.get_by_role("combobox", name="Category")).to_have_value("Women's Dresses")
        expect(main_text("starts on Monday 2026-02-23")).to_be_visible()
        # An out-of-range value reaches the check and disables Start (the browser used to keep the old value).
        safety = page.get_by_role("spinbutton", name="Safety stock (% of the forecast)")
        safety.fill("150")
        safety.press("Tab")
        expect(main_text("Safety stock = 150% is out of range: allowed 0%..100%")).to_be_visible()
        expect(page.get_by_role("button", name="Start season")).to_be_disabled()
        start = page.get_by_role("button", name="Start season")
        for _ in range(3):  # a fill typed while the previous value's rerun is in flight can be lost: type again
            safety.fill("25")
            safety.press("Tab")
            try:
                expect(start).to_be_enabled(timeout=15_000)
                break
            except AssertionError:
                continue
        expect(start).to_be_enabled()
        shot("01_plan")
        page.get_by_role("button", name="Start season").click()

        # --- Approvals: modify the order in the dialog
        expect(page.get_by_role("heading", name="Approvals")).to_be_visible()
        expect(main_text("Proposed order")).to_be_visible()
        shot("02_order_approval")
        # A second tab on the same season shows the same pending order; it loses the race below.
        other = browser.new_page(viewport={"width": 1400, "height": 1000})
        other.goto(page.url)
        expect(other.get_by_test_id("stMain").get_by_text("Proposed order")).to_be_visible()
        page.get_by_role("button", name="Modify…").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        qty = dialog.get_by_role("spinbutton", name="Manufacturing quantity (units)")
        qty.fill("200000")
        qty.press("Tab")
        dialog.get_by_role("textbox", name="Reason (required)").fill("Supplier capacity for spring is 200k units")
        page.wait_for_timeout(300)
        dialog.get_by_role("button", name="Apply change").click()
        expect(main_text("Modified:")).to_be_visible()
        expect(main_text("200,000 units")).to_be_visible()
        shot("03_order_modified")
        other.get_by_test_id("stMain").get_by_role("button", name="Accept").click()
        expect(other.get_by_test_id("stMain").get_by_text("was decided elsewhere")).to_be_visible()
        other.screenshot(path=str(ARTIFACTS / "03b_other_tab_told.png"))
        other.close()

        # --- Forecast & Allocation
        nav("Forecast & Allocation")
        expect(main_text("Weekly category forecast")).to_be_visible()
        shot("04_forecast")
        page.get_by_role("tab", name="Clusters").click()
        expect(main_text("Silhouette score")).to_be_visible()
        shot("04b_clusters")
        page.get_by_role("tab", name="Allocation").click()
        expect(main_text("Initial shipment")).to_be_visible()
        shot("04c_allocation")

        # --- In-Season: drag-and-drop six weeks at once
        nav("In-Season")
        expect(main_text("Upload weekly actuals")).to_be_visible()
        files = [str(actuals_dir / f"week_{w:02d}.csv") for w in range(1, 7)]
        page.locator("input[type=file]").set_input_files(files)
        expect(main_text("week 6 stored")).to_be_visible()
        for week in range(1, 6):
            expect(main_text(f"week {week} stored")).to_be_visible()
        # week 5 of the normal scenario is a demand shock: the remaining weeks are re-forecast
        expect(main_text("remaining weeks re-forecast")).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("Markdown awaiting approval")).to_be_visible()
        shot("05_in_season")
        page.get_by_role("tab", name="Variance").click()
        expect(main_text("Weekly variance")).to_be_visible()
        shot("05b_variance")

        # --- Approvals: accept the markdown
        nav("Approvals")
        expect(main_text("Markdown at week 6")).to_be_visible()
        expect(main_text("What each depth would do by season end")).to_be_visible()
        page.get_by_test_id("stMain").get_by_role("button", name="Accept").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        shot("06_markdown_dialog")
        dialog.get_by_role("button", name="Accept").click()
        expect(main_text("Accepted:")).to_be_visible()

        # --- close the season early and review (once the markdown's step has finished)
        nav("In-Season")
        expect(page.get_by_test_id("stSidebar").get_by_text("Running:")).to_have_count(0)
        close = page.get_by_role("button", name="Close season")
        confirm = page.get_by_text("Yes, close this season now")
        for _ in range(3):  # a rerun landing between the clicks can fold the expander again: open it again
            if not confirm.is_visible():
                page.get_by_text("Close the season early").click()
            if confirm.is_visible() and not close.is_visible():
                confirm.click()
            try:
                expect(close).to_be_visible(timeout=15_000)
                break
            except AssertionError:
                continue
        close.click()
        expect(page.get_by_role("heading", name="Season Review")).to_be_visible()
        expect(main_text("Tuning advice for the next season")).to_be_visible()
        expect(main_text("Sell-through")).to_be_visible()
        shot("07_review")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download season workbook (Excel)").click()
        from openpyxl import load_workbook

        assert download.value.suggested_filename == "season_womens-dresses_2026-02-23_12w.xlsx"
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert book.sheetnames == ["Weekly plan", "Store allocation", "Replenishment", "Markdown", "Report",
                                   "Parameters", "Order"]
        alloc_total = next(r for r in book["Store allocation"].iter_rows(values_only=True) if r[0] == "Total")
        assert alloc_total[2] == 200000  # the modified order, split to the unit

        nav("Activity")
        expect(main_text("Timeline")).to_be_visible()
        shot("08_activity")

        # --- a narrow window still works (phone-sized)
        page.set_viewport_size({"width": 420, "height": 900})
        nav_button = page.get_by_test_id("stExpandSidebarButton")
        if nav_button.count():
            nav_button.first.click()
        shot("09_narrow")
        browser.close()
        assert outside == [], f"requests left the local server: {outside[:5]}"


def test_a_page_url_opened_first_after_a_server_start_goes_through_the_router(server: str) -> None:
    # A bookmark or a browser reload right after a restart: the very first request names a page. Without
    # the router the menu would list file names ("in season", "streamlit app") and lose the wide layout.
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        page.goto(f"{server}/activity")
        expect(page.get_by_test_id("stMain").get_by_role("heading", name="Activity")).to_be_visible(
            timeout=STEP_TIMEOUT_MS)
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_text("Forecast & Allocation")).to_be_visible(timeout=STEP_TIMEOUT_MS)
        assert nav.get_by_text("streamlit app").count() == 0
        page.screenshot(path=str(ARTIFACTS / "deep_link_first_request.png"))
        browser.close()
