"""The seeded organisation and the rules of products, units, unit groups and currencies."""

from .conftest import create, error_of, seeded


def test_seeded_organisation(api):
    currency = seeded(
        api,
        "transactioncurrencies",
        "currencyname,exchangerate,currencyprecision",
        "isocurrencycode eq 'USD'",
    )
    assert currency["exchangerate"] == 1 and currency["currencyprecision"] == 2
    salespeople = api.get(
        "systemusers?$select=fullname,internalemailaddress&$filter=isdisabled eq false and "
        "islicensed eq true and isintegrationuser eq false&$orderby=fullname"
    ).json()["value"]
    assert [u["fullname"] for u in salespeople] == [
        "Annette Hill",
        "Bart Duncan",
        "Helena Ray",
        "Jim Olive",
        "Linda Martin",
    ]
    assert salespeople[0]["internalemailaddress"] == "annette.hill@cronus.example"
    assert len(api.get("systemusers").json()["value"]) == 8  # app user, 5 sales, 2 left out
    app = seeded(api, "systemusers", "islicensed,applicationid", "fullname eq '# Tandem'")
    assert app["islicensed"] is False and app["applicationid"]
    group = seeded(api, "uomschedules", "name,baseuomname", "name eq 'Default Unit'")
    unit = seeded(
        api,
        "uoms",
        "name,isschedulebaseuom,quantity,_uomscheduleid_value",
        "name eq 'Primary Unit'",
    )
    assert (
        unit["isschedulebaseuom"] is True and unit["_uomscheduleid_value"] == group["uomscheduleid"]
    )
    assert api.get("businessunits?$select=name").json()["value"][0]["name"] == "Cronus"


def test_reset_restores_the_seeded_organisation(emulator, api):
    create(api, "accounts", {"name": "Gone after reset"})
    emulator.reset()
    assert api.get("accounts").json()["value"] == []
    assert len(api.get("systemusers").json()["value"]) == 8


def test_creating_a_unit_group_creates_its_base_unit(api):
    group = create(api, "uomschedules", {"name": "PCS", "baseuomname": "PCS"})
    units = api.get(
        f"uoms?$select=name,quantity,isschedulebaseuom&$filter=_uomscheduleid_value eq {group}"
    )
    [unit] = units.json()["value"]
    assert unit["name"] == "PCS" and unit["quantity"] == 1 and unit["isschedulebaseuom"] is True
    box = create(
        api,
        "uoms",
        {"name": "Box", "quantity": 12, "uomscheduleid@odata.bind": f"/uomschedules({group})"},
    )
    row = api.get(f"uoms({box})?$select=_baseuom_value,isschedulebaseuom").json()
    assert row["_baseuom_value"] == unit["uomid"] and row["isschedulebaseuom"] is False


def product(group, unit, **extra):
    return {
        "name": "Bicycle",
        "productnumber": "1000",
        "defaultuomscheduleid@odata.bind": f"/uomschedules({group})",
        "defaultuomid@odata.bind": f"/uoms({unit})",
        **extra,
    }


def unit_group(api, name="PCS"):
    group = create(api, "uomschedules", {"name": name, "baseuomname": name})
    unit = api.get(f"uoms?$filter=_uomscheduleid_value eq {group}").json()["value"][0]["uomid"]
    return group, unit


def test_products_are_created_active_with_their_units(api):
    group, unit = unit_group(api)
    product_id = create(api, "products", product(group, unit))
    row = api.get(f"products({product_id})?$select=statecode,statuscode,productnumber").json()
    assert (row["statecode"], row["statuscode"]) == (0, 1)
    assert api.patch(f"products({product_id})", json={"statecode": 1, "statuscode": 2}).ok
    assert api.get(f"products({product_id})?$select=statecode").json()["statecode"] == 1


def test_product_rules(api):
    group, unit = unit_group(api)
    other_group, other_unit = unit_group(api, "Hours")
    no_group = {
        k: v for k, v in product(group, unit).items() if not k.startswith("defaultuomschedule")
    }
    assert error_of(api.post("products", json=no_group))["code"] == "0x80043b13"
    wrong_unit = product(group, other_unit)
    assert error_of(api.post("products", json=wrong_unit))["code"] == "0x80043b14"
    no_number = {k: v for k, v in product(group, unit).items() if k != "productnumber"}
    assert error_of(api.post("products", json=no_number))["code"] == "0x80043b05"
    create(api, "products", product(group, unit))
    duplicate = api.post("products", json=product(group, unit, name="Other"))
    assert duplicate.status_code == 400
    assert error_of(duplicate)["code"] == "0x80043b06"
    assert api.post("products", json=product(group, unit, statecode=0)).status_code == 400
    assert other_group


def test_currency_codes_are_unique(api):
    response = api.post(
        "transactioncurrencies",
        json={
            "currencyname": "Dollar again",
            "isocurrencycode": "usd",
            "currencysymbol": "$",
            "exchangerate": 1,
            "currencyprecision": 2,
        },
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x80048cf3"


def test_unit_group_in_use_cannot_be_deleted_but_cascades_to_units(api):
    group, unit = unit_group(api)
    assert api.delete(f"uomschedules({group})").status_code == 204
    assert api.get(f"uoms({unit})").status_code == 404
    used_group, used_unit = unit_group(api, "Used")
    create(api, "products", product(used_group, used_unit))
    assert api.delete(f"uomschedules({used_group})").status_code == 405
