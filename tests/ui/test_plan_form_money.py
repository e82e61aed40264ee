"""The plan form's order policy and salvage value (docs/planning-rules.md §6)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.ui.conftest import texts
from tests.ui.test_pages import button

TEXT = ("I'm planning a 12-week spring Women's Dresses season starting March 1st. Send all inventory to stores at "
        "launch with no DC holdback. I don't want ongoing replenishment - just one initial allocation. Check for "
        "markdown opportunities at week 6 if we're below 60% sell-through.")


def test_the_form_reads_text_then_starts_with_a_safety_stock_and_a_salvage_value(app: AppTest) -> None:
    app.run()
    app.text_area(key="plan_text").input(TEXT)
    button(app, "Read parameters from the text").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.selectbox(key="p_order_policy").value == "profit"
    app.number_input(key="p_safety_stock").set_value(25.0).run()
    assert not app.error, texts(app.error)
    assert not button(app, "Start season").disabled
    app.number_input(key="p_unit_price").set_value(40.0)
    app.number_input(key="p_unit_cost").set_value(18.0)
    app.number_input(key="p_salvage_value").set_value(25.0).run()
    assert texts(app.error) == ["- Salvage value = 25 must not exceed Unit cost = 18: allowed 0 up to the unit cost"]
    app.number_input(key="p_salvage_value").set_value(5.0).run()
    assert not app.error and not button(app, "Start season").disabled
