"""The route table and the documented contract agree (docs/openapi.yaml and
docs/api.md describe every route the daemon serves)."""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
ROUTE = re.compile(r'\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"([^"]+)"')
UNDOCUMENTED = {"/v1/test/clock"}   # test builds only


def routes():
    text = (REPO / "src/http/routes.c").read_text()
    found = set()
    for method, path in ROUTE.findall(text):
        if path in UNDOCUMENTED or not path.startswith(("/v1/", "/healthz",
                                                        "/readyz", "/metrics")):
            continue
        found.add((method.lower(), path))
    return found


def test_every_route_is_in_openapi():
    spec = yaml.safe_load((REPO / "docs/openapi.yaml").read_text())
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops
                  if m in ("get", "post", "put", "patch", "delete")}
    missing = routes() - documented
    assert not missing, f"routes missing from docs/openapi.yaml: {sorted(missing)}"
    stale = documented - routes()
    assert not stale, f"documented but not served: {sorted(stale)}"


def test_every_route_is_in_api_md():
    text = (REPO / "docs/api.md").read_text()
    for method, path in routes():
        assert path in text, f"{method.upper()} {path} not described in docs/api.md"


def test_every_problem_code_is_documented():
    codes = re.findall(r'"(TG-[A-Z]+-\d{3})"', (REPO / "src/http/problem.c").read_text())
    api = (REPO / "docs/api.md").read_text()
    spec = (REPO / "docs/openapi.yaml").read_text()
    for code in codes:
        assert code in api and code in spec, f"{code} missing from the docs"
