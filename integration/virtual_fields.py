"""Local "fields" that field mappings may name although the model has no such field.

Business Central handles a contact's company in code rather than through a field mapping;
Tandem names it as a field so that it shows on the mapping page like any other. The engine
knows how to read and write each one.
"""

VIRTUAL_FIELDS: dict[str, dict[str, str]] = {
    "erp.contact": {
        "company": "The contact's company: its customer or its vendor, resolved through the "
        "CUSTOMER or VENDOR couplings.",
    },
}


def virtual_field_names(model_label: str) -> set[str]:
    return set(VIRTUAL_FIELDS.get(model_label.lower(), {}))
