"""Schemathesis hooks for the gateway's OpenAPI: what a JSON Schema pattern cannot say.

- `gb11643`: resident identity numbers with a real birth date and the right check character
  (GB 11643), so "schema-valid" requests are valid and reach the policy, not the validator.
  Only synthetic numbers: random Nanjing division codes and dates.
- `application/pkcs10`: the CSR endpoint takes PEM text; the fuzzer sends whatever string it
  generated, and the gateway must answer it with a problem, never a 5xx.
"""

import datetime
import json
import os

import schemathesis
from hypothesis import strategies as st

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CHARS = "10X98765432"
DIVISIONS = ["320102", "320104", "320105", "320106", "320111", "320113", "320114", "320115"]


def check_character(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


@st.composite
def gb11643(draw) -> str:
    division = draw(st.sampled_from(DIVISIONS))
    born = draw(st.dates(min_value=datetime.date(1930, 1, 1), max_value=datetime.date(2020, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{division}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


schemathesis.openapi.format("gb11643", gb11643())


@schemathesis.serializer("application/pkcs10")
def pkcs10(ctx, value):
    return value.encode("utf-8") if isinstance(value, str) else bytes(str(value), "utf-8")


# The matter categories and region codes the Nanjing policy covers, written by the runner
# (scripts/fuzz/api-fuzz.sh) from src/core/policy, so most intake bodies reach the policy
# and end in a signed decision instead of a 422; the rest stay as generated.
POLICY = json.loads(os.environ.get("EGW_FUZZ_POLICY", '{"categories": [], "regions": []}'))


@schemathesis.hook
def flatmap_body(context, body):
    operation = getattr(context, "operation", None)
    if (
        operation is None
        or operation.path != "/v1/verifications"
        or not isinstance(body, dict)
        or not POLICY["categories"]
        or not isinstance(body.get("matter"), dict)
    ):
        return st.just(body)

    def covered(choice):
        region, category = choice
        return {**body, "region": region, "matter": {**body["matter"], "category": category}}

    return st.one_of(
        st.just(body),
        st.tuples(st.sampled_from(POLICY["regions"]), st.sampled_from(POLICY["categories"])).map(covered),
    )
