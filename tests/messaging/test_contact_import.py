"""Contact import from CSV: a preview of the whole file with every bad row named, duplicates
skipped or updated, good rows written together (never some of them), large files by a task with
a progress bar, and two tenants that never see each other's imports."""

from __future__ import annotations

import io
import random
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging import services
from messaging.models import Contact, ContactImport, Tag

from ..conftest import wait_until

pytestmark = pytest.mark.django_db


def _upload(client, text: str, **fields):
    data = {"file": SimpleUploadedFile("list.csv", text.encode(), "text/csv"), **fields}
    return client.post("/contacts/import/", data)


GOOD = """Phone,First name,Last name,Notes,Tags
(919) 555-0101,Jane,Doe,likes mornings,vip;spring
919.555.0102,Omar,,,
12,Bad,Row,,
,Missing,Number,,
+44 20 7946 0018,Lon,Don,,
919-555-0101,Jane,Again,,
"""


def test_preview_names_every_bad_row_and_writes_no_contact(login, owner, tenant):
    client = login(owner)
    response = _upload(client, GOOD, tag="spring-sale")
    contact_import = ContactImport.objects.get(tenant=tenant)
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/imports/{contact_import.pk}/"
    assert not Contact.objects.filter(tenant=tenant).exists()
    assert contact_import.status == "preview"
    assert (contact_import.total_rows, contact_import.valid_rows) == (6, 3)
    assert [(e["line"], e["number"]) for e in contact_import.errors] == [
        (4, "12"),
        (5, ""),
        (7, "919-555-0101"),
    ]
    assert contact_import.errors[1]["error"] == "The number is missing."
    assert contact_import.errors[2]["error"] == "The same number as line 2."
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"+19195550101" in page.content and b"Jane Doe" in page.content
    assert b"+442079460018" in page.content  # read as written, with its country code
    assert b"The same number as line 2." in page.content
    errors_csv = client.get(f"/contacts/imports/{contact_import.pk}/errors.csv").content.decode()
    assert errors_csv.splitlines()[0] == "line,number,error" and len(errors_csv.splitlines()) == 4


def test_confirm_imports_the_good_rows_with_tags(login, owner, tenant):
    client = login(owner)
    _upload(client, GOOD, tag="spring-sale")
    contact_import = ContactImport.objects.get(tenant=tenant)
    response = client.post(f"/contacts/imports/{contact_import.pk}/action/", {"action": "import"})
    assert response.status_code == 302
    contact_import.refresh_from_db()
    assert contact_import.status == "done" and contact_import.created_count == 3
    jane = Contact.objects.get(tenant=tenant, number="+19195550101")
    assert (jane.name, jane.notes) == ("Jane Doe", "likes mornings")
    assert sorted(t.name for t in jane.tags.all()) == ["spring", "spring-sale", "vip"]
    assert set(contact_import.contacts.values_list("number", flat=True)) == {
        "+19195550101",
        "+19195550102",
        "+442079460018",
    }
    page = client.get(f"/contacts/imports/{contact_import.pk}/")
    assert b"3 new" in page.content and b"Rows with errors" in page.content
    again = client.post(f"/contacts/imports/{contact_import.pk}/action/", {"action": "import"})
    assert again.status_code == 302 and Contact.objects.filter(tenant=tenant).count() == 3


@pytest.mark.parametrize("mode", ["skip", "update"])
def test_duplicates_are_skipped_or_updated(tenant, mode):
    services.contact_create(tenant=tenant, number="+19195550101", name="Old", tags=["kept"])
    contact_import, _ = services.contact_import_preview(
        tenant=tenant,
        filename="x.csv",
        data=b"number,name,tags\n9195550101,New,fresh\n9195550109,Other,\n",
        duplicates=mode,
    )
    services.contact_import_start(contact_import=contact_import)
    contact_import.refresh_from_db()
    old = Contact.objects.get(tenant=tenant, number="+19195550101")
    assert contact_import.created_count == 1
    if mode == "skip":
        assert contact_import.skipped_count == 1 and old.name == "Old"
        assert [t.name for t in old.tags.all()] == ["kept"]
    else:
        assert contact_import.updated_count == 1 and old.name == "New"
        assert sorted(t.name for t in old.tags.all()) == ["fresh", "kept"]


def test_a_file_without_a_number_column_is_refused(login, owner, tenant):
    response = _upload(login(owner), "name,email\nJane,j@example.com\n")
    assert response.status_code == 400 and b"number" in response.content
    assert not ContactImport.objects.exists()


def test_another_tenant_sees_no_import(login, owner, other_owner, tenant):
    _upload(login(owner), GOOD)
    contact_import = ContactImport.objects.get(tenant=tenant)
    intruder = login(other_owner)
    for url in (
        f"/contacts/imports/{contact_import.pk}/",
        f"/contacts/imports/{contact_import.pk}/progress/",
        f"/contacts/imports/{contact_import.pk}/errors.csv",
    ):
        assert intruder.get(url).status_code == 404, url
    action = intruder.post(f"/contacts/imports/{contact_import.pk}/action/", {"action": "import"})
    assert action.status_code == 404
    contact_import.refresh_from_db()
    assert contact_import.status == "preview"


