"""The API's routers, one module per resource, and the guards their operations declare."""

from __future__ import annotations

from fastapi import Depends

from adapters.http.auth import authorize
from adapters.http.deps import json_body
from application.api_keys import Scope

#: Route dependencies: authentication with the scope first, then (for writes) the JSON body check.
READ = [authorize(Scope.LEDGER_READ)]
WRITE = [authorize(Scope.LEDGER_WRITE), Depends(json_body)]
ADMIN = [authorize(Scope.ADMIN), Depends(json_body)]

#: Error statuses of reads and of writes (routes add their own, such as 404 or 409).
READ_ERRORS = (401, 403, 422)
WRITE_ERRORS = (400, 401, 403, 413, 415, 422, 503)
