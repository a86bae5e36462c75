"""The Freshsales simulator behaves like the API in reference/freshsales.md, over real HTTP."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
import requests

from sandbox.freshsales.server import FreshsalesSandbox

TIMEOUT = 10


# --- fixtures and helpers -----------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox():
    with FreshsalesSandbox(plan="enterprise", time_scale=3600, seed=7) as sb:
        yield sb


@pytest.fixture
def sb(sandbox):
    sandbox.reset()
    # a generous quota so these tests never meet it by accident
    sandbox.configure(plan="enterprise", rate_limit_per_hour=1_000_000, per_minute_limit=None,
                      time_scale=3600, job_base_seconds=2.0, job_seconds_per_record=0.02, storage_bytes=None)
    yield sandbox
    sandbox.reset()


class Api:
    """A loader's view: a session with the token header, paths under the API base."""

    def __init__(self, sb: FreshsalesSandbox) -> None:
        self.sb = sb
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token token={sb.api_key}"

    def url(self, path: str) -> str:
        return f"{self.sb.api_base}/{path}"

    def get(self, path, **kw):
        return self.session.get(self.url(path), timeout=TIMEOUT, **kw)

    def post(self, path, body=None, **kw):
        return self.session.post(self.url(path), json=body, timeout=TIMEOUT, **kw)

    def put(self, path, body, **kw):
        return self.session.put(self.url(path), json=body, timeout=TIMEOUT, **kw)

    def delete(self, path, **kw):
        return self.session.delete(self.url(path), timeout=TIMEOUT, **kw)

    def contact(self, **fields) -> dict:
        response = self.post("contacts", {"contact": fields})
        assert response.status_code == 200, response.text
        return response.json()["contact"]


@pytest.fixture
def api(sb):
    client = Api(sb)
    yield client
    client.session.close()


