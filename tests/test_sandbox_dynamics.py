"""The Dynamics 365 Sales simulator behaves like the Dataverse Web API, over real HTTP."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid

import pytest
import requests

from sandbox.dynamics.server import DynamicsSandbox

TIMEOUT = 10
NS = "Microsoft.Dynamics.CRM"


# --- fixtures and helpers -----------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox():
    with DynamicsSandbox(seed=7) as sb:
        yield sb


@pytest.fixture
def sb(sandbox):
    sandbox.reset()
    sandbox.configure(time_scale=1.0, requests_per_window=6000, execution_seconds_per_window=1200,
                      concurrent_requests=52, token_lifetime_seconds=3599, batch_counts_each_request=False)
    yield sandbox
    sandbox.reset()


def fetch_token(sb: DynamicsSandbox, **overrides) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": sb.client_id, "client_secret": sb.client_secret,
            "scope": f"{sb.resource}/.default", **overrides}
    return requests.post(f"{sb.authority}/oauth2/v2.0/token", data=form, timeout=TIMEOUT)


class Api:
    """A loader's view: a session with a bearer token and the documented headers."""

    def __init__(self, sb: DynamicsSandbox) -> None:
        self.sb = sb
        self.session = requests.Session()
        self.session.headers.update({
            "Authorization": f"Bearer {fetch_token(sb).json()['access_token']}",
            "Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0",
            "If-None-Match": "null",
        })

    def url(self, path: str) -> str:
        return f"{self.sb.api_base}/{path}"

    def get(self, path, **kw):
        return self.session.get(self.url(path), timeout=TIMEOUT, **kw)

    def post(self, path, body=None, **kw):
        return self.session.post(self.url(path), json=body, timeout=TIMEOUT, **kw)

    def patch(self, path, body=None, **kw):
        return self.session.patch(self.url(path), json=body, timeout=TIMEOUT, **kw)

    def delete(self, path, **kw):
        return self.session.delete(self.url(path), timeout=TIMEOUT, **kw)

    def create(self, entity_set: str, body: dict) -> str:
        response = self.post(entity_set, body)
        assert response.status_code == 204, response.text
        return entity_id(response)


@pytest.fixture
def api(sb):
    client = Api(sb)
    yield client
    client.session.close()


def entity_id(response: requests.Response) -> str:
    match = re.search(r"\(([0-9a-f-]{36})\)$", response.headers["OData-EntityId"])
    assert match, response.headers["OData-EntityId"]
    return match.group(1)


def control(sb, route, body=None):
    if body is None:
        response = requests.get(f"{sb.url}/__sandbox__/{route}", timeout=TIMEOUT)
    else:
        response = requests.post(f"{sb.url}/__sandbox__/{route}", json=body, timeout=TIMEOUT)
    return response


def with_client_key(sb, entity="contact", column="new_bizstimclientid"):
    result = control(sb, "attributes", {"entity": entity, "logical_name": column, "type": "String",
                                        "max_length": 50, "alternate_key": True})
    assert result.status_code == 200, result.text
    return result.json()


def batch_body(boundary: str, items: list) -> str:
    """items: ("POST", url, body, content_id) tuples or lists of them (a change set)."""
    def request_part(method, url, body, content_id):
        lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
        if content_id is not None:
            lines.append(f"Content-ID: {content_id}")
        lines += ["", f"{method} {url} HTTP/1.1"]
        if body is not None:
            lines += ["Content-Type: application/json; type=entry", "", json.dumps(body)]
        else:
            lines += [""]
        return "\r\n".join(lines)

    out = []
    for item in items:
        out.append(f"--{boundary}")
        if isinstance(item, list):
            changeset = f"changeset_{uuid.uuid4().hex[:8]}"
            out.append(f"Content-Type: multipart/mixed; boundary={changeset}\r\n")
            for part in item:
                out.append(f"--{changeset}")
                out.append(request_part(*part))
            out.append(f"--{changeset}--")
        else:
            out.append(request_part(*item))
    out.append(f"--{boundary}--")
    return "\r\n".join(out) + "\r\n"


def post_batch(api: Api, items: list, continue_on_error: bool = False) -> requests.Response:
    boundary = f"batch_{uuid.uuid4().hex[:8]}"
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}"}
    if continue_on_error:
        headers["Prefer"] = "odata.continue-on-error"
    return api.session.post(api.url("$batch"), data=batch_body(boundary, items).encode(), headers=headers,
                            timeout=TIMEOUT)


def batch_statuses(response: requests.Response) -> list[int]:
    return [int(s) for s in re.findall(r"^HTTP/1\.1 (\d{3})", response.text, re.MULTILINE)]


# --- tokens ------------------------------------------------------------------------------


def test_client_credentials_token_is_shaped_like_entra_id(sb):
    response = fetch_token(sb)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599 and body["ext_expires_in"] == 3599
    assert body["access_token"].count(".") == 2  # a JWT-shaped string
    config = requests.get(f"{sb.authority}/v2.0/.well-known/openid-configuration", timeout=TIMEOUT).json()
    assert config["token_endpoint"] == f"{sb.authority}/oauth2/v2.0/token"


def test_wrong_secret_is_401_invalid_client_and_other_mistakes_are_400(sb):
    bad_secret = fetch_token(sb, client_secret="not-the-secret")
    assert bad_secret.status_code == 401
    body = bad_secret.json()
    assert body["error"] == "invalid_client" and body["error_codes"] == [7000215]
    assert body["error_description"].startswith("AADSTS7000215:") and "trace_id" in body
    assert fetch_token(sb, client_id=str(uuid.uuid4())).json()["error_codes"] == [700016]
    wrong_scope = fetch_token(sb, scope="https://other.crm.dynamics.com/.default")
    assert wrong_scope.status_code == 400 and wrong_scope.json()["error"] == "invalid_resource"
    assert fetch_token(sb, grant_type="password").json()["error"] == "unsupported_grant_type"
    assert sb.client_secret not in repr(sb) and sb.client_secret not in control(sb, "stats").text


