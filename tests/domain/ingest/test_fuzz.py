"""Whatever bytes arrive, the parsers either return a result or raise IngestError; never anything else."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.errors import IngestError
from core.domain.ingest import parse_actuals, parse_history, parse_stores

VALID_HISTORY = (
    b"date,store_id,category,quantity_sold,revenue\n"
    b"2025-03-03,S1,Dresses,4,40.0\n2025-03-04,S1,Dresses,5,50.5\n2025-03-03,S2,Shirts,1,9.99\n"
)
VALID_STORES = (
    b"store_id,avg_weekly_sales_12mo,store_size_sqft,median_income,location_tier,fashion_tier,"
    b"store_format,region\nS1,100,5000,60000,A,Premium,Mall,West\nS2,80,4000,50000,C,Value,Outlet,Midwest\n"
)
VALID_ACTUALS = b"date,store_id,quantity_sold\n2025-02-24,S1,3\n2025-02-25,S2,4\n2025-02-26,S1,0\n"

NOISE = st.sampled_from(
    [b",", b"\n", b"\r\n", b'"', b";", b"\x00", b"\xff", b"\xef\xbb\xbf", b"-", b"=", b"1e309", b"nan",
     b"inf", b" ", b"2025-02-30", b"\t", b"\xc3", b"S1", b"", b"999999999999999999999"]
)


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.one_of(NOISE, st.binary(max_size=4)))
        if action == "insert":
            data[pos:pos] = chunk
        elif action == "delete":
            del data[pos : pos + draw(st.integers(1, 8))]
        else:
            data[pos : pos + len(chunk)] = chunk
    return bytes(data)


def call_all(data: bytes) -> None:
    for call in (
        lambda: parse_history(data, "h.csv"),
        lambda: parse_stores(data, "s.csv"),
        lambda: parse_actuals(data, "a.csv", season_start=date(2025, 2, 24), horizon_weeks=12,
                              known_stores=["S1", "S2"], category="Dresses"),
    ):
        try:
            call()
        except IngestError as exc:
            assert exc.messages and all(isinstance(m, str) and m for m in exc.messages)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_ingest_error(data: bytes):
    call_all(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(VALID_HISTORY), mutated(VALID_STORES), mutated(VALID_ACTUALS)))
def test_mutated_files_only_raise_ingest_error(data: bytes):
    call_all(data)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), min_size=1, max_size=8))
def test_arbitrary_text_tables_only_raise_ingest_error(rows: list[list[str]]):
    header = "date,store_id,category,quantity_sold,revenue\n"
    body = "\n".join(",".join(r) for r in rows)
    call_all((header + body).encode("utf-8", errors="surrogatepass"))
