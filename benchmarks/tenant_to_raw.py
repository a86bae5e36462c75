"""Write a synthetic tenant straight into `bizstim_raw`, without HTTP.

For the dbt benchmark on the large tenant: extracting ~1.6 M single-record
reads through the paced API would take half an hour on this machine, while
what dbt reads is the same raw schema either way. Records go through the
extractor's own Arrow conversion and dlt (so column names and types are what
an extraction writes), with the bookkeeping an extraction leaves behind:
`_extractions`, `_fetch_log` rows for dangling references, `_account`.
File bytes are hashed, not written to disk.

    python benchmarks/tenant_to_raw.py --tenant large --workspace /tmp/large
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Iterator

import dlt
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract import settings  # noqa: E402
from extract.pipeline import make_pipeline  # noqa: E402
from extract.rows import records_to_table  # noqa: E402
from extract.warehouse import RAW_SCHEMA, connect, ensure_bookkeeping  # noqa: E402
from sandbox.bizstim.settings import TIMEZONE_BY_METHOD  # noqa: E402
from sandbox.tenant import Tenant  # noqa: E402

BATCH = 50_000
EXTRACTION_ID = 1


def _batches(records: Iterator[dict]) -> Iterator[pa.Table]:
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) >= BATCH:
            yield records_to_table(batch, EXTRACTION_ID)
            batch = []
    if batch:
        yield records_to_table(batch, EXTRACTION_ID)


def _file_contents(tenant: Tenant) -> Iterator[dict]:
    for meta in tenant.iter_records("client_files"):
        content = tenant.file_bytes(meta["id"]) or b""
        digest = hashlib.sha256(content).hexdigest()
        yield {"id": meta["id"], "sha256": digest, "size": str(len(content)),
               "path": f"{digest[:2]}/{digest}"}


def load(tenant: Tenant, workspace: Path) -> dict[str, int]:
    workspace.mkdir(parents=True, exist_ok=True)
    pipeline = make_pipeline(workspace / "warehouse.duckdb", workspace / ".dlt_pipelines")
    tables = [e.table for e in settings.LIST_ENDPOINTS]
    resources = [
        dlt.resource(_batches(tenant.iter_records(t)), name=t, write_disposition="replace")
        for t in tables + ["client_settings", "availability", "client_files"]
    ]
    resources.append(dlt.resource(_batches(_file_contents(tenant)), name="file_contents",
                                  write_disposition="replace"))
    resources.append(dlt.resource(
        pa.Table.from_pylist([{"name": "timezone", "value": TIMEZONE_BY_METHOD["sessions"],
                               "_extraction_id": EXTRACTION_ID}]),
        name="_account", write_disposition="replace"))
    pipeline.run(resources)
    with connect(workspace / "warehouse.duckdb") as con:
        ensure_bookkeeping(con)
        con.execute(f"delete from {RAW_SCHEMA}._extractions")
        con.execute(f"insert into {RAW_SCHEMA}._extractions values "
                    f"({EXTRACTION_ID}, 'full', 'succeeded', now(), now(), null, "
                    "'written by benchmarks/tenant_to_raw.py')")
        # what the extraction logs: a not_found row per dangling reference
        con.execute(f"""
            create or replace table {RAW_SCHEMA}.{settings.FETCH_LOG_TABLE} as
            select {EXTRACTION_ID}::bigint as _extraction_id, 'availability' as endpoint,
                   r.ref, 'not_found' as status, 0::bigint as records, null::bigint as total,
                   'Record not found' as message, now()::varchar as fetched_at
            from ({settings.SINGLE_READ_ENDPOINTS[1].referenced_by.format(
                raw=RAW_SCHEMA, x=EXTRACTION_ID)}) r
            where r.ref not in (select id from {RAW_SCHEMA}.availability)
        """)
        return {t: con.execute(f'select count(*) from {RAW_SCHEMA}."{t}"').fetchone()[0]
                for t in tables + ["client_settings", "availability", "client_files",
                                   "file_contents"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workspace", required=True, type=Path)
    args = parser.parse_args()
    started = time.monotonic()
    counts = load(Tenant(args.tenant, args.seed), args.workspace)
    print(f"{sum(counts.values()):,} raw records in {time.monotonic() - started:.1f} s")
    for table, n in counts.items():
        print(f"  {table:<22}{n:>10,}")


if __name__ == "__main__":
    main()