def test_missing_tampered_and_expired_tokens_get_401(sb, api):
    assert api.get("WhoAmI").status_code == 200
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer abc.def.ghi"}):
        response = requests.get(api.url("contacts"), headers=headers, timeout=TIMEOUT)
        assert response.status_code == 401
        assert response.json()["error"]["code"].startswith("0x")
        assert "authorization_uri=" in response.headers["WWW-Authenticate"]

    sb.configure(token_lifetime_seconds=0.3)
    short = Api(sb)
    assert short.get("WhoAmI").status_code == 200
    time.sleep(0.35)
    assert short.get("WhoAmI").status_code == 401  # expired mid-run
    assert fetch_token(sb).json()["expires_in"] == 0.3

    assert control(sb, "expire_tokens", {}).json()["expired"] >= 2
    assert api.get("WhoAmI").status_code == 401
    assert control(sb, "stats").json()["unauthorized"] == 4


# --- create, read, update, upsert, delete --------------------------------------------------


def test_create_answers_204_with_odata_entityid_and_the_row_is_stored(sb, api):
    response = api.post("contacts", {"firstname": "Ana", "lastname": "López", "emailaddress1": "ana@x.org",
                                     "createdon": "2001-01-01T00:00:00Z"})
    assert response.status_code == 204 and response.content == b""
    new_id = entity_id(response)
    assert response.headers["OData-EntityId"] == f"{sb.api_base}/contacts({new_id})"
    assert response.headers["OData-Version"] == "4.0"
    [row] = control(sb, "records/contacts").json()
    assert row["contactid"] == new_id and row["fullname"] == "Ana López"
    assert row["_ownerid_value"] == sb.app_user_id  # owner defaults to the caller
    assert not row["createdon"].startswith("2001")  # createdon sent directly is ignored
    record = api.get(f"contacts({new_id})", params={"$select": "fullname,emailaddress1"}).json()
    assert record["fullname"] == "Ana López" and record["@odata.etag"].startswith('W/"')
    assert set(record) == {"@odata.context", "@odata.etag", "fullname", "emailaddress1", "contactid"}
    assert api.get(f"contacts({uuid.uuid4()})").json()["error"]["code"] == "0x80040217"


def test_return_representation_answers_201_with_the_record(api):
    response = api.post("contacts?$select=firstname,lastname", {"firstname": "Bo", "lastname": "Ek"},
                        headers={"Prefer": "return=representation"})
    assert response.status_code == 201
    body = response.json()
    assert body["firstname"] == "Bo" and body["contactid"] == entity_id(response)
    assert body["@odata.context"].endswith("$metadata#contacts/$entity")
    assert response.headers["Preference-Applied"] == "return=representation"


def test_upsert_by_alternate_key_creates_then_updates_the_same_row(sb, api):
    with_client_key(sb)
    first = api.patch("contacts(new_bizstimclientid='123')", {"firstname": "Ana", "lastname": "Old"})
    assert first.status_code == 204
    second = api.patch("contacts(new_bizstimclientid='123')", {"lastname": "New"})
    assert second.status_code == 204 and entity_id(second) == entity_id(first)
    rows = control(sb, "records/contacts").json()
    assert len(rows) == 1 and rows[0]["lastname"] == "New" and rows[0]["new_bizstimclientid"] == "123"
    # by primary key too: PATCH on a missing id creates it with that id
    fixed = str(uuid.uuid4())
    assert api.patch(f"contacts({fixed})", {"lastname": "Fixed"}).status_code == 204
    assert api.get(f"contacts({fixed})").json()["lastname"] == "Fixed"


