"""The naive Dataverse loader: the same writer, but every record its own PATCH
(no UpsertMultiple, no $batch of many): one request per record."""

from __future__ import annotations

from typing import Any

from load.dynamics.objects import ObjectMap
from load.dynamics.odata import prefer
from load.dynamics.sender import Item, Outcome, Sender, attached
from load.http import ApiError


class NaiveSender(Sender):
    def upsert(self, omap: ObjectMap, items: list[Item]) -> dict[str, Outcome]:
        select = f"$select={omap.primary_id},versionnumber"
        outcomes: dict[str, Outcome] = {}
        for item in items:
            with attached([item], outcomes) as ready:
                for one in ready:
                    try:
                        response = self.client.http.request(
                            "PATCH", f"{one.url}?{select}", json=one.body,
                            headers={"Prefer": prefer(representation=True), **one.headers})
                    except ApiError as error:
                        if error.status >= 500 or error.status in (401, 429):
                            raise
                        outcomes[one.key] = Outcome(False, error=error.message)
                        continue
                    record = response.json() if response.content else None
                    outcomes[one.key] = Outcome(True, record,
                                                created=response.status_code == 201)
        return outcomes

    def run(self, entity_set: str, ops: list[Any]) -> list[Any]:
        results: list[Any] = []
        for op in ops:  # one operation a request
            results += self.client.batch([op])
        return results


class NaiveDynamicsWriter:
    @staticmethod
    def wrap(writer: Any) -> Any:
        writer.sender = NaiveSender(writer.client)
        return writer
