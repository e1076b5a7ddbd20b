"""The actions of Coupled Data Synchronization Errors, through the page as a staff user.

Every action goes through the Django test client the way a person clicks: tick couplings,
choose the action, confirm; background work runs in-process (django-q2 ``Conf.SYNC``) once
the request's transaction commits.
"""

from django.urls import reverse
from django_q.models import Task

from erp.models import Currency
from integration.admin import couplings as page
from integration.models import Coupling

from .conftest import PAGE, messages_of, post_action, row_ids


def iso_codes(emulator) -> dict[str, str]:
    with emulator.app_session() as api:
        rows = api.get("transactioncurrencies?$select=isocurrencycode").json()["value"]
    return {r["isocurrencycode"]: r["transactioncurrencyid"] for r in rows}


def still_listed(coupling) -> bool:
    return Coupling.objects.filter(pk=coupling.pk, skipped=True).exists() or (
        Coupling.objects.filter(pk=coupling.pk).exists()
        and Coupling.objects.get(pk=coupling.pk).is_failed
    )


def test_retry_clears_skipped_where_both_records_exist(staff, broken, sync):
    longcode, eur = broken["LONGCODE"], broken["EUR"]
    Coupling.objects.filter(pk=eur.pk).update(skipped=True)
    failed_by = longcode.last_synch_dataverse_job_id

    response = post_action(staff, "retry", [longcode, eur])

    shown = messages_of(response)
    assert "1 coupling will be retried by the next synchronization." in shown
    assert any("1 coupling left as they were: a side was deleted" in m for m in shown)
    longcode.refresh_from_db(), eur.refresh_from_db()
    assert not longcode.skipped and eur.skipped
    assert row_ids(response) == {c.pk for c in broken.values()}, "retried, not yet fixed"
    # The next run picks the retried coupling up again: it fails again, once.
    assert sync("CURRENCY")["to"].failed >= 1
    longcode.refresh_from_db()
    assert longcode.last_synch_dataverse_job_id != failed_by


def test_fix_the_record_then_synchronize_send_makes_the_error_go(staff, broken, emulator):
    longcode = broken["LONGCODE"]
    Currency.objects.filter(system_id=longcode.local_id).update(code="LNG")

    confirm = post_action(staff, "synchronize", [longcode])
    html = confirm.content.decode()
    assert "<h1>Synchronize</h1>" in html and "Choose the data to use" in html
    assert 'id="side-send"' in html and 'id="side-get"' in html
    done = post_action(staff, "synchronize", [longcode], side="send")

    shown = messages_of(done)
    assert "Send: 1 coupling synchronized." in shown
    assert any(m.startswith("CURRENCY To Integration Table: 1 inserted") for m in shown)
    assert any("See the synchronization jobs" in m for m in shown)
    longcode.refresh_from_db()
    assert longcode.status == "coupled" and not longcode.skipped and not longcode.is_failed
    assert longcode.pk not in row_ids(done)
    assert iso_codes(emulator)["LNG"] == str(longcode.dataverse_id)


def test_synchronize_get_settles_a_conflict_with_the_dataverse_data(staff, customer_conflict):
    customer, coupling = customer_conflict
    assert "address1_city" in coupling.error_message
    assert coupling.pk in row_ids(staff.get(PAGE))

    done = post_action(staff, "synchronize", [coupling], side="get")

    shown = messages_of(done)
    assert "Get: 1 coupling synchronized." in shown
    assert "CUSTOMER From Integration Table: 1 modified." in shown
    assert "CUSTOMER To Integration Table: 1 unchanged." in shown, "both sides now agree"
    customer.refresh_from_db()
    coupling.refresh_from_db()
    assert customer.city == "Far" and not coupling.is_failed
    assert coupling.pk not in row_ids(done)


def test_synchronize_get_is_refused_for_a_mapping_that_only_sends(staff, broken):
    response = post_action(staff, "synchronize", [broken["ABCDEFG"]], side="get")
    assert any(
        "the mapping CURRENCY does not synchronize From Integration Table" in m
        for m in messages_of(response)
    )


