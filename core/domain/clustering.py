"""Store clusters (docs/planning-rules.md §4.4): K-means on seven standardised store features.

Features, in this order:
  avg_weekly_sales  from the category's history when the store has any (7 x units / days seen,
                    so partial weeks count for what they are), else `avg_weekly_sales_12mo`
                    rescaled to the category (see `store_weekly_sales`)
  store_size_sqft, median_income
  location_tier     A=3 B=2 C=1
  fashion_tier      Premium=3 Mainstream=2 Value=1
  store_format      Mall=4 Standalone=3 ShoppingCenter=2 Outlet=1
  region            Northeast=1 Southeast=2 Midwest=3 West=4

Cluster names follow the rank of the cluster's mean weekly sales, highest first:
  K=2: Fashion_Forward, Value_Conscious
  K=3: Fashion_Forward, Mainstream, Value_Conscious
  K>3: Fashion_Forward, Mainstream_1 .. Mainstream_{K-2}, Value_Conscious
so the first and last names always mean "best" and "weakest sellers" whatever K is.

A stores file may lack attributes (only store_id is required, docs/user-guide.md "Your own files"):
an attribute no store has is left out, and the stores' sales profile from the category history
stands in: besides the weekly average, `sales_variability` (coefficient of variation of the store's
weekly units) and `sales_trend` (its last 13 weeks against its whole history). With all seven
attributes present the features are exactly the seven above.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.domain.errors import PlannerError
from core.domain.models import ClusterInfo, ClusterResult

ENCODINGS: dict[str, dict[str, int]] = {
    "location_tier": {"A": 3, "B": 2, "C": 1},
    "fashion_tier": {"Premium": 3, "Mainstream": 2, "Value": 1},
    "store_format": {"Mall": 4, "Standalone": 3, "ShoppingCenter": 2, "Outlet": 1},
    "region": {"Northeast": 1, "Southeast": 2, "Midwest": 3, "West": 4},
}
NUMERIC_COLUMNS: tuple[str, ...] = ("avg_weekly_sales_12mo", "store_size_sqft", "median_income")
FEATURES: list[str] = [
    "avg_weekly_sales",
    "store_size_sqft",
    "median_income",
    "location_tier",
    "fashion_tier",
    "store_format",
    "region",
]
PROFILE_FEATURES: list[str] = ["sales_variability", "sales_trend"]
RECENT_WEEKS = 13
MAX_LISTED_PROBLEMS = 20


def cluster_names(n_clusters: int) -> list[str]:
    """Names in rank order (highest average weekly sales first)."""
    if n_clusters < 2:
        raise PlannerError(f"n_clusters = {n_clusters} is out of range: allowed [2, 8]")
    if n_clusters == 2:
        return ["Fashion_Forward", "Value_Conscious"]
    if n_clusters == 3:
        return ["Fashion_Forward", "Mainstream", "Value_Conscious"]
    middle = [f"Mainstream_{i}" for i in range(1, n_clusters - 1)]
    return ["Fashion_Forward", *middle, "Value_Conscious"]


def _present(stores: pd.DataFrame, column: str) -> bool:
    """True when the stores file had the column: some store has a value."""
    return column in stores.columns and bool(stores[column].notna().any())


def encode_store_attributes(stores: pd.DataFrame) -> pd.DataFrame:
    """Numeric codes for the enum columns the file has; unknown values are rejected with the allowed ones.

    Matching ignores case and surrounding spaces ("mall " is Mall). Returns a frame indexed by
    store_id with the coded columns plus the numeric ones the stores have (a column no store has is
    left out; one that some stores lack is refused, naming them).
    """
    if "store_id" not in stores.columns:
        raise PlannerError("stores: missing column store_id; it is the one column a stores file needs")
    if stores.empty:
        raise PlannerError("stores: no stores to cluster")
    ids = stores["store_id"].astype(str)
    duplicated = ids[ids.duplicated()].unique().tolist()
    if duplicated:
        raise PlannerError(f"stores: duplicate store_id {', '.join(duplicated[:MAX_LISTED_PROBLEMS])}")
    out = pd.DataFrame(index=pd.Index(ids.to_numpy(), name="store_id"))
    problems: list[str] = []
    for column, mapping in ENCODINGS.items():
        if not _present(stores, column):
            continue
        lookup = {k.lower(): v for k, v in mapping.items()}
        raw = stores[column].astype(str).str.strip()
        codes = raw.str.lower().map(lookup)
        bad = codes.isna().to_numpy()
        for sid, value in zip(ids[bad], raw[bad]):
            problems.append(
                f"stores: store {sid}, column '{column}': unknown value {value!r}; "
                f"allowed: {', '.join(mapping)}"
            )
        out[column] = codes.to_numpy(dtype=float)
    for column in NUMERIC_COLUMNS:
        if not _present(stores, column):
            continue
        values = pd.to_numeric(stores[column], errors="coerce")
        bad = (values.isna() | (values < 0)).to_numpy()
        for sid, value in zip(ids[bad], stores[column][bad]):
            problems.append(f"stores: store {sid}, column '{column}': {value!r} is not a number >= 0")
        out[column] = values.to_numpy(dtype=float)
    if problems:
        extra = len(problems) - MAX_LISTED_PROBLEMS
        listed = problems[:MAX_LISTED_PROBLEMS]
        if extra > 0:
            listed.append(f"... and {extra} more problems not shown")
        raise PlannerError(listed)
    return out


def store_weekly_sales(
    stores: pd.DataFrame, history: pd.DataFrame | None, category: str
) -> tuple[pd.Series, str]:
    """Average weekly units per store for the category, and a sentence saying where it came from.

    A store with category history: 7 x units / days observed. A store without any: its
    `avg_weekly_sales_12mo` multiplied by the median ratio (category average / 12-month average)
    of the stores that have both, so the two sources share one scale. No category history at all:
    `avg_weekly_sales_12mo` as it is.
    """
    ids = stores["store_id"].astype(str).to_numpy()
    twelve = stores["avg_weekly_sales_12mo"] if "avg_weekly_sales_12mo" in stores.columns else pd.Series(
        np.nan, index=stores.index)
    # A store with neither history nor a 12-month figure sells nothing as far as anyone knows.
    fallback = pd.Series(pd.to_numeric(twelve, errors="coerce").fillna(0.0).to_numpy(), index=ids)
    if history is None or history.empty:
        return fallback, "avg_weekly_sales_12mo (no history)"
    rows = history[history["category"] == category]
    if rows.empty:
        return fallback, f"avg_weekly_sales_12mo (no history for {category!r})"
    grouped = rows.groupby(rows["store_id"].astype(str)).agg(units=("quantity", "sum"), days=("days", "sum"))
    grouped = grouped[grouped["days"] > 0]
    from_history = (7.0 * grouped["units"] / grouped["days"]).reindex(ids)
    have = from_history.notna()
    if have.all():
        return from_history, f"{category} history"
    if not have.any():
        return fallback, f"avg_weekly_sales_12mo (no history for {category!r} at these stores)"
    both = have & (fallback > 0)
    ratio = float((from_history[both] / fallback[both]).median()) if both.any() else 1.0
    filled = from_history.where(have, fallback * ratio)
    return filled, (
        f"{category} history; {int((~have).sum())} store(s) without history use avg_weekly_sales_12mo x {ratio:.3f}"
    )


def sales_profile(ids: np.ndarray, history: pd.DataFrame | None, category: str) -> pd.DataFrame:
    """`sales_variability` and `sales_trend` per store from the category's weekly history (0 and 1 for
    a store without history: no variation, no trend)."""
    out = pd.DataFrame({"sales_variability": 0.0, "sales_trend": 1.0}, index=pd.Index(ids, name="store_id"))
    if history is None or history.empty:
        return out
    rows = history[history["category"] == category]
    if rows.empty:
        return out
    weekly = rows.pivot_table(index="week_start", columns=rows["store_id"].astype(str), values="quantity",
                              aggfunc="sum", fill_value=0.0).sort_index()
    mean = weekly.mean()
    cv = (weekly.std(ddof=0) / mean.where(mean > 0)).fillna(0.0)
    recent = weekly.tail(RECENT_WEEKS).mean()
    trend = (recent / mean.where(mean > 0)).fillna(1.0)
    out.loc[cv.index.intersection(out.index), "sales_variability"] = cv
    out.loc[trend.index.intersection(out.index), "sales_trend"] = trend
    return out


def store_features(stores: pd.DataFrame, history: pd.DataFrame | None, category: str) -> tuple[pd.DataFrame, str]:
    """The raw (unscaled) features per store, indexed by store_id: FEATURES in order when the stores
    file has every attribute; else the attributes it has plus the sales profile (PROFILE_FEATURES)."""
    coded = encode_store_attributes(stores)
    sales, basis = store_weekly_sales(stores, history, category)
    frame = coded.copy()
    frame["avg_weekly_sales"] = sales.to_numpy(dtype=float)
    columns = [f for f in FEATURES if f in frame.columns]
    if len(columns) < len(FEATURES):
        profile = sales_profile(frame.index.to_numpy(), history, category)
        for f in PROFILE_FEATURES:
            frame[f] = profile[f].to_numpy(dtype=float)
        columns += PROFILE_FEATURES
        basis += f"; clustered on {', '.join(columns)} (the stores file has no other attributes)"
    return frame[columns], basis


def cluster_stores(
    stores: pd.DataFrame, history: pd.DataFrame | None, category: str, n_clusters: int, seed: int = 42
) -> ClusterResult:
    """K-means (k-means++, n_init=10, fixed seed) on the standardised features; named by sales rank."""
    from sklearn import config_context
    from sklearn.cluster import KMeans  # lazy: sklearn costs start-up time
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    if isinstance(n_clusters, bool) or not isinstance(n_clusters, int) or not 2 <= n_clusters <= 8:
        raise PlannerError(f"n_clusters = {n_clusters!r} is out of range: allowed [2, 8]")
    raw, basis = store_features(stores, history, category)
    distinct = len(raw.drop_duplicates())
    if distinct < n_clusters:
        raise PlannerError(
            f"n_clusters = {n_clusters} needs at least {n_clusters} stores with different attributes; "
            f"found {distinct} of {len(raw)} stores"
        )
    scaled = StandardScaler().fit_transform(raw.to_numpy(dtype=float))
    model = KMeans(n_clusters=n_clusters, init="k-means++", n_init=10, random_state=seed)
    # A few thousand stores x 7 features is tiny: starting OpenMP threads for each of the 10 runs costs
    # 5-10x more than the arithmetic (0.10 s vs 0.015 s on the demo data); the labels are identical.
    # The silhouette reads the store x store distances in row blocks of `working_memory` MB (sklearn's
    # default 1 GB is ~800 MB of blocks at 10,000 stores); each store's value is the same in any block.
    with threadpool_limits(limits=1), config_context(working_memory=64):
        labels = model.fit_predict(scaled)
        n_labels = len(np.unique(labels))
        silhouette = float(silhouette_score(scaled, labels)) if 2 <= n_labels <= len(raw) - 1 else 0.0

    sales = raw["avg_weekly_sales"].to_numpy()
    mean_sales = {lab: float(sales[labels == lab].mean()) for lab in np.unique(labels)}
    # Highest mean sales first; label number breaks exact ties so naming is deterministic.
    ranked = sorted(mean_sales, key=lambda lab: (-mean_sales[lab], lab))
    names = dict(zip(ranked, cluster_names(n_clusters)))
    store_ids = raw.index.to_numpy()
    clusters: list[ClusterInfo] = []
    for lab in ranked:
        members = labels == lab
        profile = {f: round(float(v), 6) for f, v in raw[members].mean().items()}
        clusters.append(
            ClusterInfo(
                name=names[lab],
                stores=[str(s) for s in store_ids[members]],
                avg_weekly_sales=round(mean_sales[lab], 6),
                profile=profile,
            )
        )
    assignments = {str(s): names[lab] for s, lab in zip(store_ids, labels)}
    return ClusterResult(
        clusters=clusters,
        assignments=assignments,
        silhouette=round(silhouette, 6),
        features=list(raw.columns),
        sales_basis=basis,
    )
