"""What a CRM sends with its leads is kept: contact fields first-class, the rest in customFields, and said so."""

import pytest

from tests.test_leads import add, new_campaign

ADA = {"name": "Ada Lovelace", "profileUrl": "https://www.linkedin.com/in/ada/"}


def test_contact_fields_and_extra_fields_are_kept_and_reported(client, auth):
    campaign_id = new_campaign(client, auth)
    response = add(client, auth, campaign_id, [{
        **ADA, "email": "ada@example.com", "phone": "+44 20 7946 0000", "headline": "Poet of science",
        "company": "Analytical Engines", "industry": "Computing", "employees": 12, "isCustomer": True}])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    lead = body["leads"][0]
    assert (lead["email"], lead["phone"], lead["headline"], lead["company"]) == (
        "ada@example.com", "+44 20 7946 0000", "Poet of science", "Analytical Engines")
    assert lead["customFields"] == {"industry": "Computing", "employees": "12", "isCustomer": "true"}
    assert body["extraFields"] == {"industry": "customFields.industry", "employees": "customFields.employees",
                                   "isCustomer": "customFields.isCustomer"}
    stored = client.get(f"/api/v1/leads/{lead['id']}", headers=auth).get_json()
    assert stored["email"] == "ada@example.com" and stored["customFields"]["industry"] == "Computing"


def test_crm_spellings_of_lead_fields_go_to_those_fields(client, auth):
    campaign_id = new_campaign(client, auth)
    body = add(client, auth, campaign_id, [{**ADA, "job_title": "Founder", "Email Address": "ada@example.com",
                                            "custom_fields": {"source": "HubSpot"}}]).get_json()
    lead = body["leads"][0]
    assert (lead["title"], lead["email"], lead["customFields"]) == ("Founder", "ada@example.com", {"source": "HubSpot"})
    assert body["extraFields"] == {"job_title": "title", "Email Address": "email"}


def test_blank_contact_details_are_absent(client, auth):
    campaign_id = new_campaign(client, auth)
    lead = add(client, auth, campaign_id, [{**ADA, "email": "", "phone": " "}]).get_json()["leads"][0]
    assert lead["email"] is None and lead["phone"] is None


@pytest.mark.parametrize("extra, field", [
    ({"email": "not an email"}, "email"),
    ({"address": {"city": "London"}}, "address"),
    ({"industry": "x" * 1001}, "customFields"),
    ({f"field{i}": "v" for i in range(51)}, "customFields"),
    ({"industry": "Computing", "customFields": {"industry": "Other"}}, "industry"),
])
def test_what_cannot_be_kept_is_refused_naming_it(client, auth, extra, field):
    campaign_id = new_campaign(client, auth)
    response = add(client, auth, campaign_id, [{**ADA, **extra}])
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"].startswith(f"leads.0.{field}")
    assert client.get(f"/api/v1/leads?campaignId={campaign_id}", headers=auth).get_json()["leads"] == []


def test_csv_contact_columns_are_imported_and_exported(client, auth):
    import io

    campaign_id = new_campaign(client, auth)
    csv_text = "name,profile url,email,phone,headline,industry\nAda,linkedin.com/in/ada,ada@example.com,123,Poet,Tech\n"
    response = client.post(f"/api/v1/leads/import?campaignId={campaign_id}", headers=auth,
                           data={"file": (io.BytesIO(csv_text.encode()), "leads.csv")},
                           content_type="multipart/form-data")
    assert response.get_json()["created"] == 1, response.get_json()
    lead = client.get("/api/v1/leads", headers=auth).get_json()["leads"][0]
    assert (lead["email"], lead["phone"], lead["headline"], lead["customFields"]) == (
        "ada@example.com", "123", "Poet", {"industry": "Tech"})
    exported = client.get("/api/v1/leads/export", headers=auth).get_data(as_text=True).splitlines()
    header = exported[0].split(",")
    row = dict(zip(header, exported[1].split(","), strict=True))
    assert (row["email"], row["phone"], row["headline"], row["industry"]) == ("ada@example.com", "123", "Poet", "Tech")
