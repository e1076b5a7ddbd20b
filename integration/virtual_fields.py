"""Local "fields" that field mappings may name although the model has no such field.

Business Central handles a contact's company in code rather than through a field mapping;
Tandem names it as a field so that it shows on the mapping page like any other. A virtual
field here is "one of several foreign keys": the contact's company is its customer or its
vendor, and the engine resolves it through the couplings of whichever table it points at.
"""

VIRTUAL_FIELDS: dict[str, dict[str, str]] = {
    "erp.contact": {
        "company": "The contact's company: its customer or its vendor, resolved through the "
        "CUSTOMER or VENDOR couplings.",
    },
}

# The foreign keys behind each virtual field, tried in this order.
VIRTUAL_FOREIGN_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "erp.contact": {"company": ("customer", "vendor")},
}


def virtual_field_names(model_label: str) -> set[str]:
    return set(VIRTUAL_FIELDS.get(model_label.lower(), {}))


def virtual_foreign_keys(model_label: str, name: str) -> tuple[str, ...]:
    return VIRTUAL_FOREIGN_KEYS.get(model_label.lower(), {}).get(name, ())
