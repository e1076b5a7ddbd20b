"""Forms of the synchronization and coupling pages (Business Central's captions)."""

from django import forms

from ..models import IntegrationTableMapping
from ..services.match_criteria import can_create_new
from ..services.records import BOTH, FROM, TO, allows
from ..services.synchronize_now import CHOICES, GET, MERGE, SEND

Update = IntegrationTableMapping.UpdateConflictResolution


def allowed_choices(mapping) -> list[str]:
    if mapping.direction == BOTH:
        return [SEND, GET, MERGE]
    return [SEND] if mapping.direction == TO else [GET]


class SynchronizeNowForm(forms.Form):
    choice = forms.ChoiceField(
        label="Synchronize", widget=forms.RadioSelect, error_messages={"required": "Choose one."}
    )

    def __init__(self, mapping, data=None, *, choices=None, initial=None):
        super().__init__(data, initial={"choice": initial} if initial else None)
        names = choices or allowed_choices(mapping)
        self.fields["choice"].choices = [(name, CHOICES[name]) for name in names]


class SetUpCouplingForm(forms.Form):
    dataverse_id = forms.UUIDField(label="Dataverse row", required=False)
    synchronize = forms.ChoiceField(label="Synchronize after coupling", required=False)
    create_new = forms.BooleanField(
        label="Create New",
        required=False,
        help_text="Create a new Dataverse row from this record instead, and couple it.",
    )

    def __init__(self, mapping, data=None, *, coupled=False):
        default = "" if coupled else (GET if mapping.direction == FROM else SEND)
        super().__init__(data, initial={"synchronize": default})
        choices = [("", "Do Not Synchronize")]
        if allows(mapping, TO):
            choices.append((SEND, "To Integration Table (send this record's data to Dataverse)"))
        if allows(mapping, FROM):
            choices.append((GET, "From Integration Table (get the Dataverse row's data)"))
        self.fields["synchronize"].choices = choices
        if not allows(mapping, TO):
            del self.fields["create_new"]

    def clean(self):
        data = super().clean()
        data.setdefault("create_new", False)
        if not data.get("create_new") and not data.get("dataverse_id"):
            raise forms.ValidationError(
                "Choose the Dataverse row to couple to, or choose Create New."
            )
        return data


class MatchCriteriaForm(forms.Form):
    """The header of Select Coupling Criteria: what happens around the coupling."""

    synch_after_bulk_coupling = forms.BooleanField(
        label="Synchronize After Coupling", required=False
    )
    update_conflict_resolution = forms.ChoiceField(
        label="Resolve Update Conflicts", choices=Update.choices, required=False
    )
    create_new_in_case_of_no_match = forms.BooleanField(
        label="Create New If Unable to Find a Match", required=False
    )

    def __init__(self, mapping, data=None):
        initial = {
            "synch_after_bulk_coupling": mapping.synch_after_bulk_coupling,
            "update_conflict_resolution": mapping.update_conflict_resolution,
            "create_new_in_case_of_no_match": mapping.create_new_in_case_of_no_match,
        }
        super().__init__(data, initial=initial)
        if mapping.direction != BOTH:
            del self.fields["update_conflict_resolution"]
        if not can_create_new(mapping):
            del self.fields["create_new_in_case_of_no_match"]


class MatchFieldForm(forms.Form):
    """One line of Select Coupling Criteria: a field mapping that may be matched on."""

    field_mapping = forms.IntegerField(widget=forms.HiddenInput)
    match = forms.BooleanField(label="Match on this Field", required=False)
    case_sensitive = forms.BooleanField(label="Case-Sensitive Matching", required=False)
    priority = forms.IntegerField(label="Match Priority", min_value=0, max_value=999, initial=0)


MatchFieldFormSet = forms.formset_factory(MatchFieldForm, extra=0)
