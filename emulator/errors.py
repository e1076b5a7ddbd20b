"""Dataverse error answers: ``{"error": {"code": "0x…", "message": "…"}}`` with the real codes."""

from __future__ import annotations


class DataverseError(Exception):
    """An error answer. Raised anywhere below a view; the dispatcher turns it into a response."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


def resource_not_found(segment: str) -> DataverseError:
    return DataverseError(404, "0x8006088a", f"Resource not found for the segment '{segment}'.")


def no_http_resource(url: str) -> DataverseError:
    return DataverseError(
        404, "", f"No HTTP resource was found that matches the request URI '{url}'."
    )


def method_not_allowed(method: str) -> DataverseError:
    return DataverseError(405, "0x80060888", f"The HTTP method '{method}' is not allowed here.")


def row_not_found(logical_name: str, row_id: object) -> DataverseError:
    return DataverseError(404, "0x80040217", f"{logical_name} With Id = {row_id} Does Not Exist")


def unknown_property(name: str, type_name: str) -> DataverseError:
    return DataverseError(
        400, "0x0", f"Could not find a property named '{name}' on type '{type_name}'."
    )


def invalid_payload_property(name: str, logical_name: str) -> DataverseError:
    return DataverseError(
        400,
        "0x0",
        "An error occurred while validating input parameters: Microsoft.Crm.CrmException: "
        f"Invalid property '{name}' was found in entity 'Microsoft.Dynamics.CRM.{logical_name}'. "
        "---> Microsoft.OData.ODataException: Does not support untyped value in non-open type.",
    )


def payload_error(entity_set: str, detail: str) -> DataverseError:
    return DataverseError(
        400,
        "0x80048d19",
        f"Error identified in Payload provided by the user for Entity :'{entity_set}', For more "
        f"information on this error please follow this help link "
        f"https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : "
        f"Microsoft.OData.ODataException: {detail}",
    )


def undeclared_property(entity_set: str, name: str) -> DataverseError:
    return payload_error(
        entity_set,
        f"An undeclared property '{name}' which only has property annotations in the payload "
        "but no property value was found in the payload. In OData, only declared navigation "
        "properties and declared named streams can be represented as properties without values.",
    )


def too_long(attribute: str, logical_name: str, max_length: int) -> DataverseError:
    return DataverseError(
        400,
        "0x80044331",
        f"A validation error occurred.  The length of the '{attribute}' attribute of the "
        f"'{logical_name}' entity exceeded the maximum allowed length of '{max_length}'.",
    )


def out_of_range(code: str, logical_name: str, attribute: str, value, type_name, low, high):
    return DataverseError(
        400,
        code,
        f"A validation error occurred for {logical_name}.{attribute}. The value {value} of type "
        f"{type_name} is outside the valid range. Accepted range: {low} to {high}",
    )


def invalid_option(logical_name: str, attribute: str, value) -> DataverseError:
    return DataverseError(
        400,
        "0x8004431a",
        f"A validation error occurred. The value {value} of '{attribute}' on record of type "
        f"'{logical_name}' is outside the valid range.",
    )


def invalid_argument(message: str) -> DataverseError:
    return DataverseError(400, "0x80040203", message)


def required_missing(attribute: str, logical_name: str) -> DataverseError:
    return invalid_argument(
        f"A validation error occurred. The value of '{attribute}' on record of type "
        f"'{logical_name}' is required and cannot be null."
    )


def query_error(message: str) -> DataverseError:
    return DataverseError(400, "0x0", message)


def etag_mismatch() -> DataverseError:
    return DataverseError(
        412,
        "0x80060882",
        "The version of the existing record doesn't match the RowVersion property provided.",
    )


def duplicate_key() -> DataverseError:
    return DataverseError(412, "0x80040237", "A record with matching key values already exists.")


def bad_json(entity_set: str, detail: str) -> DataverseError:
    return payload_error(entity_set, detail)


def expired_version_stamp() -> DataverseError:
    # Code and words of ExpiredVersionStamp as SDK clients of RetrieveEntityChanges meet them
    # [3rd-party]; the Web API answers a bad request.
    return DataverseError(
        400,
        "0x80044352",
        "Version stamp associated with the client has expired. Please perform a full sync.",
    )