def control(sb: FreshsalesSandbox, route: str, body: dict | None = None):
    if body is None:
        response = requests.get(f"{sb.url}/__sandbox__/{route}", timeout=TIMEOUT)
    else:
        response = requests.post(f"{sb.url}/__sandbox__/{route}", json=body, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def errors_of(response: requests.Response) -> list[str]:
    body = response.json()
    assert set(body) == {"errors"} and body["errors"]["code"] == response.status_code, body
    return body["errors"]["message"]


# --- auth and envelopes ----------------------------------------------------------------


def test_bad_or_missing_token_is_401_and_counts_no_quota(sb):
    url = f"{sb.api_base}/selector/owners"
    for headers in ({}, {"Authorization": "Token token=wrong"}, {"Authorization": f"Bearer {sb.api_key}"}):
        response = requests.get(url, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 401
        assert "x-ratelimit-remaining" not in response.headers
    assert sb.stats()["unauthorized"] == 3
    good = requests.get(url, headers={"Authorization": f"Token token={sb.api_key}"}, timeout=TIMEOUT)
    assert good.status_code == 200


def test_api_lives_under_the_bundle_alias_path(sb, api):
    assert sb.api_base == sb.url + "/crm/sales/api"
    assert control(sb, "credentials") == {"base_url": sb.url, "api_base": sb.api_base, "api_key": sb.api_key,
                                          "plan": "enterprise", "window_seconds": 1.0}
    outside = requests.get(f"{sb.url}/api/contacts/1", headers=api.session.headers, timeout=TIMEOUT)
    assert outside.status_code == 404


def test_records_travel_in_their_singular_name_and_ids_and_timestamps_are_the_servers(api):
    sent = {"first_name": "Zoë", "last_name": "Ng", "email": "zoe@example.com", "id": 5,
            "created_at": "2001-01-01T00:00:00Z", "updated_at": "2001-01-01T00:00:00Z"}
    created = api.contact(**sent)
    assert created["id"] != 5 and created["created_at"] != sent["created_at"]
    assert created["created_at"] == created["updated_at"] and created["created_at"].startswith("20")
    read = api.get(f"contacts/{created['id']}")
    assert read.status_code == 200 and list(read.json()) == ["contact"]
    assert read.json()["contact"] == created
    assert created["display_name"] == "Zoë Ng" and created["emails"][0]["value"] == "zoe@example.com"


def test_missing_record_and_unknown_route_are_404_in_the_error_format(api):
    for response in (api.get("contacts/123"), api.get("contacts/abc"), api.get("invoices")):
        assert response.status_code == 404
        errors_of(response)


def test_update_merges_and_delete_answers_true(api):
    created = api.contact(last_name="Ng", city="Lyon")
    updated = api.put(f"contacts/{created['id']}", {"contact": {"mobile_number": "+33 1 23"}}).json()["contact"]
    assert updated["city"] == "Lyon" and updated["mobile_number"] == "+33 1 23"
    assert updated["updated_at"] > created["updated_at"]
    deleted = api.delete(f"contacts/{created['id']}")
    assert deleted.status_code == 200 and deleted.json() is True
    assert api.get(f"contacts/{created['id']}").status_code == 404


# --- validation ----------------------------------------------------------------------------


def test_unknown_custom_field_is_rejected_until_the_admin_defines_it(sb, api):
    body = {"contact": {"last_name": "Ng", "custom_field": {"cf_bizstim_id": "c-1"}}}
    refused = api.post("contacts", body)
    assert refused.status_code == 400
    assert errors_of(refused) == ["Unknown custom field cf_bizstim_id"]
    assert sb.records("contacts") == []

    control(sb, "fields", {"entity": "contacts", "name": "cf_bizstim_id", "type": "text", "unique": True})
    accepted = api.post("contacts", body)
    assert accepted.status_code == 200
    assert accepted.json()["contact"]["custom_field"] == {"cf_bizstim_id": "c-1"}
    fields = {f["name"]: f for f in api.get("settings/contacts/fields").json()["fields"]}
    assert fields["cf_bizstim_id"]["unique"] is True and fields["cf_bizstim_id"]["default"] is False
    assert fields["last_name"]["default"] is True


def test_every_problem_of_a_record_comes_back_in_one_400(sb, api):
    sb.define_field("contacts", "cf_sessions", type="number")
    response = api.post("contacts", {"contact": {"first_name": "No Name", "owner_id": 1,
                                                 "custom_field": {"cf_sessions": "many", "cf_nope": 1}}})
    messages = errors_of(response)
    assert response.status_code == 400 and len(messages) == 4, messages
    assert any("Owner" in m for m in messages) and any("cf_nope" in m for m in messages)
    assert any("Last name" in m and "Email" in m for m in messages)


def test_a_contact_needs_last_name_or_email_and_a_valid_unique_email(api):
    assert api.post("contacts", {"contact": {"first_name": "Solo"}}).status_code == 400
    assert api.post("contacts", {"contact": {"email": "solo@example.com"}}).status_code == 200
    invalid = api.post("contacts", {"contact": {"last_name": "X", "email": "not-an-email"}})
    assert invalid.status_code == 400 and "not-an-email" in errors_of(invalid)[0]
    duplicate = api.post("contacts", {"contact": {"last_name": "Twin", "email": "SOLO@example.com"}})
    assert duplicate.status_code == 400
    assert "SOLO@example.com already exists" in errors_of(duplicate)[0]


def test_owner_must_be_an_existing_active_user(sb, api):
    owners = api.get("selector/owners").json()["users"]
    assert [u["email"] for u in owners] == [u["email"] for u in sb.users]
    assert api.contact(last_name="Owned", owner_id=owners[1]["id"])["owner_id"] == owners[1]["id"]
    unknown = api.post("contacts", {"contact": {"last_name": "X", "owner_id": 42}})
    assert unknown.status_code == 400 and "Owner" in errors_of(unknown)[0]


def test_users_come_from_the_seed_and_cannot_be_created(api):
    assert api.post("users", {"user": {"email": "new@example.com"}}).status_code == 404
    with FreshsalesSandbox(users=["kim.lee@clinic.example", {"email": "gone@clinic.example", "is_active": False}]) \
            as custom:
        assert [u["display_name"] for u in custom.users] == ["Kim Lee", "gone@clinic.example"]
        owners = requests.get(f"{custom.api_base}/selector/owners", timeout=TIMEOUT,
                              headers={"Authorization": f"Token token={custom.api_key}"}).json()["users"]
        assert [u["email"] for u in owners] == ["kim.lee@clinic.example"]


# --- upsert, bulk upsert, bulk delete ------------------------------------------------------------


def test_upsert_by_a_unique_custom_field_creates_then_updates_without_duplicating(sb, api):
    sb.define_field("contacts", "cf_bizstim_id", unique=True)
    body = {"unique_identifier": {"cf_bizstim_id": "client-7"}, "contact": {"last_name": "Ng"}}
    first = api.post("contacts/upsert", body)
    assert first.status_code == 201 and first.json()["contact"]["custom_field"]["cf_bizstim_id"] == "client-7"
    body["contact"] = {"city": "Oslo"}
    second = api.post("contacts/upsert", body)
    assert second.status_code == 200
    assert second.json()["contact"]["id"] == first.json()["contact"]["id"]
    assert [(c["last_name"], c["city"]) for c in sb.records("contacts")] == [("Ng", "Oslo")]


def test_concurrent_upserts_of_one_key_make_one_record(sb):
    sb.define_field("contacts", "cf_bizstim_id", unique=True)
    statuses: list[int] = []

    def worker() -> None:
        client = Api(sb)
        for _ in range(5):
            statuses.append(client.post("contacts/upsert", {"unique_identifier": {"cf_bizstim_id": "same"},
                                                            "contact": {"last_name": "Race"}}).status_code)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 29 + [201]
    assert len(sb.records("contacts")) == 1


def test_upsert_needs_a_unique_identifier_field(sb, api):
    sb.define_field("contacts", "cf_note", type="text")
    for identifier in ({"cf_note": "x"}, {"cf_missing": "x"}, {"last_name": "x"}, {}):
        response = api.post("contacts/upsert", {"unique_identifier": identifier, "contact": {"last_name": "A"}})
        assert response.status_code == 400, identifier


def test_upsert_by_email_matches_any_of_a_contacts_addresses_ignoring_case(api):
    created = api.contact(last_name="Two", emails=["home@example.com", "work@example.com"])
    response = api.post("contacts/upsert", {"unique_identifier": {"emails": "WORK@example.com"},
                                            "contact": {"job_title": "Tutor"}})
    assert response.status_code == 200 and response.json()["contact"]["id"] == created["id"]


def test_bulk_upsert_is_a_background_job_polled_at_its_status_url(sb, api):
    sb.define_field("contacts", "cf_bizstim_id", unique=True)
    sb.configure(time_scale=1, job_base_seconds=1.0, job_seconds_per_record=0)
    api.contact(last_name="Old", custom_field={"cf_bizstim_id": "1"})
    items = [{"cf_bizstim_id": "1", "data": {"city": "Rome"}},
             {"cf_bizstim_id": "2", "data": {"last_name": "New", "email": "new@example.com"}},
             {"cf_bizstim_id": "3", "data": {"first_name": "Nameless"}}]
    accepted = api.post("contacts/bulk_upsert", {"contacts": items})
    assert accepted.status_code == 200
    url = accepted.json()["job_status_url"]
    assert url.startswith(sb.api_base + "/job_statuses/")
    assert api.session.get(url, timeout=TIMEOUT).json()["job_status"]["status"] == "in_progress"
    assert len(sb.records("contacts")) == 1  # nothing written yet

    deadline = time.monotonic() + 5
    while (status := api.session.get(url, timeout=TIMEOUT).json()["job_status"])["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (status["created_count"], status["updated_count"], status["failure_count"]) == (1, 1, 1)
    assert status["failures"][0]["index"] == 2 and status["failures"][0]["unique_identifier"] == {"cf_bizstim_id": "3"}
    by_key = {c["custom_field"]["cf_bizstim_id"]: c for c in sb.records("contacts")}
    assert by_key["1"]["city"] == "Rome" and by_key["2"]["email"] == "new@example.com" and "3" not in by_key


def test_bulk_upsert_takes_at_most_100_records(api):
    items = [{"emails": f"p{i}@example.com", "data": {"last_name": "P"}} for i in range(101)]
    response = api.post("contacts/bulk_upsert", {"contacts": items})
    assert response.status_code == 400 and "100" in errors_of(response)[0]


def test_bulk_destroy_deletes_the_selected_ids(sb, api):
    ids = [api.contact(last_name=f"C{i}")["id"] for i in range(3)]
    response = api.post("contacts/bulk_destroy", {"selected_ids": ids[:2] + [1]})
    assert response.status_code == 200
    assert [c["id"] for c in sb.records("contacts")] == ids[2:]


# --- reads: lookup, views, paging, selectors --------------------------------------------------------


def test_lookup_by_email_or_custom_field_nests_the_list_under_the_entity(sb, api):
    sb.define_field("contacts", "cf_bizstim_id", unique=True)
    created = api.contact(last_name="Ng", email="ng@example.com", custom_field={"cf_bizstim_id": "9"})
    by_email = api.get("lookup", params={"q": "NG@example.com", "f": "email", "entities": "contact"}).json()
    assert [c["id"] for c in by_email["contacts"]["contacts"]] == [created["id"]]
    by_cf = api.get("lookup", params={"q": "9", "f": "cf_bizstim_id", "entities": "contact"}).json()
    assert [c["id"] for c in by_cf["contacts"]["contacts"]] == [created["id"]]
    missing = api.get("lookup", params={"q": "10", "f": "cf_bizstim_id", "entities": "contact"}).json()
    assert missing == {"contacts": {"contacts": []}}


def test_list_view_pages_with_meta_total_pages_and_at_most_100_a_page(api):
    for i in range(230):
        api.contact(last_name=f"L{i:03d}")
    views = {v["name"]: v["id"] for v in api.get("contacts/filters").json()["filters"]}
    seen, page = [], 1
    while True:
        body = api.get(f"contacts/view/{views['All Contacts']}", params={"page": page, "per_page": 500}).json()
        assert len(body["contacts"]) <= 100
        seen += [c["last_name"] for c in body["contacts"]]
        if page >= body["meta"]["total_pages"]:
            break
        page += 1
    assert body["meta"] == {"total_pages": 3, "total": 230}
    assert seen == [f"L{i:03d}" for i in range(230)]
    assert api.get(f"contacts/view/{views['My Contacts']}").json()["meta"]["total"] == 0


def test_selectors_describe_pipelines_stages_currencies_and_activity_types(api):
    pipelines = api.get("selector/deal_pipelines").json()["deal_pipelines"]
    stages = api.get("selector/deal_stages").json()["deal_stages"]
    assert {s["deal_pipeline_id"] for s in stages} == {p["id"] for p in pipelines}
    assert {"Open", "Won", "Lost"} == {s["forecast_type"] for s in stages}
    assert "USD" in [c["currency_code"] for c in api.get("selector/currencies").json()["currencies"]]
    assert "Meeting" in [t["name"] for t in api.get("selector/sales_activity_types").json()["sales_activity_types"]]


# --- deals, products, activities, documents ----------------------------------------------------------


def test_a_won_deal_carries_its_contacts_and_products_whose_category_the_admin_added(sb, api):
    contact = api.contact(last_name="Buyer")
    product = {"product": {"name": "Math tutoring", "category": "Lessons",
                           "product_pricings": [{"currency_code": "USD", "unit_price": 60}]}}
    refused = api.post("cpq/products", product)
    assert refused.status_code == 400 and "Lessons" in errors_of(refused)[0]
    control(sb, "choices", {"entity": "products", "field": "category", "choices": ["Lessons"]})
    made = api.post("cpq/products", product).json()["product"]
    category = next(f for f in api.get("settings/products/fields").json()["fields"] if f["name"] == "category")
    assert [c["value"] for c in category["choices"]] == ["Lessons"]

    won = next(s for s in api.get("selector/deal_stages").json()["deal_stages"] if s["forecast_type"] == "Won")
    deal = api.post("deals", {"deal": {"name": "Invoice 12", "amount": 120, "deal_stage_id": won["id"],
                                       "closed_date": "2023-04-05", "contacts_added_list": [contact["id"]],
                                       "products": [{"id": made["id"], "quantity": 2}]}})
    assert deal.status_code == 200, deal.text
    read = api.get(f"deals/{deal.json()['deal']['id']}", params={"include": "products"}).json()["deal"]
    assert read["contact_ids"] == [contact["id"]] and read["closed_date"] == "2023-04-05"
    assert read["amount"] == "120.0" and read["has_products"] is True
    assert read["products"] == [{"id": made["id"], "name": "Math tutoring", "quantity": 2, "unit_price": 60,
                                 "discount": 0, "billing_cycle": None}]
    bad = api.post("deals", {"deal": {"name": "X", "amount": 1, "products": [{"id": 999}],
                                      "contacts_added_list": [998]}})
    assert bad.status_code == 400 and len(errors_of(bad)) == 2


def test_notes_activities_and_documents_need_an_existing_target(sb, api):
    contact = api.contact(last_name="Target")
    note = {"note": {"description": "x" * 10_000, "targetable_type": "Contact", "targetable_id": 5}}
    assert api.post("notes", note).status_code == 400
    note["note"]["targetable_id"] = contact["id"]
    assert api.post("notes", note).status_code == 200
    assert api.post("notes", {"note": {"description": "d", "targetable_type": "Lead",
                                       "targetable_id": contact["id"]}}).status_code == 400

    owner = sb.users[0]["id"]
    call = next(t for t in api.get("selector/sales_activity_types").json()["sales_activity_types"]
                if t["name"] == "Call")
    activity = {"sales_activity": {"title": "Intro call", "owner_id": owner, "sales_activity_type_id": call["id"],
                                   "start_date": "2019-03-01T10:00:00Z", "end_date": "2019-03-01T09:00:00Z",
                                   "targetable_type": "Contact", "targetable_id": contact["id"]}}
    assert api.post("sales_activities", activity).status_code == 400  # ends before it starts
    activity["sales_activity"]["end_date"] = "2019-03-01T10:30:00Z"
    assert api.post("sales_activities", activity).status_code == 200  # past dates are fine
    task = {"task": {"title": "Follow up", "due_date": "2019-03-02T09:00:00Z",
                     "targetable_type": "Contact", "targetable_id": contact["id"]}}
    assert api.post("tasks", task).status_code == 200
    appointment = {"appointment": {"title": "Session", "from_date": "2019-03-03T09:00:00Z",
                                   "end_date": "2019-03-03T10:00:00Z", "targetable_type": "Contact",
                                   "targetable_id": contact["id"],
                                   "appointment_attendees_attributes": [
                                       {"attendee_type": "FdMultitenant::User", "attendee_id": owner}]}}
    assert api.post("appointments", appointment).status_code == 200
    assert api.get("appointments", params={"filter": "past"}).json()["meta"]["total"] == 1
    assert api.get("appointments", params={"filter": "upcoming"}).json()["appointments"] == []
    assert [t["creater_id"] for t in api.get("tasks", params={"filter": "open"}).json()["tasks"]] == [owner]

    data = bytes(range(256)) * 40
    files = {"file": ("report card.pdf", data, "application/pdf")}
    orphan = api.session.post(api.url("documents"), files=files, timeout=TIMEOUT,
                              data={"targetable_type": "Contact", "targetable_id": "77"})
    assert orphan.status_code == 400
    uploaded = api.session.post(api.url("documents"), files=files, timeout=TIMEOUT,
                                data={"targetable_type": "Contact", "targetable_id": str(contact["id"])})
    assert uploaded.status_code == 200, uploaded.text
    document = uploaded.json()["document"]
    assert document["file_name"] == "report card.pdf" and document["file_size"] == len(data)
    assert sb.records("documents")[0]["sha256"] == hashlib.sha256(data).hexdigest()
    stored = requests.get(f"{sb.url}/__sandbox__/documents/{document['id']}", timeout=TIMEOUT).content
    assert stored == data


def test_uploads_beyond_the_storage_limit_are_refused(sb, api):
    contact = api.contact(last_name="Files")
    sb.configure(storage_bytes=1000)
    form = {"targetable_type": "Contact", "targetable_id": str(contact["id"])}
    assert api.session.post(api.url("documents"), files={"file": ("a", b"a" * 600)}, data=form,
                            timeout=TIMEOUT).status_code == 200
    full = api.session.post(api.url("documents"), files={"file": ("b", b"b" * 600)}, data=form, timeout=TIMEOUT)
    assert full.status_code == 403 and errors_of(full)


# --- quota, faults ------------------------------------------------------------------------------------


def test_past_the_hourly_quota_429_carries_the_headers_but_no_retry_after_then_the_window_resets():
    # 5 requests an "hour"; time_scale 3600 makes the hour a real second
    with FreshsalesSandbox(plan="growth", rate_limit_per_hour=5, time_scale=3600) as sb:
        session = requests.Session()
        session.headers["Authorization"] = f"Token token={sb.api_key}"
        url = f"{sb.api_base}/selector/owners"
        remaining = [session.get(url, timeout=TIMEOUT).headers["x-ratelimit-remaining"] for _ in range(5)]
        assert remaining == ["4", "3", "2", "1", "0"]
        limited = session.get(url, timeout=TIMEOUT)
        assert limited.status_code == 429
        assert errors_of(limited)
        assert "Retry-After" not in limited.headers
        assert limited.headers["x-ratelimit-limit"] == "5" and limited.headers["x-ratelimit-remaining"] == "0"
        reset = float(limited.headers["x-ratelimit-reset"])
        assert 0 <= reset <= 1.0
        time.sleep(reset + 0.02)
        again = session.get(url, timeout=TIMEOUT)
        assert again.status_code == 200 and again.headers["x-ratelimit-remaining"] == "4"
        assert sb.stats()["rate_limited"] == 1


def test_plans_set_the_hourly_quota(sb):
    assert sb.configure(plan="growth")["rate_limit_per_hour"] == 1000
    assert sb.configure(plan="pro")["rate_limit_per_hour"] == 2000
    assert sb.configure(plan="enterprise")["rate_limit_per_hour"] == 5000
    with pytest.raises(ValueError):
        sb.configure(plan="platinum")


def test_per_minute_cap_when_switched_on(sb, api):
    sb.configure(per_minute_limit=3, time_scale=60)  # a "minute" is a real second
    statuses = [api.get("selector/owners").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_faults_inject_5xx_with_retry_after_and_dropped_connections(sb, api):
    control(sb, "faults", {"error_rate": 1.0, "retry_after": 0})
    failed = api.get("selector/owners")
    assert failed.status_code in (500, 502, 503) and failed.headers["Retry-After"] == "0"
    assert "x-ratelimit-remaining" in failed.headers
    sb.set_faults(error_rate=0.0, drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        requests.get(api.url("selector/owners"), headers=api.session.headers, timeout=TIMEOUT)
    sb.clear_faults()
    assert api.get("selector/owners").status_code == 200
    stats = control(sb, "stats")
    assert stats["faults"]["errors"] == 1 and stats["faults"]["drops"] == 1
    assert stats["by_endpoint"]["selector/owners"] == 3 and stats["by_method"] == {"GET": 3}


# --- the control surface ----------------------------------------------------------------------------


def test_edit_as_a_person_changes_the_record_and_bumps_updated_at(sb, api):
    created = api.contact(last_name="Edited", mobile_number="111")
    edited = control(sb, "edit", {"object": "contacts", "id": created["id"], "changes": {"mobile_number": "222"}})
    assert edited["mobile_number"] == "222" and edited["updated_at"] > created["updated_at"]
    read = api.get(f"contacts/{created['id']}").json()["contact"]
    assert read["mobile_number"] == "222" and read["updated_at"] == edited["updated_at"]
    refused = requests.post(f"{sb.url}/__sandbox__/edit", timeout=TIMEOUT,
                            json={"object": "contacts", "id": created["id"], "changes": {"cf_x": 1}})
    assert refused.status_code == 400 and errors_of(refused)


def test_reset_leaves_a_new_account(sb, api):
    sb.define_field("contacts", "cf_bizstim_id", unique=True)
    api.contact(last_name="Gone")
    sb.set_faults(latency_ms=1)
    control(sb, "reset", {})
    assert sb.records("contacts") == [] and sb.faults()["latency_ms"] == 0
    assert "cf_bizstim_id" not in [f["name"] for f in sb.records("fields")]
    assert sb.stats()["requests"] == 0 and len(sb.users) == 6
    assert control(sb, "records/users") == sb.users
