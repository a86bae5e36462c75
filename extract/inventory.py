"""What an account holds and what extracting it will cost, before extracting.

A few dozen requests: the total of every list (a page of one record each),
the practitioners (for their schedules), the first page of clients (custom
fields, how many reference settings and schedules), and the files of a sample
of clients (to estimate files and their volume). Every key is tried once, so
a key without API access is found now rather than mid-extraction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from extract import settings
from extract.client import BizstimClient
from extract.errors import BizstimAuthError, BizstimPlanError

FILE_SAMPLE_CLIENTS = 25


@dataclass
class KeyCheck:
    label: str
    ok: bool
    message: str


@dataclass
class Inventory:
    totals: dict[str, int] = field(default_factory=dict)
    custom_fields: list[str] = field(default_factory=list)
    clients_with_settings: int = 0
    availability_ids: int = 0
    files_estimate: int = 0
    file_bytes_estimate: int = 0
    files_sampled_clients: int = 0
    keys: list[KeyCheck] = field(default_factory=list)
    requests_used: int = 0

    def estimated_requests(self) -> dict[str, int]:
        """Requests per extraction phase, each list at its maximum page size
        (pages overlap by settings.PAGE_OVERLAP_RECORDS)."""
        lists = sum(len(e.planned_starts(self.totals.get(e.table, 0)))
                    for e in settings.LIST_ENDPOINTS)
        return {
            "lists": lists,
            "client settings": self.clients_with_settings,
            "availability": self.availability_ids,
            "client file lists": self.totals.get("clients", 0),
            "file contents": self.files_estimate,
        }

    def estimated_hours(self, keys: int, per_hour: int = settings.RATE_LIMIT_PER_WINDOW
                        ) -> float:
        return sum(self.estimated_requests().values()) / (per_hour * max(keys, 1))


def check_keys(client: BizstimClient, keys: int) -> list[KeyCheck]:
    checks = []
    for index in range(keys):
        label = client.pool.label_of(index)
        try:
            client.get_json_with_key(index, "service_group_names/0/1", what="plan check")
            checks.append(KeyCheck(label, True, "API access (Enterprise or trial)"))
        except (BizstimAuthError, BizstimPlanError) as error:
            checks.append(KeyCheck(label, False, str(error)))
    if any(c.ok for c in checks):
        for index, check in enumerate(checks):
            if not check.ok:
                client.pool.disable(index)
    return checks


def take_inventory(client: BizstimClient, seed: int = 0) -> Inventory:
    inventory = Inventory(keys=check_keys(client, client.pool.size))
    if not any(k.ok for k in inventory.keys):
        return inventory
    for endpoint in settings.LIST_ENDPOINTS:
        envelope = client.get_json(f"{endpoint.method}/0/1", what=f"{endpoint.method} total")
        inventory.totals[endpoint.table] = int(envelope.get("total") or 0)

    avail_ids: set[str] = set()
    practitioners = inventory.totals.get("practitioners", 0)
    for start in range(0, practitioners, 100):
        page = client.get_json(f"practitioners/{start}/100", what="practitioners")
        for record in page.get("response") or []:
            avail_ids |= {a.strip() for a in str(record.get("avail_id", "")).split(",")} - {""}

    clients = client.get_json("clients/0/1000", what="clients first page").get("response") or []
    custom = sorted({k for c in clients for k in c if k.startswith("custom_")})
    inventory.custom_fields = custom
    total_clients = inventory.totals.get("clients", 0)
    if clients:
        share = total_clients / len(clients)
        with_settings = sum(1 for c in clients if str(c.get("client_settings_id", "")).strip())
        with_avail = sum(1 for c in clients if str(c.get("avail_id", "")).strip())
        inventory.clients_with_settings = round(with_settings * share)
        inventory.availability_ids = len(avail_ids) + round(with_avail * share)

    sample = random.Random(seed).sample(clients, min(FILE_SAMPLE_CLIENTS, len(clients)))
    files = size = 0
    for record in sample:
        listing = client.get_json(f"client_files/{record['id']}", what="client files sample")
        for meta in listing.get("response") or []:
            files += 1
            size += int(str(meta.get("size") or 0) or 0)
    inventory.files_sampled_clients = len(sample)
    if sample:
        inventory.files_estimate = round(files / len(sample) * total_clients)
        inventory.file_bytes_estimate = round(size / len(sample) * total_clients)
    inventory.requests_used = client.pool.stats.sent
    return inventory
