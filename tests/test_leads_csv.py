"""CSV import (per-row errors, dedupe, custom fields) and export (streamed, formula-safe), round trip."""

import csv
import io

from tests.test_leads import add, new_campaign


def upload(client, auth, campaign_id, text: str | bytes, name="leads.csv"):
    raw = text.encode() if isinstance(text, str) else text
    return client.post("/api/v1/leads/import", headers=auth, content_type="multipart/form-data",
                       data={"campaignId": campaign_id, "file": (io.BytesIO(raw), name)})


def test_import_reports_bad_rows_and_keeps_extra_columns(client, auth):
    campaign_id = new_campaign(client, auth)
    text = ("Name,Profile URL,Title,Company,Location,Deal size\n"
            "Ada Lovelace,https://www.linkedin.com/in/ada/,Founder,Engines,London,big\n"
            ",https://www.linkedin.com/in/nameless/,,,,\n"
            "Bob,https://www.linkedin.com/company/bob/,,,,\n"
            "Ada again,linkedin.com/in/ADA,,,,\n"
            "\n"
            "Cy,https://de.linkedin.com/in/cy,CTO,,Berlin,\n")
    response = upload(client, auth, campaign_id, text)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["created"] == 2 and body["duplicates"] == 1 and body["failed"] == 2
    assert [error["row"] for error in body["errors"]] == [3, 4]
    assert body["errors"][0]["error"].startswith("name") and body["errors"][1]["error"].startswith("profileUrl")
    leads = client.get(f"/api/v1/leads?campaignId={campaign_id}", headers=auth).get_json()["leads"]
    ada = next(lead for lead in leads if lead["name"] == "Ada Lovelace")
    assert ada["customFields"] == {"Deal size": "big"} and ada["company"] == "Engines"


def test_import_refuses_unusable_files(client, auth):
    campaign_id = new_campaign(client, auth)
    for content, starts in ((b"", "file"), (b"title,company\nx,y\n", "file"), (b"\xff\xfe\x00bad", "file")):
        response = upload(client, auth, campaign_id, content)
        assert response.status_code == 400 and response.get_json()["error"].startswith(starts)
    no_file = client.post("/api/v1/leads/import", headers=auth, content_type="multipart/form-data",
                          data={"campaignId": campaign_id})
    assert no_file.status_code == 400 and no_file.get_json()["error"].startswith("file")
    no_campaign = client.post("/api/v1/leads/import", headers=auth, content_type="multipart/form-data",
                              data={"file": (io.BytesIO(b"name,profileUrl\n"), "x.csv")})
    assert no_campaign.status_code == 400 and no_campaign.get_json()["error"].startswith("campaignId")


def test_export_guards_formulas_and_round_trips(client, auth):
    campaign_id = new_campaign(client, auth)
    add(client, auth, campaign_id, [
        {"name": "=HYPERLINK(\"http://evil\",\"x\")", "profileUrl": "linkedin.com/in/evil", "title": "+1 CEO",
         "company": "@acme", "location": "-London, \"UK\"", "tags": ["a", "b"], "customFields": {"Deal": "=1+1"}},
        {"name": "Plain Person", "profileUrl": "linkedin.com/in/plain", "title": "Line1\nLine2"},
    ])
    response = client.get(f"/api/v1/leads/export?campaignId={campaign_id}", headers=auth)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    evil = next(row for row in rows if "evil" in row["profileUrl"])
    for column in ("name", "title", "company", "location", "Deal"):
        assert evil[column].startswith("'"), column
    assert evil["tags"] == "a;b"
    assert next(row for row in rows if row["name"] == "Plain Person")["title"] == "Line1\nLine2"
    other = new_campaign(client, auth, "copy")
    imported = upload(client, auth, other, text).get_json()
    assert imported == {"created": 2, "duplicates": 0, "refused": 0, "refusedLeads": [], "failed": 0, "errors": []}
    copies = {lead["profileUrl"]: lead for lead in
              client.get(f"/api/v1/leads?campaignId={other}", headers=auth).get_json()["leads"]}
    original = {lead["profileUrl"]: lead for lead in
                client.get(f"/api/v1/leads?campaignId={campaign_id}", headers=auth).get_json()["leads"]}
    for url, lead in original.items():
        for key in ("name", "firstName", "lastName", "title", "company", "location", "tags", "customFields"):
            assert copies[url][key] == lead[key], key


def test_export_filters_by_status(client, auth):
    campaign_id = new_campaign(client, auth)
    leads = add(client, auth, campaign_id, [{"name": n, "profileUrl": f"linkedin.com/in/{n}"} for n in "abc"])
    first = leads.get_json()["leads"][0]["id"]
    client.patch(f"/api/v1/leads/{first}", json={"status": "replied"}, headers=auth)
    text = client.get("/api/v1/leads/export?status=replied", headers=auth).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["id"] for row in rows] == [first]
    assert client.get("/api/v1/leads/export?status=nope", headers=auth).status_code == 400