def _big_csv(rows: int, bad_every: int) -> tuple[bytes, int]:
    out = io.StringIO()
    out.write("number,name,tags\n")
    bad = 0
    rng = random.Random(13)
    for i in range(rows):
        if i % bad_every == 0:
            bad += 1
            out.write(f"{rng.choice(['12', 'not a phone', '+1 919 555 01'])},Bad {i},\n")
        else:
            out.write(f"+1919{3000000 + i:07d},Person {i},bulk;{'odd' if i % 2 else 'even'}\n")
    return out.getvalue().encode(), bad


def test_ten_thousand_rows_with_three_percent_bad_rows(tenant):
    """10,000 rows, 3% of them bad: each bad row reported, every good row written, in bulk."""
    data, bad = _big_csv(10_000, 33)
    started = time.monotonic()
    contact_import, _ = services.contact_import_preview(
        tenant=tenant, filename="big.csv", data=data, tag="march"
    )
    assert len(contact_import.errors) == bad == 304
    assert services.contact_import_start(contact_import=contact_import) is False  # a task's job
    assert services.contact_import_run(import_id=contact_import.pk) == "done"
    elapsed = time.monotonic() - started
    contact_import.refresh_from_db()
    assert contact_import.created_count == 10_000 - bad
    assert Contact.objects.filter(tenant=tenant).count() == 10_000 - bad
    assert contact_import.contacts.count() == 10_000 - bad
    march = Tag.objects.get(tenant=tenant, name="march")
    assert march.contacts.count() == 10_000 - bad
    assert sorted(e["line"] for e in contact_import.errors) == [i + 2 for i in range(0, 10_000, 33)]
    print(f"10,000-row import (preview + write): {elapsed:.1f} s")


def test_a_crash_while_writing_leaves_no_partial_rows(tenant, monkeypatch):
    data, bad = _big_csv(5000, 33)
    contact_import, _ = services.contact_import_preview(tenant=tenant, filename="x", data=data)
    services.contact_import_start(contact_import=contact_import)
    real = Contact.tags.through.objects.bulk_create
    calls = {"n": 0}

    def crash_on_the_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(Contact.tags.through.objects, "bulk_create", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        services.contact_import_run(import_id=contact_import.pk)
    assert not Contact.objects.filter(tenant=tenant).exists()
    contact_import.refresh_from_db()
    assert (
        contact_import.status == "running"
        and services.contact_import_progress(contact_import) < 5000
    )
    monkeypatch.setattr(Contact.tags.through.objects, "bulk_create", real)
    assert services.contact_import_run(import_id=contact_import.pk) == "done"  # the task's retry
    assert Contact.objects.filter(tenant=tenant).count() == 5000 - bad
    assert services.contact_import_run(import_id=contact_import.pk) == "done"
    assert Contact.objects.filter(tenant=tenant).count() == 5000 - bad


@pytest.mark.django_db(transaction=True)
def test_a_large_file_runs_in_a_task_with_progress(login, owner, tenant, celery_worker):
    client = login(owner)
    data, bad = _big_csv(3000, 50)
    client.post("/contacts/import/", {"file": SimpleUploadedFile("big.csv", data, "text/csv")})
    contact_import = ContactImport.objects.get(tenant=tenant)
    client.post(f"/contacts/imports/{contact_import.pk}/action/", {"action": "import"})
    page = client.get(f"/contacts/imports/{contact_import.pk}/")
    assert b"import-bar" in page.content or b"import-result" in page.content

    def finished():
        contact_import.refresh_from_db()
        return contact_import.status == "done"

    wait_until(finished, timeout=60)
    progress = client.get(f"/contacts/imports/{contact_import.pk}/progress/")
    assert progress["HX-Refresh"] == "true" and b'value="100"' in progress.content
    assert Contact.objects.filter(tenant=tenant).count() == 3000 - bad


def test_an_import_whose_task_was_lost_is_picked_up_again(tenant):
    from datetime import timedelta

    from django.utils import timezone

    from messaging import tasks

    data, bad = _big_csv(1500, 50)
    contact_import, _ = services.contact_import_preview(tenant=tenant, filename="x", data=data)
    services.contact_import_start(contact_import=contact_import)  # its task is never run
    assert services.contact_imports_stuck() == []
    ContactImport.objects.filter(pk=contact_import.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert services.contact_imports_stuck() == [contact_import.pk]
    tasks.run_contact_import.apply(args=(contact_import.pk,))  # what the beat's task queues
    assert Contact.objects.filter(tenant=tenant).count() == 1500 - bad
    assert services.contact_imports_stuck() == []
