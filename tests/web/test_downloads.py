"""Downloads are named for every client (the Chinese name and an ASCII one beside it)."""
def test_an_export_is_named_for_every_client(login_as):
    response = login_as("province").get("/workstations/export.xlsx")
    header = response.headers["Content-Disposition"]
    assert response.status_code == 200
    assert 'filename=".xlsx"' not in header and "filename*=UTF-8''" in header
    assert header.split('filename="')[1].split('"')[0].endswith(".xlsx")
