"""What the field map knows that is not mapping: the destinations, the roles a
source field plays in a map entry, the extractor's bookkeeping, which objects
of each destination take custom fields through their API, and how names are
read (abbreviations, words, what a field's name says it holds).

The mapping itself is declared in the dbt project (bizstim_migrate/mapping/declared.py
reads it): the mart contracts say which source field lands in which destination
field; `models/staging/bizstim/_bizstim__sources.yml` says which fields are join keys,
lookup inputs, ledger keys, deliverables or left out, each object's mapping row, and
the value maps the staging models decode with.
"""

from __future__ import annotations

DESTINATIONS = ("freshsales", "dynamics")

# Roles a source field can play in a map entry
FIELD = "field"  # lands in a destination field
KEY = "key"  # carries the Bizstim id (upserts and reconciliation name the record by it)
LINK = "link"  # a reference the models join on; no destination field of its own
LOOKUP = "lookup"  # resolves a lookup (the owner by e-mail, a parent record)
DELIVERABLE = "deliverable"  # goes to a document/CSV for the customer's admin
LEFT_OUT = "left_out"  # deliberately not migrated (the reason says why)

# Raw tables and columns that are the extractor's bookkeeping, not Bizstim objects
BOOKKEEPING_TABLES = frozenset({"file_contents"})
BOOKKEEPING_COLUMNS = frozenset({"_extraction_id", "_dlt_id", "_dlt_load_id"})

# API facts: the objects whose field metadata the proposal reads live, and those that
# take custom fields through the API (where a custom field found in the data can go)
FRESHSALES_METADATA_ENTITIES = ("contacts", "deals", "products")
DYNAMICS_METADATA_TABLES = ("contact", "lead", "systemuser", "product", "opportunity",
                            "annotation", "appointment")
CUSTOMIZABLE = {"freshsales": frozenset(FRESHSALES_METADATA_ENTITIES),
                "dynamics": frozenset(DYNAMICS_METADATA_TABLES)}
# the names a custom field takes: Freshsales `cf_<name>`; Dataverse the publisher prefix
FRESHSALES_CUSTOM_PREFIX = "cf_"


# --- name similarity: abbreviations Bizstim uses, and words that carry no meaning -----------

ABBREVIATIONS = {
    "p": "primary", "s": "secondary", "pract": "practitioner", "avail": "availability",
    "num": "number", "desc": "description", "addr": "address", "qb": "quickbooks",
    "zip": "zipcode", "tel": "telephone", "dob": "birth date", "recurr": "recurrence",
    "mime": "content", "postal": "zipcode postal",
}
NOISE_WORDS = frozenset({"cf", "bizstim", "new", "id", "the", "of"})

# The words destination field names are made of, to split names that run them
# together (Dataverse logical names): one text, split at import.
NAME_VOCABULARY = """
    account active activity actual address amount annotation availability base bizstim
    calculated category client close closed code content cost count country created currency
    custom customer data date default deal decimal description disabled document duration
    email end estimated fields file first full group id ids internal is item key kind last
    lead level limit line list line mime mobile name note number object on or original other
    overridden owner parent payment per person phone postal practitioner price pricing
    primary product province quantity regarding revenue role schedule scheduled service
    session shared slot staff start state subject system telephone text time type unit
    value wage windows with zipcode
"""

# Semantic hints in destination field names: the words of a name (or its label) that
# say what kind of value the field holds, and how much a matching value profile says
# (an e-mail or phone profile is specific; a number or a date is not)
FIELD_SEMANTICS = (
    ("email", "email emails mail"),
    ("phone", "phone mobile telephone"),
    ("date", "date on start end"),
    ("money", "price amount value wage cost"),
    ("time", "time"),
    ("integer", "count limit duration quantity"),
)
SEMANTIC_WEIGHTS = {"email": 0.6, "phone": 0.6, "date": 0.35, "money": 0.35, "time": 0.35,
                    "integer": 0.25}
