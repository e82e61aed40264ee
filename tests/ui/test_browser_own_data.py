"""A planner's own files in a real browser: their column names matched at import (the pickers' guesses,
remembered), a stores file of store ids only, then a weekly data set's week file of weekly totals
(one row per store, dated mid-week) stored as the full week. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.orchestrator.conftest import STORES, history_csv
from tests.ui.test_browser_golden_path import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, STEP_TIMEOUT_MS, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def their_files(tmp_path: Path) -> dict[str, Path]:
    lines = history_csv().decode().splitlines()
    out = {"history": tmp_path / "shop_sales.csv", "stores": tmp_path / "shops.csv", "week": tmp_path / "wk1.csv"}
    out["history"].write_text("\n".join(["week_start,shop,dept,qty,revenue", *lines[1:]]) + "\n")
    out["stores"].write_text("shop\n" + "\n".join(STORES) + "\n")
    wednesday = date(2025, 3, 3) + timedelta(days=2)
    out["week"].write_text("week_start,shop,qty\n" + "\n".join(f"{wednesday},{s},40" for s in STORES) + "\n")
    return out


def test_own_files_with_their_column_names_and_weekly_totals(server: str, their_files: dict[str, Path]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        expect.set_options(timeout=STEP_TIMEOUT_MS)

        def main_text(text: str):  # type: ignore[no-untyped-def]
            return page.get_by_test_id("stMain").get_by_text(text, exact=False).first

        page.goto(server)
        expect(page.get_by_role("heading", name="Plan a season")).to_be_visible()
        # the demo's week files are offered for download
        page.get_by_text("Play a season on the demo").click()
        expect(page.get_by_role("button", name="Download the demo's week files (normal)")).to_be_visible()

        # a value typed in the form survives the import (walk-through: the form went back to zeros)
        safety = page.get_by_role("spinbutton", name="Safety stock (% of the forecast)")
        for _ in range(3):
            safety.fill("15")
            safety.press("Tab")
            try:
                expect(main_text("order = forecast x 1.15")).to_be_visible(timeout=15_000)
                break
            except AssertionError:
                continue
        page.get_by_text("My own files (history + stores CSV)").click()
        inputs = page.locator("input[type=file]")
        expect(inputs).to_have_count(2)
        inputs.nth(0).set_input_files(str(their_files["history"]))
        expect(main_text("shop_sales.csv")).to_be_visible()
        inputs.nth(1).set_input_files(str(their_files["stores"]))
        expect(main_text("Columns: match your column names to ours")).to_be_visible()
        # the pickers start on the file's own columns
        for label, theirs in (("date (day or week)", "week_start"), ("store", "shop"), ("category", "dept"),
                              ("units sold", "qty")):
            expect(page.get_by_role("combobox", name=label).first).to_have_value(theirs)
        page.screenshot(path=str(ARTIFACTS / "own_01_mapping.png"), full_page=True)
        page.get_by_role("button", name="Check and import").click()
        expect(main_text("its week files are weekly totals")).to_be_visible()
        expect(page.get_by_role("spinbutton", name="Safety stock (% of the forecast)")).to_have_value("15.0")
        expect(main_text("order = forecast x 1.15")).to_be_visible()

        text = page.get_by_role("textbox", name="In your own words")
        text.fill("A 6-week season for Dresses starting 2025-03-03 with weekly replenishment. "
                  "Check markdowns at week 3 if sell-through is below 45%.")
        target = page.get_by_role("spinbutton", name="Sell-through target at the checkpoint (%)").last
        for _ in range(3):  # a click landing while a rerun is in flight can be lost: click again
            page.get_by_role("button", name="Read parameters from the text").click()
            try:
                expect(target).to_have_value("45.0", timeout=20_000)
                break
            except AssertionError:
                continue
        expect(target).to_have_value("45.0")
        page.get_by_role("button", name="Start season").click()

        expect(page.get_by_role("heading", name="Approvals")).to_be_visible()
        expect(main_text("Proposed order")).to_be_visible()
        page.get_by_test_id("stMain").get_by_role("button", name="Accept").click()
        page.get_by_role("dialog").get_by_role("button", name="Accept").click()
        expect(main_text("Accepted:")).to_be_visible()

        page.get_by_test_id("stSidebarNav").get_by_role("link", name="In-Season").click()
        expect(main_text("Upload weekly actuals")).to_be_visible()
        page.locator("input[type=file]").set_input_files(str(their_files["week"]))
        try:
            expect(main_text("wk1.csv → week 1 stored: 240 units")).to_be_visible(timeout=30_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "own_02_weekly_totals.png"), full_page=True)
        assert page.get_by_text("partial week").count() == 0
        page.screenshot(path=str(ARTIFACTS / "own_02_weekly_totals.png"), full_page=True)
        browser.close()
