"""An answer is searched for a key's few probes, not each of its forms: none slips past."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from promokit.http.failures import Failures
from promokit.http.redact import secret_forms, secret_probes
from promokit.http.request import Request, Response

KEYS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40
)


@given(key=KEYS, before=st.binary(max_size=20), after=st.binary(max_size=20))
def test_a_body_holding_any_form_of_a_key_holds_one_of_its_probes(
    key: str, before: bytes, after: bytes
) -> None:
    forms = secret_forms(key)
    probes = [probe.encode() for probe in secret_probes(forms)]
    for form in forms:
        body = before + form.encode() + after
        assert any(probe in body for probe in probes)


def test_a_key_and_its_quoted_forms_share_one_probe_and_its_basic_forms_another() -> None:
    forms = secret_forms("sk_live_ABCDEFGH/xyz+12")
    assert len(forms) == 4
    assert sorted(secret_probes(forms)) == ["c2tfbGl2ZV9BQkNERUZHSC94eXorMTI6", "sk_live_ABCDEFGH"]
    assert secret_probes(secret_forms("/short")) == secret_forms("/short")  # heads too short


@given(key=KEYS.filter(lambda key: len(key) >= 8))
def test_every_form_echoed_in_an_answer_is_masked_before_anything_reads_it(key: str) -> None:
    failures = Failures(
        provider="p",
        base_url="https://gateway.invalid",
        error_parser=lambda response: None,
        secrets=(key,),
        credential_hint="",
        max_body=1 << 20,
    )
    request = Request("GET", "https://gateway.invalid/x", "get", None, None, 0.0, True, True)
    for form in secret_forms(key):
        body = b'{"echo":"' + form.encode() + b'"}'
        answer = failures.check(Response(200, {}, body, "rid", "GET", "u"), request, "rid")
        assert all(other.encode() not in answer.body for other in secret_forms(key))
