"""Job order: dependencies first, the seeds' order among equals.

A mapping runs after every mapping named in its dependency filter (CONTACT after CUSTOMER and
VENDOR, so that a contact's company is coupled before the contact is sent). Among mappings
whose dependencies are met, the standard ones keep the order of PRODUCT.md §3 and other
mappings follow by name.
"""

STANDARD_ORDER = [
    "CURRENCY",
    "SALESPEOPLE",
    "UNIT OF MEASURE",
    "VENDOR",
    "CUSTOMER",
    "CONTACT",
    "RESOURCE-PRODUCT",
    "ITEM-PRODUCT",
]


def priority(mapping) -> tuple:
    name = mapping.name
    rank = STANDARD_ORDER.index(name) if name in STANDARD_ORDER else len(STANDARD_ORDER)
    return (rank, name)


def job_order(mappings) -> list:
    """Return ``mappings`` sorted so that each comes after the mappings it depends on."""
    pending = {m.name: m for m in mappings}
    done: set[str] = set()
    ordered = []
    while pending:
        ready = [
            m
            for m in pending.values()
            if all(d in done or d not in pending for d in m.dependencies)
        ]
        if not ready:  # a cycle: run the rest in plain order rather than not at all
            ready = list(pending.values())
        chosen = min(ready, key=priority)
        ordered.append(chosen)
        done.add(chosen.name)
        del pending[chosen.name]
    return ordered
