"""Counts that cost the same whatever the size of the table: each stops at the list's cap."""

from collections.abc import Mapping
from typing import Any

from django.db import connections
from django.db.models import QuerySet, Value
from django.db.models.expressions import RawSQL

from shop import listing

# The name under which capped_counts's `found` sub-query is computed once for all its counts.
_FOUND = "counted_found"


def found_rows() -> RawSQL:
    """The rows of capped_counts's `found`, to narrow a counted queryset by (`pk__in=`)."""
    return RawSQL(f"SELECT * FROM {_FOUND}", ())


def capped_counts(
    counted: Mapping[str, QuerySet[Any]],
    *,
    found: QuerySet[Any] | None = None,
    cap: int | None = None,
) -> dict[str, int]:
    """How many rows each of `counted` has, up to `cap` + 1 (default listing.COUNT_CAP; more
    than the cap: cap + 1), in one query: a `SELECT COUNT(*) FROM (… LIMIT cap + 1)` each.

    A sub-count stops after cap + 1 rows, so counts per status cost the same at 100,000 or
    10,000,000 orders when an index serves each condition, where a grouped count reads every
    row. `found` (one column of ids: a search's) is worked out once, before the counts, for
    those of `counted` narrowed by found_rows(): each sub-count would run it again."""
    if not counted:
        return {}
    cap = listing.COUNT_CAP if cap is None else cap
    using = next(iter(counted.values())).db
    parts: list[str] = []
    params: list[Any] = []
    prefix = ""
    if found is not None:
        sql, found_params = _sql(found, using)
        prefix = f"WITH {_FOUND} AS MATERIALIZED ({sql}) "
        params.extend(found_params)
    for index, rows in enumerate(counted.values()):
        sql, sub_params = _sql(
            rows.order_by().annotate(counted=Value(1)).values("counted")[: cap + 1], using
        )
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{index})")
        params.extend(sub_params)
    with connections[using].cursor() as cursor:
        cursor.execute(f"{prefix}SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return dict(zip(counted, row, strict=True))


def _sql(rows: QuerySet[Any], using: str) -> tuple[str, tuple[Any, ...]]:
    # Not elided when it can match nothing (a search of no letter): "WHERE 0 = 1", no rows.
    return rows.query.get_compiler(using=using, elide_empty=False).as_sql()
