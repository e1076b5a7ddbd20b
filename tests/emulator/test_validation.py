"""Column lengths, types, ranges, option sets, required columns and state / status pairs."""

import uuid

from .conftest import create, error_of


def test_too_long_string_is_refused_with_the_length_message(api):
    response = api.post("accounts", json={"name": "x" * 161})
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "0x80044331",
        "message": "A validation error occurred.  The length of the 'name' attribute of the "
        "'account' entity exceeded the maximum allowed length of '160'.",
    }
    assert api.post("accounts", json={"name": "x" * 160}).status_code == 204


def test_wrong_json_types_are_payload_errors(api):
    response = api.post("accounts", json={"name": 5})
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x80048d19"
    assert api.post("accounts", json={"creditonhold": "yes"}).status_code == 400


def test_numbers_outside_their_range_are_refused(api):
    money = api.post("accounts", json={"name": "m", "creditlimit": -1})
    assert money.status_code == 400 and error_of(money)["code"] == "0x80044330"
    integer = api.post("accounts", json={"name": "i", "numberofemployees": -5})
    assert integer.status_code == 400 and error_of(integer)["code"] == "0x8004432f"
    too_big = api.post("accounts", json={"name": "i", "numberofemployees": 2**31})
    assert too_big.status_code == 400 and error_of(too_big)["code"] == "0x80048d19"


def test_option_set_values_must_exist(api):
    response = api.post("accounts", json={"name": "o", "customertypecode": 99})
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x8004431a"
    assert "'customertypecode'" in error_of(response)["message"]


def test_application_required_is_not_enforced_system_required_is(api):
    assert api.post("accounts", json={}).status_code == 204  # name is ApplicationRequired
    response = api.post("transactioncurrencies", json={"currencyname": "Euro"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x80040203"
    assert "isocurrencycode" in error_of(response)["message"]


def test_system_required_columns_cannot_be_cleared(api):
    currency = api.get(
        "transactioncurrencies?$select=currencyname&$filter=isocurrencycode eq 'USD'"
    )
    currency_id = currency.json()["value"][0]["transactioncurrencyid"]
    response = api.patch(f"transactioncurrencies({currency_id})", json={"currencysymbol": None})
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x80040203"


def test_statecode_is_not_valid_for_create(api):
    response = api.post("accounts", json={"name": "s", "statecode": 1})
    assert response.status_code == 400
    assert "statecode" in error_of(response)["message"]


def test_state_changes_by_patching_state_and_status(api):
    row_id = create(api, "accounts", {"name": "Stateful"})
    assert api.patch(f"accounts({row_id})", json={"statecode": 1}).status_code == 204
    row = api.get(f"accounts({row_id})?$select=statecode,statuscode").json()
    assert (row["statecode"], row["statuscode"]) == (1, 2)  # the state's default status
    assert api.patch(f"accounts({row_id})", json={"statecode": 0, "statuscode": 1}).ok
    mismatched = api.patch(f"accounts({row_id})", json={"statecode": 1, "statuscode": 1})
    assert mismatched.status_code == 400
    assert "not a valid status code" in error_of(mismatched)["message"]
    assert api.post("accounts", json={"name": "x", "statuscode": 2}).status_code == 400


def test_read_only_columns_are_ignored_on_write(api):
    row_id = create(api, "contacts", {"firstname": "Ann", "lastname": "Lee", "fullname": "Nope"})
    row = api.get(f"contacts({row_id})?$select=fullname").json()
    assert row["fullname"] == "Ann Lee"


def test_create_only_columns_cannot_be_updated(api):
    unit_group = create(api, "uomschedules", {"name": "Boxes", "baseuomname": "Box"})
    response = api.patch(f"uomschedules({unit_group})", json={"baseuomname": "Crate"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x80041100"


def test_money_is_kept_with_its_base_amount_and_rate(api):
    euro = create(
        api,
        "transactioncurrencies",
        {
            "currencyname": "Euro",
            "isocurrencycode": "EUR",
            "currencysymbol": "€",
            "exchangerate": 0.5,
            "currencyprecision": 2,
        },
    )
    row_id = create(
        api,
        "accounts",
        {
            "name": "Euro account",
            "creditlimit": 100,
            "transactioncurrencyid@odata.bind": f"/transactioncurrencies({euro})",
        },
    )
    row = api.get(f"accounts({row_id})?$select=creditlimit,creditlimit_base,exchangerate").json()
    assert row["creditlimit"] == 100 and row["creditlimit_base"] == 200
    assert row["exchangerate"] == 0.5
    assert row["_transactioncurrencyid_value"] == str(euro)


def test_datetime_values_are_utc_whole_seconds(api):
    row_id = create(
        api, "accounts", {"name": "Dated", "overriddencreatedon": "2020-01-02T03:04:05.678+01:00"}
    )
    row = api.get(f"accounts({row_id})?$select=createdon,overriddencreatedon").json()
    assert row["overriddencreatedon"] == "2020-01-02T02:04:05Z"
    assert row["createdon"] == "2020-01-02T02:04:05Z"
    uuid.UUID(row["accountid"])
