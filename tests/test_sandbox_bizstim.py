"""The Bizstim simulator behaves like the API in reference/bizstim.md, over real HTTP."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
import requests

from sandbox.bizstim.server import BizstimSandbox
from sandbox.tenant import OBJECTS, Tenant

TIMEOUT = 10


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox():
    # A generous quota so these tests never meet the limit by accident.
    with BizstimSandbox(tenant="small", seed=42, rate_limit_per_hour=1_000_000) as sb:
        yield sb


@pytest.fixture
def sb(sandbox):
    sandbox.reset()
    yield sandbox
    sandbox.reset()


@pytest.fixture
def api(sb):
    session = requests.Session()
    session.headers["x-api-key"] = sb.api_keys[0]

    def get(path: str, **kwargs) -> requests.Response:
        return session.get(f"{sb.url}/api/{path}", timeout=TIMEOUT, **kwargs)

    yield get
    session.close()


@pytest.fixture(scope="module")
def small() -> Tenant:
    return Tenant("small", 42)


def control(sb: BizstimSandbox, route: str, body: dict | None = None):
    if body is None:
        response = requests.get(f"{sb.url}/__sandbox__/{route}", timeout=TIMEOUT)
    else:
        response = requests.post(f"{sb.url}/__sandbox__/{route}", json=body, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def all_pages(get, method: str, limit: int) -> list[dict]:
    records, start = [], 0
    while True:
        envelope = get(f"{method}/{start}/{limit}").json()
        if start >= envelope["total"]:
            assert envelope["response"] == []
            return records
        records.extend(envelope["response"])
        start += limit


# --- envelopes and paging -------------------------------------------------------


def test_list_envelope_has_numeric_total_and_only_string_values(api):
    body = api("clients/0/50").json()
    assert list(body) == ["status", "total", "response"]
    assert body["status"] == "success"
    assert body["total"] == 300 and isinstance(body["total"], int)
    assert len(body["response"]) == 50
    for record in body["response"]:
        assert all(isinstance(v, str) for v in record.values())
        assert {"custom_3", "custom_7", "custom_12"} <= set(record)


def test_single_reads_answer_one_record_for_every_singular_method(api, small):
    first = {obj: small.record(obj, 0)["id"] for obj in
             ("clients", "services", "payments", "locations", "discounts", "practitioners",
              "availability", "client_settings")}
    for method, obj in (("client", "clients"), ("service", "services"), ("payment", "payments"),
                        ("location", "locations"), ("discount", "discounts"),
                        ("practitioner", "practitioners"), ("availability", "availability"),
                        ("client_settings", "client_settings")):
        body = api(f"{method}/{first[obj]}").json()
        assert body == {"status": "success", "response": small.record(obj, 0)}, method


def test_sessions_envelope_carries_the_account_timezone(api):
    body = api("sessions/0/1").json()
    assert body["timezone"] == "America/New_York"


def test_limit_above_the_method_maximum_is_clamped(api):
    assert len(api("payments/0/500").json()["response"]) == 100
    assert len(api("services/0/1000").json()["response"]) == 24
    assert len(api("sessions/0/1000").json()["response"]) == 200


def test_clients_and_sessions_page_up_to_1000():
    with BizstimSandbox(tenant="medium", seed=7, rate_limit_per_hour=1_000_000) as medium:
        headers = {"x-api-key": medium.api_keys[0]}
        clients = requests.get(f"{medium.url}/api/clients/0/5000", headers=headers, timeout=TIMEOUT).json()
        payments = requests.get(f"{medium.url}/api/payments/0/5000", headers=headers, timeout=TIMEOUT).json()
    assert clients["total"] == 15_000 and len(clients["response"]) == 1000
    assert len(payments["response"]) == 100


def test_paging_to_start_beyond_total_returns_every_record_once(api, sb):
    records = all_pages(api, "payments", 100)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == 350
    assert records == sb.records("payments")


def test_start_beyond_total_answers_an_empty_list_with_the_total(api):
    assert api("payments/350/100").json() == {"status": "success", "total": 350, "response": []}
    assert api("payments/9999").json()["response"] == []


def test_start_and_limit_default_to_zero_and_the_maximum(api):
    assert len(api("payments").json()["response"]) == 100
    assert len(api("payments/345").json()["response"]) == 5


def test_ids_have_gaps_like_a_real_account(api):
    ids = [int(r["id"]) for r in api("clients/0/1000").json()["response"]]
    assert ids == sorted(ids) and ids[0] == 1 and 37 not in ids and ids[-1] > 300


@pytest.mark.parametrize("path", ["payments/x/10", "payments/0/-1", "payments/1/2/3", "payments/0/1.5"])
def test_malformed_paging_is_400_with_failure_envelope(api, path):
    response = api(path)
    assert response.status_code == 400
    assert response.json()["status"] == "failure"


def test_unknown_method_and_unknown_id_are_404_with_failure_envelope(api):
    unknown_method = api("invoices/0/10")
    assert unknown_method.status_code == 404 and unknown_method.json()["status"] == "failure"
    for path in ("client/37", "client/999999", "client/abc", "payment/0", "availability/99999"):
        response = api(path)
        assert response.status_code == 404, path
        assert response.json() == {"status": "failure", "response": "Record not found"}


# --- auth ------------------------------------------------------------------------


def test_missing_or_unknown_key_is_401(sb):
    for headers in ({}, {"x-api-key": "0" * 40}):
        response = requests.get(f"{sb.url}/api/clients", headers=headers, timeout=TIMEOUT)
        assert response.status_code == 401
        assert response.json() == {"status": "failure", "response": "Invalid API key"}
    assert control(sb, "stats")["unauthorized"] == 2


def test_key_on_a_plan_without_api_access_is_403_naming_the_enterprise_plan(sb):
    key = sb.keys_by_plan["small_business"][0]
    response = requests.get(f"{sb.url}/api/clients", headers={"x-api-key": key}, timeout=TIMEOUT)
    assert response.status_code == 403
    assert response.json()["status"] == "failure"
    assert "Enterprise plan" in response.json()["response"]


def test_generated_keys_are_40_characters_two_enterprise_one_without_access(sb):
    assert len(sb.api_keys) == 2 and sb.keys_by_plan["enterprise"] == sb.api_keys
    assert all(re.fullmatch(r"[0-9a-f]{40}", k) for keys in sb.keys_by_plan.values() for k in keys)


def test_stats_count_by_key_label_and_never_show_a_key(sb, api):
    api("clients/0/1")
    api("client/1")
    stats = control(sb, "stats")
    assert stats["requests"] == 2 and stats["by_method"] == {"GET": 2}
    assert stats["by_key"] == {"key1": 2}
    assert stats["by_endpoint"] == {"clients": 1, "client": 1}
    text = requests.get(f"{sb.url}/__sandbox__/stats", timeout=TIMEOUT).text
    assert not any(key in text for keys in sb.keys_by_plan.values() for key in keys)


# --- rate limit ---------------------------------------------------------------------


def test_quota_gives_429_with_retry_after_then_the_window_resets():
    # 5 requests an "hour"; time_scale 7200 makes the hour half a real second
    with BizstimSandbox(rate_limit_per_hour=5, time_scale=7200) as sb:
        session = requests.Session()
        session.headers["x-api-key"] = sb.api_keys[0]
        url = f"{sb.url}/api/client/1"
        remaining = [session.get(url, timeout=TIMEOUT).headers["X-RateLimit-Remaining"] for _ in range(5)]
        assert remaining == ["4", "3", "2", "1", "0"]

        limited = session.get(url, timeout=TIMEOUT)
        assert limited.status_code == 429
        assert limited.json() == {"status": "failure", "response": "Rate limit exceeded"}
        retry_after = float(limited.headers["Retry-After"])
        assert 0 <= retry_after <= 0.5
        assert limited.headers["X-RateLimit-Limit"] == "5"
        assert 0 <= float(limited.headers["X-RateLimit-Reset"]) <= 0.5

        # the quota is per key: the second key still has its own
        other = requests.get(url, headers={"x-api-key": sb.api_keys[1]}, timeout=TIMEOUT)
        assert other.status_code == 200

        time.sleep(retry_after + 0.02)
        again = session.get(url, timeout=TIMEOUT)
        assert again.status_code == 200 and again.headers["X-RateLimit-Remaining"] == "4"
        assert sb.stats()["rate_limited"] == 1


def test_429s_do_not_consume_quota_and_config_changes_it_live():
    with BizstimSandbox(rate_limit_per_hour=2, time_scale=3600) as sb:
        headers = {"x-api-key": sb.api_keys[0]}
        statuses = [requests.get(f"{sb.url}/api/client/1", headers=headers, timeout=TIMEOUT).status_code
                    for _ in range(6)]
        assert statuses == [200, 200, 429, 429, 429, 429]
        assert control(sb, "config", {"rate_limit_per_hour": 10})["rate_limit_per_hour"] == 10
        response = requests.get(f"{sb.url}/api/client/1", headers=headers, timeout=TIMEOUT)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Remaining"] == "7"  # 2 + this one of 10


def test_every_authenticated_response_carries_rate_limit_headers(api):
    for path in ("clients/0/1", "client/999999"):
        headers = api(path).headers
        assert headers["X-RateLimit-Limit"] == "1000000"
        assert int(headers["X-RateLimit-Remaining"]) >= 0
        assert float(headers["X-RateLimit-Reset"]) >= 0


# --- faults ------------------------------------------------------------------------------


def test_error_rate_one_answers_5xx_with_failure_envelope_and_retry_after(sb, api):
    control(sb, "faults", {"error_rate": 1.0, "retry_after": 0})
    statuses = set()
    for _ in range(10):
        response = api("clients/0/1")
        statuses.add(response.status_code)
        assert response.json() == {"status": "failure", "response": "Internal server error"}
        assert response.headers["Retry-After"] == "0"
    assert statuses <= {500, 503} and statuses
    assert control(sb, "stats")["faults"]["errors"] == 10


def test_drop_rate_one_closes_the_connection_without_a_response(sb, api):
    sb.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        api("clients/0/1")
    # the control surface is never faulted
    assert control(sb, "stats")["faults"]["drops"] == 1


def test_latency_fault_delays_api_requests(sb, api):
    sb.set_faults(latency_ms=150)
    started = time.perf_counter()
    assert api("client/1").status_code == 200
    assert time.perf_counter() - started >= 0.15
    assert sb.stats()["faults"]["latency"] == 1


def test_missing_fault_fields_keep_their_values_and_reset_clears_them(sb):
    control(sb, "faults", {"error_rate": 0.5})
    assert control(sb, "faults", {"latency_ms": 5}) == {
        "error_rate": 0.5, "latency_ms": 5.0, "drop_rate": 0.0, "retry_after": None}
    control(sb, "reset", {})
    assert control(sb, "faults") == {"error_rate": 0.0, "latency_ms": 0.0, "drop_rate": 0.0, "retry_after": None}


def test_bad_fault_settings_are_refused(sb):
    response = requests.post(f"{sb.url}/__sandbox__/faults", json={"error_rate": 2}, timeout=TIMEOUT)
    assert response.status_code == 400


# --- touch and reset -----------------------------------------------------------------------


def test_touch_changes_adds_and_deletes_records_visibly(sb, api, small):
    before = {r["id"]: r for r in control(sb, "records/clients")}
    result = control(sb, "touch", {"object": "clients", "count": 10})
    assert (len(result["changed"]), len(result["added"]), len(result["deleted"])) == (6, 2, 2)

    after = {r["id"]: r for r in control(sb, "records/clients")}
    for rid in result["changed"]:
        assert after[rid] != before[rid]
        assert api(f"client/{rid}").json()["response"] == after[rid]
    for rid in result["deleted"]:
        assert rid not in after
        assert api(f"client/{rid}").status_code == 404
        assert api(f"client_files/{rid}").status_code == 404
    files = control(sb, "records/client_files")
    assert all(f["client_id"] in after for f in files)
    for gone in (f for f in sb.tenant.iter_records("client_files") if f["client_id"] in result["deleted"]):
        assert api(f"client_file/{gone['id']}").status_code == 404
    assert all(int(rid) > small.max_id("clients") for rid in result["added"])
    for rid in result["added"]:
        assert after[rid]["client_settings_id"] == "" and api(f"client/{rid}").status_code == 200
        assert api(f"client_files/{rid}").json() == {"status": "success", "total": 0, "response": []}

    listed = all_pages(api, "clients", 7)  # odd page size crosses deletions and additions
    assert api("clients").json()["total"] == 300 == len(listed)
    assert listed == list(after.values())


def test_touch_explicit_counts_on_every_required_object(sb):
    for obj in ("clients", "payments", "sessions", "services", "practitioners", "staffs", "users"):
        result = sb.touch(obj, changed=3, added=2, deleted=1)
        assert (len(result["changed"]), len(result["added"]), len(result["deleted"])) == (3, 2, 1)
        current = {r["id"] for r in sb.records(obj)}
        assert set(result["added"]) <= current and not set(result["deleted"]) & current


def test_touch_is_deterministic_across_sandboxes_with_the_same_seed(sb):
    results, records = [], []
    for _ in range(2):
        with BizstimSandbox(tenant="small", seed=42) as other:
            results.append([other.touch("clients", count=5), other.touch("payments", count=9),
                            other.touch("clients", count=4)])
            records.append((other.records("clients"), other.records("payments")))
    assert results[0] == results[1]
    assert records[0] == records[1]


def test_reset_restores_the_initial_tenant_and_clears_stats(sb, api, small):
    sb.touch("clients", count=6)
    api("clients/0/1")
    control(sb, "reset", {})
    assert control(sb, "records/clients") == list(small.iter_records("clients"))
    assert control(sb, "stats")["requests"] == 0


# --- files ------------------------------------------------------------------------------------


def test_file_bytes_match_their_metadata(sb, api, small):
    files = control(sb, "records/client_files")
    assert len(files) == small.count("client_files")
    sizes = [int(f["size"]) for f in files]
    assert 0 in sizes and max(sizes) >= 2 * 1024 * 1024
    for meta in files:
        listed = api(f"client_files/{meta['client_id']}").json()["response"]
        assert meta in listed
        response = api(f"client_file/{meta['id']}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == meta["content_type"]
        assert len(response.content) == int(meta["size"])
    assert api(f"client_file/{files[0]['id']}").content == small.file_bytes(files[0]["id"])


def test_client_without_files_lists_none_and_unknown_client_is_404(api):
    assert api("client_files/2").json() == {"status": "success", "total": 0, "response": []}
    assert api("client_files/37").status_code == 404
    assert api("client_file/999999").status_code == 404


# --- the tenant ----------------------------------------------------------------------------------


def test_same_seed_gives_the_same_tenant_and_another_seed_a_different_one(small):
    again, other = Tenant("small", 42), Tenant("small", 43)
    for obj in OBJECTS:
        assert list(again.iter_records(obj)) == list(small.iter_records(obj)), obj
    assert list(other.iter_records("clients")) != list(small.iter_records("clients"))
    file_id = next(f["id"] for f in small.iter_records("client_files") if f["size"] != "0")
    assert small.file_bytes(file_id) == again.file_bytes(file_id)
    assert small.file_bytes(file_id) != other.file_bytes(file_id)


def test_small_tenant_counts(small):
    counts = small.counts()
    assert {k: counts[k] for k in ("service_group_names", "services", "users", "staffs", "practitioners",
                                   "clients", "payments", "sessions", "locations", "discounts",
                                   "automations")} == {
        "service_group_names": 6, "services": 24, "users": 40, "staffs": 12, "practitioners": 20,
        "clients": 300, "payments": 350, "sessions": 200, "locations": 3, "discounts": 5,
        "automations": 10}
    assert 250 <= counts["client_settings"] < 300
    assert 40 <= counts["client_files"] <= 80


def test_medium_tenant_holds_about_fifty_thousand_records():
    counts = Tenant("medium").counts()
    listed = sum(n for obj, n in counts.items() if obj not in ("client_settings", "availability", "client_files"))
    assert 40_000 <= listed <= 60_000
    assert counts["clients"] == 15_000


def test_large_tenant_is_lazy_and_keeps_catalogs_and_files_bounded():
    large = Tenant("large")
    assert large.count("clients") == 600_000 and large.count("client_files") <= 20_000
    assert large.count("practitioners") <= 20 * 50
    last = large.record("clients", large.count("clients") - 1)
    assert large.get("clients", last["id"]) == last


def test_references_resolve_except_the_deliberately_dangling_ones(small):
    def resolves(obj, rid):
        return small.get(obj, rid) is not None

    clients = list(small.iter_records("clients"))
    assert all(resolves("client_settings", c["client_settings_id"]) for c in clients if c["client_settings_id"])
    assert all(resolves("users", c["users_id"]) for c in clients if c["users_id"])
    dangling = [c for c in clients if c["avail_id"] and not resolves("availability", c["avail_id"])]
    assert 1 <= len(dangling) <= 5
    for p in small.iter_records("practitioners"):
        assert resolves("users", p["users_id"])
        assert p["avail_id"] and all(resolves("availability", a) for a in p["avail_id"].split(","))
    for s in small.iter_records("sessions"):
        assert resolves("practitioners", s["pract_d"]) and resolves("services", s["service_id"])
        assert resolves("locations", s["location_id"])
    for f in small.iter_records("client_files"):
        assert f in small.files_of_client(f["client_id"])


def test_the_messy_cases_exist_in_the_small_tenant(small):
    clients = list(small.iter_records("clients"))
    staffs = list(small.iter_records("staffs"))
    practitioners = {p["users_id"]: p for p in small.iter_records("practitioners")}
    users = {u["id"]: u for u in small.iter_records("users")}
    emails = [c["email"] for c in clients]
    names = " ".join(c["first_name"] + " " + c["last_name"] for c in clients)

    # staff sharing a practitioner's account, with different casing
    shared = [(s, practitioners[s["users_id"]]) for s in staffs if s["users_id"] in practitioners]
    assert any(s["first_name"] == "ANA" and s["last_name"] == "lópez" and p["first_name"] == "Ana"
               and p["last_name"] == "López" for s, p in shared)
    assert all("email" not in s for s in staffs)
    assert any(users[s["users_id"]]["email"] for s in staffs)
    assert any(p["email"] == "" for p in practitioners.values())
    assert {p["status"] for p in practitioners.values()} == {"active", "inactive", "contactList", "doNotHire"}

    # emails: missing, invalid, duplicate (also differing only in case), several
    assert "" in emails and "not-an-email" in emails and "foo@" in emails
    counts = Counter(e for e in emails if e)
    assert any(n >= 2 for n in counts.values())
    lowered = Counter(e.strip().lower() for e in emails if e)
    assert any(lowered[e.lower()] > counts[e] for e in counts)
    assert any(", " in e for e in emails) and any("," in e and ", " not in e for e in emails)

    # names
    assert any(c["first_name"] == "" for c in clients) and any(c["last_name"] == "" for c in clients)
    assert re.search(r"[\u4e00-\u9fff]", names)  # CJK
    assert re.search(r"[\u0600-\u06ff]", names) and re.search(r"[\u0590-\u05ff]", names)  # RTL
    assert re.search("[\U0001F300-\U0001FAFF\u2600-\u26ff]", names)  # emoji
    assert re.search(r"[éóíüö]", names)  # accents

    # phones
    phones = [c[f] for c in clients for f in ("p_phone", "s_phone", "text_phone")]
    for pattern in (r"\(555\) \d{3}-\d{4}", r"555\.\d{3}\.\d{4}", r"\+1 555 \d{3} \d{4}",
                    r"\+44 20 7946 \d{4}", r"555\d{7}", r"n/a", r""):
        assert any(re.fullmatch(pattern, p) for p in phones), pattern
    assert any("," in c["text_phone"] for c in clients)

    # payments, services, settings, notes, files
    payments = list(small.iter_records("payments"))
    assert {p["revenue_credit"] for p in payments} == {"0", "1", "2", "3"}
    assert any(small.get("clients", p["client_id"]) is None for p in payments)
    assert any(small.get("service_group_names", s["group_id"]) is None for s in small.iter_records("services"))
    assert {s["service_status"] for s in small.iter_records("services")} == {"0", "1", "2"}
    assert any(c["client_settings_id"] == "" for c in clients)
    assert any(s["minTime"] > s["maxTime"] for s in small.iter_records("client_settings"))
    availability = list(small.iter_records("availability"))
    assert any(a["mAvailt"] == "24:00" for a in availability)
    assert any(a["satAvailf"] == a["sunAvailf"] == "" for a in availability)
    assert {"Default", "Summer"} <= {a["label"] for a in availability}
    assert any(len(c["notes"].encode()) >= 100 * 1024 for c in clients)
    sizes = [int(f["size"]) for f in small.iter_records("client_files")]
    assert 0 in sizes and 1 <= sum(s >= 2 * 1024 * 1024 for s in sizes) <= 2
    assert {a["kind"] for a in small.iter_records("automations")} == {
        "sms_reminder", "auto_invoice", "reminder_schedule", "workflow"}
