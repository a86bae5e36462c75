"""Every distinct phone string in Bizstim, normalised to E.164 with Google's
libphonenumber (the `phonenumbers` package), not hand-written patterns.

Only distinct strings are parsed (a few thousand even on large accounts), and
the result is joined back in SQL, so the Python cost does not grow with rows.
A number without a country code is read in the `phone_default_region` var.
"""

import phonenumbers
import pyarrow as pa

PEOPLE_COLUMNS = ("primary_phone_raw", "secondary_phone_raw", "mobile_phones_raw")
TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed_line",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.VOIP: "voip",
}


def normalise(raw, region):
    """(E.164 or None, is_valid, number type). A number libphonenumber finds
    possible but not valid (an unassigned area code, say) keeps its E.164
    form and is flagged: a migration should not drop a customer's phone
    because a range is unknown; a string that cannot be a number is dropped."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None, False, None
    if not phonenumbers.is_possible_number(number):
        return None, False, None
    valid = phonenumbers.is_valid_number(number)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, valid, TYPES.get(phonenumbers.number_type(number), "other")


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
    parsed = [normalise(raw, region) for raw in raws]
    return pa.table({
        "phone_raw": pa.array(raws, pa.string()),
        "phone_e164": pa.array([p[0] for p in parsed], pa.string()),
        "is_valid": pa.array([p[1] for p in parsed], pa.bool_()),
        "number_type": pa.array([p[2] for p in parsed], pa.string()),
    })
