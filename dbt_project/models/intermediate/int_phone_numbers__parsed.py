"""Every distinct phone string in Bizstim, normalised to E.164 with Google's
libphonenumber (the `phonenumbers` package), not hand-written patterns.

Only distinct strings are parsed, split across the machine's cores, and the
result is joined back in SQL, so the Python cost grows with distinct numbers,
not with rows. A number without a country code is read in the
`phone_default_region` var.
"""

import multiprocessing
import os

import phonenumbers
import pyarrow as pa

PEOPLE_COLUMNS = ("primary_phone_raw", "secondary_phone_raw", "mobile_phones_raw")
# below this many strings a worker process costs more than it saves
PARALLEL_FROM = 20_000


def normalise(raw, region):
    """(E.164 or None, why not). A number libphonenumber finds *possible*
    (right length for its country) keeps its E.164 form even when its range
    is unassigned: a migration should not drop a customer's phone because a
    range is unknown, and checking full validity doubles the cost on large
    accounts. A string that cannot be a number gets no E.164 (its raw text is
    kept upstream, in int_phones__by_owner.unreadable_phones)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        return None, f"not a phone number ({error.error_type})"
    if not phonenumbers.is_possible_number(number):
        return None, "wrong length for its country"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def normalise_chunk(raws, region):
    return [normalise(raw, region) for raw in raws]


def _child(raws, region, connection):
    connection.send(normalise_chunk(raws, region))
    connection.close()


def normalise_in_parallel(raws, region, workers):
    """Forked workers (the model's module cannot be imported by a spawned one,
    and fork needs no pickling of this code); this process takes a share too."""
    fork = multiprocessing.get_context("fork")
    size = -(-len(raws) // workers)
    chunks = [raws[i:i + size] for i in range(0, len(raws), size)]
    children = []
    for chunk in chunks[1:]:
        receiver, sender = fork.Pipe(duplex=False)
        process = fork.Process(target=_child, args=(chunk, region, sender), daemon=True)
        process.start()
        sender.close()
        children.append((process, receiver))
    parsed = normalise_chunk(chunks[0], region)
    for process, receiver in children:
        parsed.extend(receiver.recv())
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a phone-normalising worker failed (exit {process.exitcode})")
    return parsed


def model(dbt, session):
    dbt.config(materialized="table")
    region = dbt.config.get("phone_default_region") or "US"
    # dbt reads refs as literals: one call each
    sources = [
        (dbt.ref("stg_bizstim__clients"), PEOPLE_COLUMNS),
        (dbt.ref("stg_bizstim__practitioners"), PEOPLE_COLUMNS),
        (dbt.ref("stg_bizstim__staffs"), PEOPLE_COLUMNS),
        (dbt.ref("stg_bizstim__locations"), PEOPLE_COLUMNS[:2]),
    ]
    distinct = set()
    for relation, columns in sources:
        for row in relation.project(", ".join(columns)).distinct().fetchall():
            for value in row:
                if value:
                    # a column may hold several numbers, comma-separated
                    distinct.update(part.strip() for part in value.split(",") if part.strip())
    raws = sorted(distinct)
    workers = min(os.cpu_count() or 1, 4)
    if len(raws) >= PARALLEL_FROM and workers > 1:
        parsed = normalise_in_parallel(raws, region, workers)
    else:
        parsed = normalise_chunk(raws, region)
    return pa.table({
        "phone_raw": pa.array(raws, pa.string()),
        "phone_e164": pa.array([p[0] for p in parsed], pa.string()),
        "unreadable_because": pa.array([p[1] for p in parsed], pa.string()),
    })
