"""OData v4 URL conventions as Dataverse understands them: $filter and the query options."""