def test_if_none_match_star_refuses_an_update_and_if_match_star_refuses_a_create(sb, api):
    with_client_key(sb)
    assert api.patch("contacts(new_bizstimclientid='7')", {"lastname": "A"},
                     headers={"If-None-Match": "*"}).status_code == 204
    again = api.patch("contacts(new_bizstimclientid='7')", {"lastname": "B"}, headers={"If-None-Match": "*"})
    assert again.status_code == 412
    assert again.json()["error"] == {"code": "0x80040237",
                                     "message": "A record with matching key values already exists."}
    missing = api.patch("contacts(new_bizstimclientid='8')", {"lastname": "C"}, headers={"If-Match": "*"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "0x80040217"
    assert [r["lastname"] for r in control(sb, "records/contacts").json()] == ["A"]
    # optimistic concurrency with an etag
    row_id = control(sb, "records/contacts").json()[0]["contactid"]
    etag = api.get(f"contacts({row_id})").json()["@odata.etag"]
    assert api.patch(f"contacts({row_id})", {"lastname": "D"}, headers={"If-Match": etag}).status_code == 204
    stale = api.patch(f"contacts({row_id})", {"lastname": "E"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "0x80060882"


def test_duplicate_alternate_key_on_create_is_412(sb, api):
    with_client_key(sb)
    api.create("contacts", {"lastname": "A", "new_bizstimclientid": "X1"})
    duplicate = api.post("contacts", {"lastname": "B", "new_bizstimclientid": "x1"})  # collation: case-insensitive
    assert duplicate.status_code == 412 and duplicate.json()["error"]["code"] == "0x80040237"


def test_bind_to_a_missing_record_fails_with_0x80040217(sb, api):
    missing = str(uuid.uuid4())
    response = api.post("contacts", {"lastname": "A", "parentcustomerid_contact@odata.bind": f"/contacts({missing})"})
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "0x80040217", "message": f"contact With Id = {missing} Does Not Exist"}
    with_client_key(sb)
    by_key = api.post("contacts", {"lastname": "A",
                                   "parentcustomerid_contact@odata.bind": "/contacts(new_bizstimclientid='nope')"})
    assert by_key.status_code == 404 and "does not exist in contact entity" in by_key.json()["error"]["message"]
    assert control(sb, "records/contacts").json() == []
    # a navigation property the table does not have is the undeclared-property 400
    wrong_nav = api.post("contacts", {"lastname": "A", "parentcustomerid@odata.bind": f"/contacts({missing})"})
    assert wrong_nav.status_code == 400 and "undeclared property" in wrong_nav.json()["error"]["message"]
    # a bind that exists works, by id and by alternate key
    parent = api.create("contacts", {"lastname": "Parent", "new_bizstimclientid": "P"})
    child = api.create("contacts", {"lastname": "Child",
                                    "parentcustomerid_contact@odata.bind": "/contacts(new_bizstimclientid='P')"})
    assert api.get(f"contacts({child})").json()["_parentcustomerid_value"] == parent


def test_missing_system_required_column_is_400_but_business_required_is_not(sb, api):
    assert api.post("contacts", {"firstname": "No last name"}).status_code == 204  # ApplicationRequired
    group = sb.default_unit_group_id
    no_quantity = api.post("uoms", {"name": "Hour", "uomscheduleid@odata.bind": f"/uomschedules({group})"})
    assert no_quantity.status_code == 400 and no_quantity.json()["error"]["code"] == "0x80040200"
    assert "quantity" in no_quantity.json()["error"]["message"]
    no_number = api.post("products", {"name": "Tutoring"})
    assert no_number.status_code == 400 and "productnumber" in no_number.json()["error"]["message"]
    too_long = api.post("contacts", {"lastname": "x" * 51})
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "0x80044331"
    wrong_type = api.post("contacts", {"lastname": 12})
    assert wrong_type.status_code == 400 and "Cannot convert the literal" in wrong_type.json()["error"]["message"]


def test_unknown_column_is_rejected_until_the_admin_creates_it(sb, api):
    refused = api.post("contacts", {"lastname": "A", "new_practitionerwage": "42.50"})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "0x80048d19"
    assert ("The property 'new_practitionerwage' does not exist on type 'Microsoft.Dynamics.CRM.contact'"
            in error["message"])
    created = control(sb, "attributes", {"entity": "contact", "logical_name": "new_practitionerwage", "type": "String"})
    assert created.status_code == 200 and created.json()["attribute"]["IsCustomAttribute"] is True
    assert api.post("contacts", {"lastname": "A", "new_practitionerwage": "42.50"}).status_code == 204
    unprefixed = control(sb, "attributes", {"entity": "contact", "logical_name": "wage", "type": "String"})
    assert unprefixed.status_code == 400 and "new_" in unprefixed.json()["error"]
    assert api.post("contacts", {"lastname": "A", "_ownerid_value": sb.app_user_id}).status_code == 400


def test_overriddencreatedon_becomes_createdon(sb, api):
    row_id = api.create("contacts", {"lastname": "Old", "overriddencreatedon": "2019-03-04T05:06:07Z"})
    record = api.get(f"contacts({row_id})", params={"$select": "createdon,overriddencreatedon"}).json()
    assert record["createdon"] == "2019-03-04T05:06:07Z"
    assert record["overriddencreatedon"] is not None and not record["overriddencreatedon"].startswith("2019")
    # create-only: an update leaves createdon alone
    assert api.patch(f"contacts({row_id})", {"overriddencreatedon": "2000-01-01"}).status_code == 204
    assert api.get(f"contacts({row_id})").json()["createdon"] == "2019-03-04T05:06:07Z"
    dated = api.get("contacts", params={"$filter": "createdon lt 2020-01-01"}).json()["value"]
    assert [r["contactid"] for r in dated] == [row_id]


def test_delete_answers_204_then_404_and_cascades_notes(sb, api):
    contact = api.create("contacts", {"lastname": "Gone"})
    api.create("annotations", {"subject": "n", "notetext": "hi",
                               "objectid_contact@odata.bind": f"/contacts({contact})"})
    assert api.delete(f"contacts({contact})").status_code == 204
    assert api.delete(f"contacts({contact})").status_code == 404
    assert control(sb, "records/annotations").json() == []


# --- the catalog and opportunities -----------------------------------------------------------


def catalog(sb, api):
    group = sb.default_unit_group_id
    unit = control(sb, "records/uoms").json()[0]["uomid"]
    price_list = api.create("pricelevels", {"name": "Bizstim", "transactioncurrencyid@odata.bind":
                                            f"/transactioncurrencies({sb.base_currency_id})"})
    product = api.create("products", {"name": "Lesson", "productnumber": "S-1", "quantitydecimal": 2,
                                      "defaultuomscheduleid@odata.bind": f"/uomschedules({group})",
                                      "defaultuomid@odata.bind": f"/uoms({unit})"})
    api.create("productpricelevels", {"pricelevelid@odata.bind": f"/pricelevels({price_list})",
                                      "productid@odata.bind": f"/products({product})",
                                      "uomid@odata.bind": f"/uoms({unit})", "amount": 40})
    return unit, price_list, product


def test_unit_group_creates_its_base_unit_and_price_list_items_are_unique(sb, api):
    group = api.create("uomschedules", {"name": "Session", "baseuomname": "Session"})
    units = api.get("uoms", params={"$filter": f"_uomscheduleid_value eq {group}"}).json()["value"]
    assert [u["name"] for u in units] == ["Session"] and units[0]["isschedulebaseuom"] is True
    unit, price_list, product = catalog(sb, api)
    again = api.post("productpricelevels", {"pricelevelid@odata.bind": f"/pricelevels({price_list})",
                                            "productid@odata.bind": f"/products({product})",
                                            "uomid@odata.bind": f"/uoms({unit})", "amount": 41})
    assert again.status_code == 400 and "has a price" in again.json()["error"]["message"]


def test_win_opportunity_closes_as_won_after_its_lines(sb, api):
    unit, price_list, product = catalog(sb, api)
    contact = api.create("contacts", {"lastname": "Client"})
    opportunity = api.create("opportunities", {
        "name": "Payment 1", "customerid_contact@odata.bind": f"/contacts({contact})",
        "pricelevelid@odata.bind": f"/pricelevels({price_list})", "estimatedvalue": 80,
        "transactioncurrencyid@odata.bind": f"/transactioncurrencies({sb.base_currency_id})"})
    api.create("opportunityproducts", {"opportunityid@odata.bind": f"/opportunities({opportunity})",
                                       "productid@odata.bind": f"/products({product})",
                                       "uomid@odata.bind": f"/uoms({unit})", "quantity": 2, "priceperunit": 40,
                                       "ispriceoverridden": True})
    won = api.post("WinOpportunity", {"Status": 3, "OpportunityClose": {
        "subject": "Won", "actualrevenue": 80, "actualend": "2023-05-01",
        "opportunityid@odata.bind": f"/opportunities({opportunity})"}})
    assert won.status_code == 204, won.text
    record = api.get(f"opportunities({opportunity})").json()
    assert (record["statecode"], record["statuscode"]) == (1, 3)
    assert record["actualvalue"] == 80 and record["actualclosedate"] == "2023-05-01T00:00:00Z"
    [close] = control(sb, "records/opportunitycloses").json()
    assert close["_opportunityid_value"] == opportunity and close["statecode"] == 1
    late_line = api.post("opportunityproducts", {"opportunityid@odata.bind": f"/opportunities({opportunity})",
                                                 "productdescription": "Late", "isproductoverridden": True,
                                                 "quantity": 1})
    assert late_line.status_code == 400 and "closed" in late_line.json()["error"]["message"]
    twice = api.post("WinOpportunity", {"Status": 3, "OpportunityClose": {
        "opportunityid@odata.bind": f"/opportunities({opportunity})"}})
    assert twice.status_code == 400
    bad_status = api.post("WinOpportunity", {"Status": 4, "OpportunityClose": {
        "opportunityid@odata.bind": f"/opportunities({api.create('opportunities', {'name': 'x'})})"}})
    assert bad_status.status_code == 400 and "not a valid status code" in bad_status.json()["error"]["message"]


def test_activities_complete_with_their_own_status_pairs(sb, api):
    contact = api.create("contacts", {"lastname": "Caller"})
    call = api.create("phonecalls", {
        "subject": "Call", "regardingobjectid_contact_phonecall@odata.bind": f"/contacts({contact})",
        "phonecall_activity_parties": [{"partyid_contact@odata.bind": f"/contacts({contact})",
                                        "participationtypemask": 2}]})
    completed = api.patch(f"phonecalls({call})", {"statecode": 1, "statuscode": 2}, headers={"If-Match": "*"})
    assert completed.status_code == 204  # 2 Made (or 4 Received) completes a call
    wrong = api.patch(f"phonecalls({call})", {"statecode": 1, "statuscode": 3})  # 3 is Canceled (state 2)
    assert wrong.status_code == 400
    meeting = api.create("appointments", {"subject": "Lesson", "scheduledstart": "2023-01-02T10:00:00Z",
                                          "scheduledend": "2023-01-02T11:00:00Z", "statecode": 1, "statuscode": 3})
    assert api.get(f"appointments({meeting})").json()["statecode"] == 1
    [stored] = control(sb, "records/phonecalls").json()
    assert stored["phonecall_activity_parties"][0]["participationtypemask"] == 2


def test_notes_carry_files_up_to_the_attachment_limit(sb, api):
    contact = api.create("contacts", {"lastname": "Files"})
    ok = api.post("annotations", {"subject": "f", "filename": "a.txt", "mimetype": "text/plain",
                                  "documentbody": "aGVsbG8=", "objectid_contact@odata.bind": f"/contacts({contact})"})
    assert ok.status_code == 204
    [note] = control(sb, "records/annotations").json()
    assert note["filesize"] == 5 and note["isdocument"] is True and note["objecttypecode"] == "contact"
    assert api.post("annotations", {"documentbody": "not base64!"}).status_code == 400


# --- users -----------------------------------------------------------------------------------


def test_users_are_seeded_and_only_their_custom_columns_are_writable(sb, api):
    users = api.get("systemusers", params={"$select": "fullname,internalemailaddress,isdisabled"}).json()["value"]
    emails = [u["internalemailaddress"] for u in users if u["internalemailaddress"]]
    assert len(emails) == 6 and "ana.lopez@tutoring.example.com" in emails
    # e-mail comparison is case-insensitive, as the SQL collation is
    found = api.get("systemusers", params={"$filter": "internalemailaddress eq 'emma.jones@tutoring.example.com'"})
    assert [u["fullname"] for u in found.json()["value"]] == ["Emma Jones"]
    refused = api.post("systemusers", {"firstname": "New", "lastname": "User", "internalemailaddress": "n@x.com"})
    assert refused.status_code == 400 and "Entra ID" in refused.json()["error"]["message"]
    user_id = found.json()["value"][0]["systemuserid"]
    control(sb, "attributes", {"entity": "systemuser", "logical_name": "new_wage", "type": "Money"})
    assert api.patch(f"systemusers({user_id})", {"new_wage": 31.5}, headers={"If-Match": "*"}).status_code == 204
    synced = api.patch(f"systemusers({user_id})", {"internalemailaddress": "x@y.com"}, headers={"If-Match": "*"})
    assert synced.status_code == 400
    assert api.delete(f"systemusers({user_id})").status_code == 400
    assert api.patch(f"systemusers({uuid.uuid4()})", {"new_wage": 1}, headers={"If-Match": "*"}).status_code == 404
    assert api.get("WhoAmI").json()["UserId"] == sb.app_user_id


# --- queries ---------------------------------------------------------------------------------


def test_paging_with_maxpagesize_follows_nextlink_to_every_row(sb, api):
    with_client_key(sb)
    api.post(f"contacts/{NS}.CreateMultiple", {"Targets": [
        {"@odata.type": f"{NS}.contact", "lastname": f"L{i}", "new_bizstimclientid": str(i)} for i in range(23)]})
    url = api.url("contacts?$select=lastname")
    seen, pages = [], 0
    while url:
        response = api.session.get(url, headers={"Prefer": "odata.maxpagesize=5"}, timeout=TIMEOUT)
        assert response.status_code == 200 and response.headers["Preference-Applied"] == "odata.maxpagesize=5"
        body = response.json()
        assert len(body["value"]) <= 5
        seen += [r["lastname"] for r in body["value"]]
        url = body.get("@odata.nextLink")
        if url:
            assert "$skiptoken=" in url and "%24select=lastname" not in url and "$select=lastname" in url
        pages += 1
    assert pages == 5 and sorted(seen) == sorted(f"L{i}" for i in range(23))
    assert api.get("contacts", params={"$skip": "5"}).status_code == 400  # documented: $skip unsupported
    top = api.get("contacts", params={"$top": "3"}).json()
    assert len(top["value"]) == 3 and "@odata.nextLink" not in top
    assert api.get("contacts/$count").text == "23"


def test_filter_on_keys_emails_and_and(sb, api):
    with_client_key(sb)
    api.create("contacts", {"lastname": "Ané", "emailaddress1": "Parent.1@GMAIL.com", "new_bizstimclientid": "1"})
    api.create("contacts", {"lastname": "Bo", "emailaddress1": "parent.1@gmail.com", "new_bizstimclientid": "2"})
    api.create("contacts", {"lastname": "Cy", "emailaddress1": "cy@x.org", "new_bizstimclientid": "3"})

    def names(flt, **params):
        response = api.get("contacts", params={"$filter": flt, "$select": "lastname", **params})
        assert response.status_code == 200, response.text
        return sorted(r["lastname"] for r in response.json()["value"])

    assert names("emailaddress1 eq 'parent.1@gmail.com'") == ["Ané", "Bo"]
    assert names("emailaddress1 eq 'parent.1@gmail.com' and new_bizstimclientid eq '2'") == ["Bo"]
    assert names("new_bizstimclientid eq '1' or lastname eq 'Cy'") == ["Ané", "Cy"]
    assert names("lastname eq 'ane'") == ["Ané"]  # case and accent insensitive
    assert names("startswith(emailaddress1,'cy@')") == ["Cy"]
    assert names("emailaddress2 eq null and not (lastname eq 'Bo')") == ["Ané", "Cy"]
    assert names("lastname ne 'Bo'", **{"$orderby": "lastname desc"}) == ["Ané", "Cy"]
    unknown = api.get("contacts", params={"$filter": "nosuch eq 1"})
    assert unknown.status_code == 400
    assert "Could not find a property named 'nosuch'" in unknown.json()["error"]["message"]
    assert api.get("contacts", params={"$select": "parentcustomerid"}).status_code == 400


# --- $batch ----------------------------------------------------------------------------------


def test_batch_change_set_is_atomic_and_continue_on_error_goes_on_outside(sb, api):
    bad = str(uuid.uuid4())
    response = post_batch(api, [
        [("POST", "/api/data/v9.2/contacts", {"lastname": "In set 1"}, "1"),
         ("POST", "/api/data/v9.2/contacts", {"lastname": "In set 2",
                                              "parentcustomerid_contact@odata.bind": f"/contacts({bad})"}, "2")],
        ("POST", "/api/data/v9.2/contacts", {"lastname": "Alone", "nosuch": 1}, None),
        ("POST", f"{sb.api_base}/contacts", {"lastname": "After"}, None),
    ], continue_on_error=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    assert batch_statuses(response) == [404, 400, 204]
    assert "0x80040217" in response.text and "0x80048d19" in response.text
    assert [r["lastname"] for r in control(sb, "records/contacts").json()] == ["After"]


def test_batch_stops_at_the_first_failure_without_continue_on_error(sb, api):
    response = post_batch(api, [
        ("POST", "contacts", {"lastname": "First"}, None),
        ("POST", "contacts", {"lastname": "x" * 60}, None),
        ("POST", "contacts", {"lastname": "Never"}, None),
    ])
    assert response.status_code == 400
    assert batch_statuses(response) == [204, 400]
    assert [r["lastname"] for r in control(sb, "records/contacts").json()] == ["First"]


def test_batch_content_ids_link_requests_in_a_change_set(sb, api):
    response = post_batch(api, [[
        ("POST", "/api/data/v9.2/contacts", {"lastname": "Parent"}, "1"),
        ("POST", "/api/data/v9.2/contacts", {"lastname": "Child", "parentcustomerid_contact@odata.bind": "$1"}, "2"),
        ("PATCH", "$2", {"firstname": "Kid"}, "3"),
    ], ("GET", "contacts?$select=lastname", None, None)])
    assert response.status_code == 200, response.text
    assert batch_statuses(response) == [204, 204, 204, 200]
    assert "changesetresponse_" in response.text and "Content-ID: 1" in response.text
    rows = {r["lastname"]: r for r in control(sb, "records/contacts").json()}
    assert rows["Child"]["_parentcustomerid_value"] == rows["Parent"]["contactid"]
    assert rows["Child"]["firstname"] == "Kid"


def test_batch_of_more_than_1000_requests_is_refused(sb, api):
    items = [("POST", "contacts", {"lastname": f"n{i}"}, None) for i in range(1001)]
    response = post_batch(api, items)
    assert response.status_code == 400 and response.json()["error"]["code"].startswith("0x")
    assert control(sb, "records/contacts").json() == []


# --- bulk messages ---------------------------------------------------------------------------


def test_upsert_multiple_creates_and_updates_by_key_in_one_request(sb, api):
    with_client_key(sb)
    api.create("contacts", {"lastname": "Existing", "new_bizstimclientid": "1"})
    targets = [{"@odata.type": f"{NS}.contact", "@odata.id": f"contacts(new_bizstimclientid='{i}')",
                "lastname": f"Upserted {i}"} for i in (1, 2, 3)]
    response = api.post(f"contacts/{NS}.UpsertMultiple", {"Targets": targets})
    assert response.status_code == 204 and response.content == b""
    rows = control(sb, "records/contacts").json()
    assert sorted((r["new_bizstimclientid"], r["lastname"]) for r in rows) == [
        ("1", "Upserted 1"), ("2", "Upserted 2"), ("3", "Upserted 3")]

    created = api.post(f"contacts/{NS}.CreateMultiple", {"Targets": [
        {"@odata.type": f"{NS}.contact", "lastname": "C1"}, {"@odata.type": f"{NS}.contact", "lastname": "C2"}]})
    assert created.status_code == 200
    assert created.json()["@odata.context"].endswith(f"$metadata#{NS}.CreateMultipleResponse")
    assert len(created.json()["Ids"]) == 2

    # one bad record fails (and rolls back) the whole request
    atomic = api.post(f"contacts/{NS}.UpsertMultiple", {"Targets": [
        {"@odata.type": f"{NS}.contact", "@odata.id": "contacts(new_bizstimclientid='9')", "lastname": "ok"},
        {"@odata.type": f"{NS}.contact", "@odata.id": "contacts(new_bizstimclientid='10')", "nosuch": 1}]})
    assert atomic.status_code == 400
    assert api.get("contacts", params={"$filter": "new_bizstimclientid eq '9'"}).json()["value"] == []
    duplicated = api.post(f"contacts/{NS}.UpsertMultiple", {"Targets": [targets[0], targets[0]]})
    assert duplicated.status_code == 400
    untyped = api.post(f"contacts/{NS}.CreateMultiple", {"Targets": [{"lastname": "no type"}]})
    assert untyped.status_code == 400 and "@odata.type" in untyped.json()["error"]["message"]


def test_bulk_messages_are_refused_on_tables_that_do_not_support_them(api):
    response = api.post(f"annotations/{NS}.CreateMultiple", {"Targets": [
        {"@odata.type": f"{NS}.annotation", "subject": "x"}]})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "The 'CreateMultiple' method does not support entities of type 'annotation'" in message


# --- metadata --------------------------------------------------------------------------------


def test_metadata_lists_attributes_and_keys_for_a_preflight(sb, api):
    before = api.get("EntityDefinitions(LogicalName='contact')/Attributes",
                     params={"$select": "LogicalName,AttributeType", "$filter": "IsCustomAttribute eq true"})
    assert before.status_code == 200 and before.json()["value"] == []
    with_client_key(sb)
    attrs = api.get("EntityDefinitions(LogicalName='contact')/Attributes",
                    params={"$select": "LogicalName,AttributeType,MaxLength"}).json()["value"]
    by_name = {a["LogicalName"]: a for a in attrs}
    assert by_name["new_bizstimclientid"]["AttributeType"] == "String"
    assert by_name["new_bizstimclientid"]["MaxLength"] == 50
    assert by_name["lastname"]["AttributeType"] == "String"
    required = api.get("EntityDefinitions(LogicalName='product')/Attributes",
                       params={"$filter": "RequiredLevel/Value eq 'SystemRequired'", "$select": "LogicalName"})
    assert "productnumber" in {a["LogicalName"] for a in required.json()["value"]}
    [key] = api.get("EntityDefinitions(LogicalName='contact')/Keys").json()["value"]
    assert key["KeyAttributes"] == ["new_bizstimclientid"] and key["EntityKeyIndexStatus"] == "Active"
    table = api.get("EntityDefinitions(LogicalName='contact')").json()
    assert table["EntitySetName"] == "contacts" and table["PrimaryIdAttribute"] == "contactid"
    assert api.get("EntityDefinitions(LogicalName='nosuch')").status_code == 404


def test_metadata_api_creates_a_column_and_a_key_on_opt_in(sb, api):
    column = api.post("EntityDefinitions(LogicalName='lead')/Attributes", {
        "@odata.type": f"{NS}.StringAttributeMetadata", "SchemaName": "new_BizstimLeadId", "MaxLength": 20,
        "RequiredLevel": {"Value": "None"}, "DisplayName": {"LocalizedLabels": [{"Label": "Bizstim id",
                                                                                   "LanguageCode": 1033}]}})
    assert column.status_code == 204 and "Attributes(" in column.headers["OData-EntityId"]
    key = api.post("EntityDefinitions(LogicalName='lead')/Keys",
                   {"SchemaName": "new_bizstimleadid_key", "KeyAttributes": ["new_bizstimleadid"]})
    assert key.status_code == 204
    assert api.patch("leads(new_bizstimleadid='L1')", {"lastname": "Lead"}).status_code == 204


# --- service protection ------------------------------------------------------------------------


def test_requests_limit_answers_429_with_retry_after_then_the_window_slides(sb, api):
    # 300 simulated seconds pass in 0.5 real seconds
    sb.configure(time_scale=600, requests_per_window=5)
    headers = [api.get("WhoAmI").headers for _ in range(5)]
    assert [h["x-ms-ratelimit-burst-remaining-xrm-requests"] for h in headers] == ["4", "3", "2", "1", "0"]
    assert re.fullmatch(r"1,\d{3}\.\d{2}", headers[0]["x-ms-ratelimit-time-remaining-xrm-requests"])
    limited = api.get("WhoAmI")
    assert limited.status_code == 429
    assert limited.json()["error"] == {
        "code": "0x80072322", "message": "Number of requests exceeded the limit of 5 over time window of 300 seconds."}
    retry_after = float(limited.headers["Retry-After"])
    assert 0 < retry_after <= 0.5
    time.sleep(retry_after + 0.05)
    assert api.get("WhoAmI").status_code == 200
    assert control(sb, "stats").json()["rate_limited"] == 1


def test_a_batch_counts_as_one_request_but_its_parts_cost_execution_time(sb, api):
    sb.configure(time_scale=600, requests_per_window=3)
    response = post_batch(api, [("POST", "contacts", {"lastname": f"b{i}"}, None) for i in range(10)])
    assert response.status_code == 200
    assert response.headers["x-ms-ratelimit-burst-remaining-xrm-requests"] == "2"
    spent = 1200 - float(response.headers["x-ms-ratelimit-time-remaining-xrm-requests"].replace(",", ""))
    assert spent == pytest.approx(10 * 0.025 + 0.002, abs=0.01)  # header has two decimals
    assert control(sb, "stats").json()["dataverse"]["data_operations"] == 10
    # the stricter reading: each request inside the batch counts
    sb.configure(batch_counts_each_request=True, requests_per_window=6000)
    after = post_batch(api, [("POST", "contacts", {"lastname": f"c{i}"}, None) for i in range(10)])
    assert int(after.headers["x-ms-ratelimit-burst-remaining-xrm-requests"]) == 6000 - 1 - 10


def test_execution_time_limit_answers_0x80072321(sb, api):
    sb.configure(time_scale=600, execution_seconds_per_window=0.05)
    post_batch(api, [("POST", "contacts", {"lastname": f"e{i}"}, None) for i in range(5)])
    limited = api.get("WhoAmI")
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "0x80072321"
    assert float(limited.headers["Retry-After"]) <= 0.5


def test_the_admitted_requests_are_listed_with_their_cost_and_time(sb, api):
    """What the load benchmark replays: each admitted request, never a refused one."""
    sb.configure(time_scale=600, requests_per_window=2)
    post_batch(api, [("POST", "contacts", {"lastname": f"t{i}"}, None) for i in range(4)])
    api.get("WhoAmI")
    assert api.get("WhoAmI").status_code == 429
    admitted = control(sb, "admitted").json()
    assert len(admitted) == 2
    (start, requests_, execution, end), (later, *_rest) = admitted
    assert requests_ == 1 and execution == pytest.approx(4 * 0.025 + 0.002)
    assert start <= end <= later


def test_concurrency_limit_answers_0x80072326(sb):
    sb.configure(concurrent_requests=1)
    sb.set_faults(latency_ms=300)
    token = fetch_token(sb).json()["access_token"]
    statuses = []

    def call():
        statuses.append(requests.get(f"{sb.api_base}/WhoAmI", headers={"Authorization": f"Bearer {token}"},
                                     timeout=TIMEOUT))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in statuses)
    assert codes == [200, 429]
    refused = next(r for r in statuses if r.status_code == 429)
    assert refused.json()["error"]["code"] == "0x80072326" and "Retry-After" in refused.headers


# --- faults, edits, reset ------------------------------------------------------------------------


def test_faults_answer_5xx_drop_connections_and_add_latency(sb, api):
    control(sb, "faults", {"error_rate": 1.0, "retry_after": 0})
    response = api.get("WhoAmI")
    assert response.status_code in (500, 503)
    assert response.json()["error"]["code"].startswith("0x") and response.headers["Retry-After"] == "0"
    sb.clear_faults()
    sb.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        api.get("WhoAmI")
    sb.clear_faults()
    sb.set_faults(latency_ms=150)
    started = time.perf_counter()
    assert api.get("WhoAmI").status_code == 200
    assert time.perf_counter() - started >= 0.15
    stats = control(sb, "stats").json()  # the control surface is never faulted
    assert stats["faults"] == {"errors": 1, "drops": 1, "latency": 1}
    assert control(sb, "faults", {"error_rate": 2}).status_code == 400


def test_edit_changes_a_record_as_a_person_would(sb, api):
    with_client_key(sb)
    row_id = api.create("contacts", {"lastname": "Before", "new_bizstimclientid": "e1"})
    before = api.get(f"contacts({row_id})").json()
    time.sleep(1.01)  # modifiedon has one-second resolution
    edited = control(sb, "edit", {"entity": "contacts", "key": {"new_bizstimclientid": "e1"},
                                  "changes": {"lastname": "Typed by a person"}})
    assert edited.status_code == 200
    after = api.get(f"contacts({row_id})").json()
    assert after["lastname"] == "Typed by a person"
    assert after["modifiedon"] > before["modifiedon"] and after["@odata.etag"] != before["@odata.etag"]
    assert after["_modifiedby_value"] != sb.app_user_id  # a person, not the migration app
    assert control(sb, "edit", {"entity": "contacts", "id": str(uuid.uuid4()), "changes": {}}).status_code == 404


def test_reset_restores_a_fresh_environment(sb, api):
    with_client_key(sb)
    api.create("contacts", {"lastname": "Temp"})
    control(sb, "faults", {"latency_ms": 5})
    assert control(sb, "reset", {}).json() == {"reset": True}
    info = control(sb, "").json()
    assert info["counts"]["contacts"] == 0 and info["counts"]["systemusers"] == 9
    assert info["custom_columns"] == {}
    assert control(sb, "faults").json()["latency_ms"] == 0.0
    assert control(sb, "stats").json()["requests"] == 0
    assert api.get("WhoAmI").status_code == 200  # credentials and tokens survive a reset


def test_same_seed_gives_the_same_identities_and_ids():
    one, two = DynamicsSandbox(seed=3), DynamicsSandbox(seed=3)
    assert (one.tenant_id, one.client_id, one.app_user_id) == (two.tenant_id, two.client_id, two.app_user_id)
    assert [r["systemuserid"] for r in one.records("systemusers")] == \
        [r["systemuserid"] for r in two.records("systemusers")]
    assert one.client_secret != two.client_secret  # secrets are never derived from the seed
    assert DynamicsSandbox(seed=4).tenant_id != one.tenant_id


def test_upsert_multiple_pushes_thousands_of_rows_quickly(sb, api):
    with_client_key(sb)
    started = time.perf_counter()
    for chunk in range(5):
        targets = [{"@odata.type": f"{NS}.contact", "@odata.id": f"contacts(new_bizstimclientid='{chunk}-{i}')",
                    "lastname": f"Bulk {i}", "emailaddress1": f"p{chunk}.{i}@x.org"} for i in range(1000)]
        assert api.post(f"contacts/{NS}.UpsertMultiple", {"Targets": targets}).status_code == 204
    elapsed = time.perf_counter() - started
    assert control(sb, "").json()["counts"]["contacts"] == 5000
    assert elapsed < 10, elapsed
    lookup = api.get("contacts", params={"$filter": "emailaddress1 eq 'P3.999@X.org'", "$select": "lastname"})
    assert [r["lastname"] for r in lookup.json()["value"]] == ["Bulk 999"]


def test_deletes_cascade_remove_links_or_are_refused_as_relationships_say(sb, api):
    unit, price_list, product = catalog(sb, api)
    group = sb.default_unit_group_id
    in_use = api.delete(f"uomschedules({group})")  # a product and a price list item use its unit
    assert in_use.status_code == 405 and in_use.json()["error"]["code"].startswith("0x")
    assert len(control(sb, "records/uoms").json()) == 1  # nothing half-deleted
    assert api.delete(f"pricelevels({price_list})").status_code == 204  # its items go with it
    assert control(sb, "records/productpricelevels").json() == []
    assert api.delete(f"products({product})").status_code == 204
    assert api.delete(f"uomschedules({group})").status_code == 204  # and its units with it
    assert control(sb, "records/uoms").json() == []
    parent = api.create("contacts", {"lastname": "Parent"})
    child = api.create("contacts", {"lastname": "Child", "parentcustomerid_contact@odata.bind": f"/contacts({parent})"})
    assert api.delete(f"contacts({parent})").status_code == 204
    assert api.get(f"contacts({child})").json()["_parentcustomerid_value"] is None


def test_update_multiple_and_lookup_annotations(sb, api):
    ids = api.post(f"contacts/{NS}.CreateMultiple", {"Targets": [
        {"@odata.type": f"{NS}.contact", "lastname": f"U{i}"} for i in range(3)]}).json()["Ids"]
    response = api.post(f"contacts/{NS}.UpdateMultiple", {"Targets": [
        {"@odata.type": f"{NS}.contact", "contactid": row_id, "firstname": "Same"} for row_id in ids]})
    assert response.status_code == 204
    assert {r["firstname"] for r in control(sb, "records/contacts").json()} == {"Same"}
    missing = api.post(f"contacts/{NS}.UpdateMultiple", {"Targets": [
        {"@odata.type": f"{NS}.contact", "contactid": str(uuid.uuid4()), "firstname": "x"}]})
    assert missing.status_code == 404 and "Do Not Exist" in missing.json()["error"]["message"]
    annotated = api.get(f"contacts({ids[0]})", params={"$select": "_ownerid_value"},
                        headers={"Prefer": 'odata.include-annotations="*"'}).json()
    assert annotated["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "systemuser"


def test_a_lead_takes_a_second_email_and_more_phones_like_the_real_lead_table(sb, api):
    # the lead table's reference page lists emailaddress2/3 and telephone2/3 as contact does
    response = api.post("leads", {"lastname": "Ek", "emailaddress1": "a@x.org", "emailaddress2": "b@x.org",
                                  "emailaddress3": "c@x.org", "telephone2": "+15550001", "telephone3": "+15550002"})
    assert response.status_code == 204, response.text
    record = api.get(f"leads({entity_id(response)})",
                     params={"$select": "emailaddress2,emailaddress3,telephone2,telephone3"}).json()
    assert (record["emailaddress2"], record["emailaddress3"], record["telephone2"], record["telephone3"]) == (
        "b@x.org", "c@x.org", "+15550001", "+15550002")
    attributes = {a["LogicalName"] for a in api.get("EntityDefinitions(LogicalName='lead')/Attributes",
                                                    params={"$select": "LogicalName"}).json()["value"]}
    assert {"emailaddress2", "emailaddress3", "telephone2", "telephone3"} <= attributes


def test_an_or_chain_of_keys_reads_through_the_index_as_a_real_server_does(sb, api):
    # a loader reads many records by key with or-ed eq terms: a real server answers
    # from its index, so the simulator must not evaluate every term on every row
    with_client_key(sb)
    targets = [{"@odata.type": f"{NS}.contact", "@odata.id": f"contacts(new_bizstimclientid='{i}')",
                "lastname": f"L{i}", "new_bizstimclientid": str(i)} for i in range(4000)]
    for start in range(0, 4000, 1000):
        assert api.post(f"contacts/{NS}.UpsertMultiple", {"Targets": targets[start:start + 1000]}).ok
    wanted = [str(i) for i in range(0, 4000, 20)]
    flt = " or ".join(f"new_bizstimclientid eq '{k}'" for k in wanted) + " or lastname eq 'L1'"
    started = time.monotonic()
    for _ in range(10):
        response = api.get("contacts", params={"$filter": flt, "$select": "new_bizstimclientid"})
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert sorted(r["new_bizstimclientid"] for r in response.json()["value"]) == sorted(wanted + ["1"])
    assert elapsed < 2.0  # scanning 4000 rows x 200 terms ten times takes far longer
    # a filter that is not only eq terms is still evaluated exactly
    mixed = api.get("contacts", params={"$filter": "new_bizstimclientid eq '8' or startswith(lastname,'L399')",
                                        "$select": "new_bizstimclientid"}).json()["value"]
    assert sorted(r["new_bizstimclientid"] for r in mixed) == ["399", "3990", "3991", "3992", "3993", "3994",
                                                               "3995", "3996", "3997", "3998", "3999", "8"]