def test_synchronize_of_many_runs_as_a_task(
    staff, broken, q_sync, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(page, "INLINE_LIMIT", 1)
    fixed = [broken["LONGCODE"], broken["ABCDEFG"]]
    Currency.objects.filter(code="LONGCODE").update(code="LNG")
    Currency.objects.filter(code="ABCDEFG").update(code="ABC")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(staff, "synchronize", fixed, side="send")

    assert any("runs in the background" in m for m in messages_of(response))
    task = Task.objects.get(func="integration.tasks.errors.synchronize_task")
    assert task.success
    assert (
        task.result == "Synchronize: 2 couplings done. CURRENCY To Integration Table: 2 inserted."
    )
    for coupling in fixed:
        coupling.refresh_from_db()
        assert coupling.status == "coupled" and not coupling.is_failed
    assert row_ids(staff.get(PAGE)) == {broken["EUR"].pk, broken["GBP"].pk}


def test_delete_couplings_keeps_the_records(staff, broken, emulator):
    gbp = broken["GBP"]
    confirm = post_action(staff, "delete_couplings", [gbp])
    assert "<h1>Delete Couplings</h1>" in confirm.content.decode()
    assert Coupling.objects.filter(pk=gbp.pk).exists(), "nothing happens before confirming"

    done = post_action(staff, "delete_couplings", [gbp], post="yes")

    assert "1 coupling deleted; the records were kept." in messages_of(done)
    assert not Coupling.objects.filter(pk=gbp.pk).exists()
    assert "GBP" in iso_codes(emulator)
    assert gbp.pk not in row_ids(done)


def test_restore_records_recreates_the_deleted_dataverse_row(staff, broken, emulator):
    eur, gbp = broken["EUR"], broken["GBP"]
    assert "EUR" not in iso_codes(emulator)
    confirm = post_action(staff, "restore_records", [eur, gbp])
    assert "<h1>Restore Records</h1>" in confirm.content.decode()

    done = post_action(staff, "restore_records", [eur, gbp], post="yes")

    shown = messages_of(done)
    assert "1 record restored." in shown
    assert any(
        "the mapping CURRENCY does not synchronize From Integration Table" in m for m in shown
    )
    assert Coupling.objects.filter(pk=gbp.pk).exists(), "kept: CURRENCY cannot restore it"
    restored = Coupling.objects.get(local_id=eur.local_id)
    assert restored.status == "coupled" and not restored.is_failed
    assert iso_codes(emulator)["EUR"] == str(restored.dataverse_id)
    assert eur.pk not in row_ids(done) and restored.pk not in row_ids(done)


def test_restore_records_recreates_the_deleted_local_record(staff, salespeople_broken):
    coupling, name = salespeople_broken

    done = post_action(staff, "restore_records", [coupling], post="yes")

    assert "1 record restored." in messages_of(done)
    restored = Coupling.objects.get(dataverse_id=coupling.dataverse_id)
    from erp.models import SalespersonPurchaser

    person = SalespersonPurchaser.objects.get(system_id=restored.local_id)
    assert person.name == name and not restored.is_failed
    assert row_ids(done) == set()


def test_restore_and_delete_records_need_exactly_one_side_gone(staff, currencies, sync):
    eur = currencies["EUR"]
    eur.code = "EUROLONG"  # too long for Dataverse: the update fails, both records stay
    eur.save()
    assert sync("CURRENCY")["to"].failed == 1
    coupling = Coupling.objects.get(local_id=eur.system_id)

    for action in ("restore_records", "delete_records"):
        response = post_action(staff, action, [coupling], post="yes")
        assert any(
            "1 coupling left as they were: both records exist, or neither does" in m
            for m in messages_of(response)
        ), action

    assert Coupling.objects.filter(pk=coupling.pk).exists()
    assert Currency.objects.filter(pk=eur.pk).exists()


def test_delete_records_deletes_the_surviving_record_on_either_side(staff, broken, emulator):
    eur, gbp = broken["EUR"], broken["GBP"]
    confirm = post_action(staff, "delete_records", [eur, gbp])
    assert "This cannot be undone." in confirm.content.decode()

    done = post_action(staff, "delete_records", [eur, gbp], post="yes")

    assert "2 records deleted, with their couplings." in messages_of(done)
    assert not Currency.objects.filter(system_id=eur.local_id).exists(), "the local EUR"
    assert "GBP" not in iso_codes(emulator), "the Dataverse GBP row"
    assert not Coupling.objects.filter(pk__in=[eur.pk, gbp.pk]).exists()


def test_delete_records_respects_the_local_delete_permission(client_with, broken):
    client = client_with(
        "integration.view_coupling", "integration.couple_records", "erp.view_currency"
    )
    done = post_action(client, "delete_records", [broken["EUR"]], post="yes")
    assert any("you may not delete currencies" in m for m in messages_of(done))
    assert Currency.objects.filter(system_id=broken["EUR"].local_id).exists()


def test_retry_all_runs_as_a_task(staff, broken, q_sync, django_capture_on_commit_callbacks):
    url = reverse("integration:coupling_errors_retry_all")
    confirm = staff.get(url).content.decode()
    assert "<strong>1</strong> skipped coupling will no longer be skipped" in confirm

    with django_capture_on_commit_callbacks(execute=True):
        done = staff.post(url, follow=True)

    assert any("Retry All runs in the background" in m for m in messages_of(done))
    assert not Coupling.objects.filter(skipped=True).exists()
    assert Task.objects.get(func="integration.tasks.errors.retry_all_task").success
    assert row_ids(staff.get(PAGE, {"state": "skipped"})) == set()


def test_find_for_deleted_marks_broken_couplings_skipped(
    staff, currencies, q_sync, django_capture_on_commit_callbacks
):
    gbp, eur = currencies["GBP"], currencies["EUR"]
    Currency.objects.filter(pk=gbp.pk)._raw_delete("default")  # no signal: Tandem never knew
    Coupling.objects.filter(local_id=eur.system_id).update(skipped=False)
    from integration.models import IntegrationTableMapping

    IntegrationTableMapping.objects.filter(name="CURRENCY").update(table_filter={"code": "LONG"})
    url = reverse("integration:coupling_errors_find_for_deleted")
    assert "This might take several minutes." in staff.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = staff.post(url, follow=True)

    assert any("Find for Deleted runs in the background" in m for m in messages_of(done))
    gone = Coupling.objects.get(local_id=gbp.system_id)
    outside = Coupling.objects.get(local_id=eur.system_id)
    assert gone.skipped and gone.local_deleted_at and "was deleted" in gone.error_message
    assert outside.skipped and "no longer matches the table filter" in outside.error_message
    shown = row_ids(staff.get(PAGE, {"state": "skipped"}))
    assert {gone.pk, outside.pk} <= shown
    task = Task.objects.get(func="integration.tasks.errors.find_for_deleted_task")
    assert task.result == "Find for Deleted: 2 couplings marked as skipped."


def test_find_for_deleted_looks_under_bidirectional_mappings_for_deleted_records(
    standard_setup, db
):
    import uuid

    from erp.models import Customer
    from integration.services import errors

    kept, gone, blocked = (Customer.objects.create(name=n) for n in ("Kept", "Gone", "Blocked"))
    for customer in (kept, gone, blocked):
        Coupling.objects.create(
            local_table="erp.customer",
            local_id=customer.system_id,
            dataverse_table="account",
            dataverse_id=uuid.uuid4(),
        )
    Customer.objects.filter(pk=gone.pk)._raw_delete("default")
    Customer.objects.filter(pk=blocked.pk).update(blocked="all")  # outside CUSTOMER's filter

    assert errors.find_for_deleted() == 1
    skipped = set(Coupling.objects.filter(skipped=True).values_list("local_id", flat=True))
    assert skipped == {gone.system_id}, "a bidirectional mapping still updates a blocked one"


def test_actions_need_their_permissions(client_with, broken):
    viewer = client_with("integration.view_coupling")
    for action in ("retry", "delete_couplings", "delete_records", "synchronize"):
        assert post_action(viewer, action, [broken["EUR"]]).status_code == 403, action
    assert viewer.get(reverse("integration:coupling_errors_retry_all")).status_code == 403
    assert viewer.get(reverse("integration:coupling_errors_find_for_deleted")).status_code == 403
    coupler = client_with("integration.view_coupling", "integration.couple_records")
    assert post_action(coupler, "synchronize", [broken["EUR"]]).status_code == 403
    assert post_action(coupler, "restore_records", [broken["EUR"]]).status_code == 403
    html = coupler.get(PAGE).content.decode()
    assert '<option value="retry">Retry</option>' in html
    assert '<option value="synchronize">' not in html
    assert Coupling.objects.filter(pk=broken["EUR"].pk).exists()


def test_an_action_needs_a_choice_and_a_selection(staff, broken):
    no_action = staff.post(page_url("action"), {"next": PAGE}, follow=True)
    assert "Choose an action." in messages_of(no_action)
    nothing = post_action(staff, "retry", [])
    assert "Tick the couplings to act on: no couplings were changed." in messages_of(nothing)
    assert staff.get(page_url("action")).status_code == 405


def page_url(name: str) -> str:
    return reverse(f"integration:coupling_errors_{name}")
