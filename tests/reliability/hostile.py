"""Hostile CSV material: values that must never be accepted, and ways to mangle a whole file."""

from __future__ import annotations

from hypothesis import strategies as hs

FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0",
            "=1", "+cmd|'/c notepad'!A1"]
# Never a valid count of units (quantity_sold) ...
BAD_QUANTITIES = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1", "1.5", "12abc", "9" * 40, "1,5", "0x1F",
                  "=1+1", "99999999999"]
# ... nor a valid store measure (fractions are fine there).
BAD_AMOUNTS = ["nan", "inf", "-inf", "1e400", "12abc", "9" * 40, "1,5", "0x1F", "=1+1", "1e13"]
BAD_DATES = ["03/04/2025", "2025/03/04", "4 Mar 2025", "2025-02-30", "20250304", "2025-3-4", "1800-01-01",
             "9999-12-31", "2025-03-04T00:00:00", "yesterday", "=TODAY()", "2025-13-01"]
BAD_IDS = FORMULAS + ["x" * 5000, "S1\x00", "S 1", "../../etc/passwd", "S1;DROP TABLE workflows", "<script>",
                      "S\u202e1", "", "NaN"]
LONG_TEXT = ["y" * 100_000]


def bad_value_for(column: str) -> hs.SearchStrategy[str]:
    if column in ("date",):
        return hs.sampled_from(BAD_DATES)
    if column in ("store_id",):
        return hs.sampled_from(BAD_IDS)
    if column in ("category",):
        return hs.sampled_from(FORMULAS + LONG_TEXT + ["", "\x00"])
    if column in ("location_tier", "fashion_tier", "store_format", "region"):
        return hs.sampled_from(FORMULAS + ["Z", "Luxury", "", "mall;Outlet", "x" * 3000])
    if column == "quantity_sold":
        return hs.sampled_from(BAD_QUANTITIES + FORMULAS + [""])
    return hs.sampled_from(BAD_AMOUNTS + FORMULAS + [""])


def replace_cell(data: bytes, row: int, column: str, value: str) -> bytes:
    """The file with one cell (row 1 = first data row) set to `value`, quoted when needed."""
    lines = data.decode().split("\n")
    header = lines[0].split(",")
    col = header.index(column)
    body = [ln for ln in lines[1:] if ln]
    cells = body[(row - 1) % len(body)].split(",")
    text = value
    if any(ch in value for ch in ',"\n\r'):
        text = '"' + value.replace('"', '""') + '"'
    cells[col] = text
    body[(row - 1) % len(body)] = ",".join(cells)
    return ("\n".join([lines[0]] + body) + "\n").encode("utf-8", "surrogatepass")


ENCODINGS = ["utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1"]


@hs.composite
def mangled(draw: hs.DrawFn, data: bytes) -> tuple[str, bytes]:
    """(description, bytes) of a whole-file mangling; not every one is invalid."""
    how = draw(hs.sampled_from(["encoding", "delimiter", "truncate", "garbage", "no_header", "duplicate",
                                "bom_only", "binary", "huge_line", "nul"]))
    text = data.decode()
    if how == "encoding":
        enc = draw(hs.sampled_from(ENCODINGS))
        accented = text.replace("S1", "Sé1", 1) if enc in ("cp1252", "latin-1") else text
        return f"encoding {enc}", accented.encode(enc)
    if how == "delimiter":
        sep = draw(hs.sampled_from([";", "\t", "|", " "]))
        return f"delimiter {sep!r}", text.replace(",", sep).encode()
    if how == "truncate":
        cut = draw(hs.integers(0, len(data)))
        return f"truncated at {cut}", data[:cut]
    if how == "garbage":
        return "random bytes", draw(hs.binary(min_size=0, max_size=400))
    if how == "no_header":
        return "header removed", "\n".join(text.split("\n")[1:]).encode()
    if how == "duplicate":
        lines = text.split("\n")
        return "duplicate rows", ("\n".join(lines + lines[1:3])).encode()
    if how == "bom_only":
        return "BOM only", b"\xef\xbb\xbf"
    if how == "binary":
        return "gzip bytes", b"\x1f\x8b\x08\x00" + draw(hs.binary(min_size=10, max_size=200))
    if how == "huge_line":
        return "one 200k-char field", (text.split("\n")[0] + "\n" + "9" * 200_000 + "\n").encode()
    return "NUL bytes", text.replace(",", ",\x00", 3).encode()
