"""The OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json, checked by the tests)."""

from __future__ import annotations

from typing import Any

from app.core.json_input import MAX_JSON_DEPTH

NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
#: Ids are 32-bit integers in the database; a larger one is answered 404 like any unknown id.
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
#: What every JSON request body must respect, whatever its schema (app/core/json_input.py).
JSON_BODY_RULES = (
    f"Arrays and objects nest at most {MAX_JSON_DEPTH} levels deep, counting the body itself;"
    " no key or string holds a lone surrogate (U+D800 to U+DFFF, as \\ud800 or as raw bytes)."
)
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "code", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
    "Task": {
        "type": "object",
        "required": ["id", "title", "state", "instance_id", "process_key", "org_code"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "element_id": {"type": "string"},
            "state": {"enum": ["ready", "completed", "cancelled"]},
            "candidate_role": {"type": ["string", "null"]},
            "assignee_user_id": {"type": ["integer", "null"]},
            "due_at": NULLABLE_TIME,
            "overdue": {"type": "boolean"},
            "priority": {"type": "integer"},
            "form_key": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "completed_at": NULLABLE_TIME,
            "instance_id": {"type": "integer"},
            "process_key": {"type": "string"},
            "process_name": {"type": "string"},
            "business_key": {"type": ["string", "null"]},
            "org_code": {"type": "string"},
            "org_name": {"type": "string"},
        },
    },
    "TaskList": {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
    "TaskDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/Task"},
            {
                "type": "object",
                "required": ["form"],
                "properties": {
                    "form": {
                        "type": ["object", "null"],
                        "properties": {
                            "key": {"type": "string"},
                            "definition": {"type": "object"},
                            "schema": {"type": "object"},
                        },
                    }
                },
            },
        ]
    },
    "Uploaded": {
        "type": "object",
        "required": ["files"],
        "properties": {
            "files": {
                "type": "object",
                "description": "Field name → references to put in the completion's data.",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "name", "sha256", "size", "type"],
                        "properties": {
                            "id": {"type": "integer"},
                            "name": {"type": "string"},
                            "sha256": {"type": "string"},
                            "size": {"type": "integer"},
                            "type": {"type": "string"},
                        },
                    },
                },
            }
        },
    },
    "Completion": {
        "type": "object",
        "required": ["completed"],
        "properties": {
            "completed": {"type": "boolean"},
            "incident_id": {"type": ["integer", "null"]},
            "next_tasks": {
                "type": "array",
                "description": "The procedure's open tasks the caller may do now (theirs, or"
                " theirs to claim), so that a client goes on without listing its tasks again.",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "element_id", "claimed"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "element_id": {"type": "string"},
                        "claimed": {"type": "boolean"},
                    },
                },
            },
        },
    },
    "CompleteRequest": {
        "type": "object",
        "description": JSON_BODY_RULES,
        "required": ["data"],
        "properties": {"data": {"type": "object"}},
    },
    "StartRequest": {
        "type": "object",
        "description": "Text fields must not contain NUL (U+0000) characters. " + JSON_BODY_RULES,
        "required": ["process_key", "org_code"],
        "properties": {
            "process_key": {"type": "string", "minLength": 1},
            "org_code": {"type": "string", "minLength": 1},
            "business_key": {"type": ["string", "null"], "maxLength": 200},
            "data": {"type": "object"},
        },
    },
    "Step": {
        "type": "object",
        "required": ["seq", "at", "actor", "action"],
        "properties": {
            "seq": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "actor": {"type": "string"},
            "action": {"type": "string"},
            "element_id": {"type": ["string", "null"]},
            "task_uuid": {"type": ["string", "null"]},
        },
    },
    "Instance": {
        "type": "object",
        "required": ["id", "process_key", "version", "status", "org_code", "timeline"],
        "properties": {
            "id": {"type": "integer"},
            "process_key": {"type": "string"},
            "process_name": {"type": "string"},
            "version": {"type": "integer"},
            "status": {"enum": ["running", "suspended", "completed", "cancelled"]},
            "business_key": {"type": ["string", "null"]},
            "org_code": {"type": "string"},
            "started_at": {"type": "string", "format": "date-time"},
            "ended_at": NULLABLE_TIME,
            "open_incidents": {"type": "integer"},
            "timeline": {"type": "array", "items": {"$ref": "#/components/schemas/Step"}},
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(schema: str, description: str = "OK") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


ERRORS = {"401": _error("No valid bearer token"), "404": _error("Not found, or not yours to see")}
TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": ID}
TASK_ACTION_ERRORS = {
    **ERRORS,
    "403": _error("Not allowed"),
    "409": _error("Already claimed or completed"),
}
#: Any POST with a JSON body, even one its route ignores, has it read and checked.
BAD_JSON_BODY = _error(
    "A JSON body that is not JSON, or breaks these rules, was sent (the message says which): "
    + JSON_BODY_RULES
)


TOO_LARGE = {"413": _error("The body is larger than the server accepts (MAX_CONTENT_LENGTH)")}


def _body(schema: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "BranchFlow API",
        "version": "1",
        "description": "Tasks and process instances of the caller, within their roles' scope.",
    },
    "servers": [{"url": "/api/v1"}],
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "security": [{"bearer": []}],
    "paths": {
        "/tasks": {
            "get": {
                "operationId": "listTasks",
                "summary": "To do (mine and claimable), my tasks, claimable tasks or completed",
                "parameters": [
                    {
                        "name": "view",
                        "in": "query",
                        "schema": {"enum": ["todo", "mine", "claimable", "completed"]},
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                    },
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    },
                ],
                "responses": {
                    "200": _ok("TaskList"),
                    "422": _error("Invalid parameters"),
                    **ERRORS,
                },
            }
        },
        "/tasks/{task_id}": {
            "get": {
                "operationId": "getTask",
                "summary": "A task with its form definition",
                "parameters": [TASK_ID],
                "responses": {"200": _ok("TaskDetail"), **ERRORS},
            }
        },
        "/tasks/{task_id}/files": {
            "post": {
                "operationId": "uploadFiles",
                "summary": "Upload files into a task's file and photo fields",
                "description": (
                    "One multipart part per file, named by the form field. Each file is checked by"
                    " its bytes against the field's accepted types and size limit; one refused"
                    " file refuses them all. Put the returned references (or their ids) in the"
                    " field's value when completing the task."
                ),
                "parameters": [TASK_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": {"type": "string", "format": "binary"},
                            }
                        }
                    },
                },
                "responses": {
                    "201": _ok("Uploaded", "Stored"),
                    "422": _error("A file was refused, with a message per field"),
                    **TASK_ACTION_ERRORS,
                    **TOO_LARGE,
                },
            }
        },
        "/tasks/{task_id}/claim": {
            "post": {
                "operationId": "claimTask",
                "parameters": [TASK_ID],
                "responses": {"200": _ok("Task"), "422": BAD_JSON_BODY, **TASK_ACTION_ERRORS},
            }
        },
        "/tasks/{task_id}/unclaim": {
            "post": {
                "operationId": "unclaimTask",
                "parameters": [TASK_ID],
                "responses": {"200": _ok("Task"), "422": BAD_JSON_BODY, **TASK_ACTION_ERRORS},
            }
        },
        "/tasks/{task_id}/complete": {
            "post": {
                "operationId": "completeTask",
                "parameters": [TASK_ID],
                "requestBody": _body("CompleteRequest"),
                "responses": {
                    "200": _ok("Completion", "Completed"),
                    "202": _ok(
                        "Completion", "Accepted, but a step failed: an incident holds the data"
                    ),
                    "422": _error(
                        "Invalid form data, with a message per field; or a body that breaks the"
                        " rules of CompleteRequest"
                    ),
                    **TASK_ACTION_ERRORS,
                    **TOO_LARGE,
                },
            }
        },
        "/instances": {
            "post": {
                "operationId": "startInstance",
                "requestBody": _body("StartRequest"),
                "responses": {
                    "201": _ok("Instance", "Started"),
                    "403": _error("The caller may see the organisation but not start this there"),
                    "422": _error(
                        "Invalid start data, or a body that breaks the rules of StartRequest"
                    ),
                    **ERRORS,
                    **TOO_LARGE,
                },
            }
        },
        "/instances/{instance_id}": {
            "get": {
                "operationId": "getInstance",
                "summary": "An instance with its timeline",
                "parameters": [
                    {"name": "instance_id", "in": "path", "required": True, "schema": ID}
                ],
                "responses": {"200": _ok("Instance"), **ERRORS},
            }
        },
    },
}
