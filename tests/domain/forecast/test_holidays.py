from datetime import date

import pandas as pd

from core.domain.forecast.holidays import HOLIDAYS, easter_sunday
from core.domain.forecast.realign import realign_history


def test_holiday_dates() -> None:
    assert [easter_sunday(y) for y in (2010, 2011, 2012, 2024, 2025)] == [
        date(2010, 4, 4), date(2011, 4, 24), date(2012, 4, 8), date(2024, 3, 31), date(2025, 4, 20)
    ]
    assert HOLIDAYS["thanksgiving"](2024) == date(2024, 11, 28)
    assert HOLIDAYS["memorial_day"](2025) == date(2025, 5, 26)
    assert HOLIDAYS["super_bowl"](2012) == date(2012, 2, 5)
    assert HOLIDAYS["super_bowl"](2025) == date(2025, 2, 9)


def test_last_years_easter_spike_is_moved_to_this_years_easter_week() -> None:
    # Monday weeks from 2023-01-02; Easter 2023 = 9 April (week of 3 April), Easter 2024 = 31 March.
    grid = pd.date_range("2023-01-02", periods=80, freq="7D")
    history = [100.0] * 60
    easter_2023 = grid.get_loc(pd.Timestamp("2023-04-03"))
    history[easter_2023] = 500.0
    target_end = grid.get_loc(pd.Timestamp("2024-05-20"))  # the season ends after Easter 2024
    z = realign_history(pd.Series(history).to_numpy(), grid, target_end)
    easter_2024 = grid.get_loc(pd.Timestamp("2024-03-25"))
    # The seasonal models copy position t - 52 into t: the spike must sit 52 weeks before Easter 2024.
    assert z[easter_2024 - 52] == 500.0
    assert z[easter_2023] == 100.0  # 52 weeks before 2024-04-01, a plain week in 2024
    assert z[52:].tolist() == history[52:]  # the latest year is left as it is
