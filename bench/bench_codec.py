"""Codec: response bytes to neutral Promotions with msgspec versus stdlib json (and pydantic v2).

Three payloads, all from the providers' documented examples: one Mayar detail
response, one Durianpay promo, and a Durianpay fetch-all page of 100 promos
(the documented promo varied across discount, limit and payment types). Each
goes from bytes to neutral :class:`promokit.Promotion` objects by

* ``promokit``: the plugin's msgspec wire Structs + its mapping (the real path);
* ``json + hand mapping`` (baseline): ``json.loads`` and a hand-written mapping of
  the dicts to the very same Promotions;
* ``pydantic v2 + mapping`` (optional, ``pip install -e '.[bench]'``): pydantic
  models of the wire shape (``model_validate_json``) fed to the plugin's mapping.

All variants are checked to produce equal Promotions before timing. Timings are
per decode, variants alternate within every repeat, and the speed-up is the
baseline's time over the variant's, per repeat. Every variant is timed twice:
with the cycle collector paused (timeit's default, the steadier number) and
running, as in an application, where the objects a decode allocates also cost
the collections they trigger. The targets are judged on the second.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
from _common import (
    DURIANPAY_FIXTURES,
    MAYAR_FIXTURES,
    Samples,
    machine_line,
    markdown_table,
    optional,
    progress,
    ratio_samples,
    say,
    verdict,
)
from promokit_durianpay import mapping as dp_mapping
from promokit_durianpay import wire as dp_wire
from promokit_mayar import mapping as my_mapping
from promokit_mayar import wire as my_wire

from promokit.http import codec
from promokit.model import (
    Budget,
    CardScope,
    Coupon,
    EwalletScope,
    Fixed,
    Percent,
    Promotion,
    Quota,
    Status,
    VirtualAccountScope,
)

NOW = datetime(2026, 7, 1, tzinfo=UTC)
BASELINE = "json + hand mapping"
PAGE_TARGET = 3.0
SINGLE_TARGET_US = 10.0

Decode = Callable[[bytes], Any]


# -- payloads ---------------------------------------------------------------------


def compact(data: Any) -> bytes:
    """JSON as a server sends it (no whitespace), key order kept."""
    return msgspec.json.encode(data)


def mayar_detail_body() -> bytes:
    """Mayar's documented detail response, compacted."""
    return compact(json.loads((MAYAR_FIXTURES / "detail_response.json").read_bytes()))


def durianpay_body() -> bytes:
    """Durianpay's documented fetch-one promo, compacted."""
    return compact(json.loads((DURIANPAY_FIXTURES / "fetch_one_response.json").read_bytes()))


def durianpay_page(count: int = 100) -> bytes:
    """A fetch-all page of ``count`` promos varied from the documented one."""
    base = json.loads((DURIANPAY_FIXTURES / "fetch_one_response.json").read_bytes())
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("card_promos", {"bin_list": [412345, 523456], "bank_codes": ["BCA"]}),
        ("ewallet_promos", {"wallet_types": ["OVO", "DANA"]}),
        ("va_promos", {"bank_codes": ["BNI", "MANDIRI"]}),
    ]
    promos = []
    for index in range(count):
        promo = copy.deepcopy(base)
        promo_type, details = kinds[index % 3]
        percentage = index % 2 == 0
        promo.update(
            id=f"prm_{index:07d}",
            label=f"PROMO{index}",
            code=f"CODE{index}",
            description=f"Promo number {index}" if index % 4 else "",
            status=("active", "inactive", "expired")[index % 3],
            starts_at=f"2026-0{1 + index % 9}-05T12:30:00.000Z",
            ends_at=f"2026-12-{10 + index % 18}T12:30:00.000Z",
            created_at="2026-01-01T08:00:00.000Z",
            updated_at="2026-01-02T09:15:00.000Z",
            type=promo_type,
            promo_details={"promo_id": f"prm_{index:07d}", **details},
            discount_type="percentage" if percentage else "flat",
            discount=str(5 + index % 40) if percentage else 10_000 + 500 * index,
            max_discount_amount="75000" if percentage else "",
            min_order_amount=str(50_000 * (index % 5)),
            limit_type="quota" if index % 5 else "budget",
            limit_value=str(100 + index) if index % 5 else "5000000",
            promo_usage=str(index % 17),
            sub_type=("direct_discount", "cashback", "direct_dicsount")[index % 3],
            price_deduction_type=("total_price", "product_price", "shipping_price")[index % 3],
        )
        promo.pop("limit", None)
        promos.append(promo)
    return compact({"data": promos})


# -- promokit (msgspec) -------------------------------------------------------------

_MAYAR_DETAIL = codec.decoder(my_wire.DetailResponse)
_DP_PAGE = codec.decoder(dp_wire.PromoListEnvelope)  # the lenient decoder alone (every hook)


def _dp_promo(body: bytes) -> dp_wire.Promo:
    return codec.decode(body, dp_wire.Promo, provider="durianpay", operation="get")


def _dp_page(body: bytes) -> dp_wire.PromoListEnvelope:
    return codec.decode(body, dp_wire.PromoListEnvelope, provider="durianpay", operation="list")


def promokit_mayar(body: bytes) -> Promotion:
    """What ``MayarProvider.get`` does with a detail body (``codec.decode`` + mapping)."""
    detail = codec.decode(body, my_wire.DetailResponse, provider="mayar", operation="get")
    return my_mapping.promotion_from_detail(detail.data, alias="mayar", now=NOW)


def promokit_durianpay(body: bytes) -> Promotion:
    """A bare Durianpay promo (fetch-one as documented) to a Promotion."""
    promo = codec.decode(body, dp_wire.Promo, provider="durianpay", operation="get")
    return dp_mapping.to_promotion(promo, provider="durianpay", operation="get", at="$")


def promokit_page(body: bytes) -> list[Promotion]:
    """What ``DurianpayProvider.list`` does with one fetch-all page."""
    promos = dp_wire.decode_page(body, provider="durianpay", operation="list")
    return dp_mapping.to_promotions(enumerate(promos), provider="durianpay", operation="list")


# -- stdlib json + hand mapping (the baseline) ----------------------------------------


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int):
        return datetime.fromtimestamp(value / 1000, UTC)
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _decimal(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _plain(value: Decimal) -> Decimal:
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


_MY_CUSTOMERS = {"all": "all", "new": "new", "old": "returning"}


def hand_mayar(body: bytes) -> Promotion:
    """json.loads and a hand mapping of Mayar's detail response."""
    data = json.loads(body)["data"]
    coupons = tuple(
        Coupon(
            code=item["code"],
            id=item["id"],
            coupon_type="single_use" if item["type"] == "onetime" else "reusable",
            active=item["isActive"],
            limit=item["limit"],
            expires_at=_utc(item.get("expiredAt")),
            created_at=_utc(item.get("createdAt")),
        )
        for item in data.get("coupons", ())
    )
    single = bool(coupons) and data["coupons"][0]["type"] == "onetime"
    ends_at = _utc(data.get("expiredAt"))
    status: Status
    if coupons and not any(item["isActive"] for item in data["coupons"]):
        status = "inactive"
    elif ends_at is not None and ends_at <= NOW:
        status = "expired"
    else:
        status = "active"
    value = _decimal(data["value"])
    discount: Percent | Fixed = (
        Percent(value=_plain(value))
        if data["discountType"] == "percentage"
        else Fixed(amount=int(value))
    )
    total = data["totalCoupons"]
    return Promotion(
        name=data["name"],
        discount=discount,
        code=coupons[0].code if not single and len(coupons) == 1 else None,
        coupon_type="single_use" if single else "reusable",
        min_purchase=data.get("minimumPurchase"),
        limit=Quota(uses=total) if total > 0 else None,
        ends_at=ends_at,
        customers=_MY_CUSTOMERS[data["eligibleCustomerType"]],  # type: ignore[arg-type]
        products=tuple(
            product
            for item in data.get("productDiscount", ())
            if (product := item.get("productId") or item.get("paymentLinkId") or item.get("id"))
        ),
        id=data["id"],
        provider="mayar",
        status=status,
        coupons=coupons,
        created_at=_utc(data["createdAt"]),
    )


_DP_REWARD = {"direct_discount": "discount", "cashback": "cashback", "direct_dicsount": "discount"}
_DP_APPLIES = {"total_price": "order", "product_price": "items", "shipping_price": "shipping"}
_DP_STATUS = {"inactive": "inactive", "active": "active", "expired": "expired"}


def hand_promo(promo: dict[str, Any]) -> Promotion:
    """One Durianpay promo dict to a Promotion, by hand (same rules as the plugin)."""
    cap = _int(promo.get("max_discount_amount"))
    extensions: dict[str, dict[str, Any]] = {}
    if promo["discount_type"] == "percentage":
        value = _decimal(promo["discount"])
        discount: Percent | Fixed = Percent(value=value, max_amount=cap or None)
    else:
        amount = _int(promo["discount"])
        assert amount is not None
        discount = Fixed(amount=amount)
        if cap:
            extensions["durianpay"] = {"max_discount_amount": str(cap)}
    raw_limit = promo.get("limit_value")
    if raw_limit is None or raw_limit == "":
        raw_limit = promo.get("limit")
    limit_value = _int(raw_limit)
    limit: Quota | Budget | None = None
    if limit_value:
        limit = (
            Quota(uses=limit_value)
            if promo.get("limit_type") == "quota"
            else Budget(amount=limit_value)
        )
    details = promo.get("promo_details") or {}
    kind = promo["type"]
    scope: CardScope | EwalletScope | VirtualAccountScope
    if kind == "card_promos":
        scope = CardScope(
            bins=tuple(str(b) for b in details.get("bin_list") or ()),
            banks=tuple(details.get("bank_codes") or ()),
        )
    elif kind == "ewallet_promos":
        scope = EwalletScope(wallets=tuple(details.get("wallet_types") or ()))
    else:
        scope = VirtualAccountScope(banks=tuple(details.get("bank_codes") or ()))
    status = _DP_STATUS.get(promo.get("status", ""), "unknown")
    ends_at = _utc(promo.get("ends_at"))
    created_at = _utc(promo.get("created_at"))
    code = promo.get("code") or None
    coupons: tuple[Coupon, ...] = ()
    if code is not None:
        coupons = (
            Coupon(
                code=code,
                active=status == "active",
                limit=limit.uses if isinstance(limit, Quota) else None,
                used=None if isinstance(limit, Budget) else (_int(promo.get("promo_usage")) or 0),
                expires_at=ends_at,
                created_at=created_at,
            ),
        )
    return Promotion(
        name=promo["label"],
        discount=discount,
        description=promo.get("description") or None,
        code=code,
        currency=promo.get("currency") or "IDR",
        min_purchase=_int(promo.get("min_order_amount")),
        limit=limit,
        starts_at=_utc(promo.get("starts_at")),
        ends_at=ends_at,
        payment=scope,
        reward=_DP_REWARD[promo.get("sub_type") or "direct_discount"],  # type: ignore[arg-type]
        applies_to=_DP_APPLIES[promo.get("price_deduction_type") or "total_price"],  # type: ignore[arg-type]
        extensions=extensions,
        id=promo["id"],
        provider="durianpay",
        status=status,  # type: ignore[arg-type]
        coupons=coupons,
        created_at=created_at,
        updated_at=_utc(promo.get("updated_at")),
    )


_DP_TIMES = ("starts_at", "ends_at", "created_at", "updated_at")


def _instant(value: str) -> codec.Instant:
    parsed = codec.Instant.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)


def hand_wire_promo(promo: dict[str, Any]) -> dp_wire.Promo:
    """One promo dict to the plugin's wire Struct by hand (what msgspec does for us)."""
    fields = dict(promo)
    for name in _DP_TIMES:
        value = fields.get(name)
        if value is not None:
            fields[name] = _instant(value)
    # promo_details stays the verbatim object the lenient wire Struct holds.
    return dp_wire.Promo(**fields)


def hand_wire_page(body: bytes) -> dp_wire.PromoListEnvelope:
    """json.loads and hand construction of the page's wire Structs."""
    data = json.loads(body)["data"]
    return dp_wire.PromoListEnvelope(
        data=None if data is None else [hand_wire_promo(promo) for promo in data]
    )


def hand_durianpay(body: bytes) -> Promotion:
    """json.loads and the hand mapping of one promo."""
    return hand_promo(json.loads(body))


def hand_page(body: bytes) -> list[Promotion]:
    """json.loads and the hand mapping of a page."""
    return [hand_promo(promo) for promo in json.loads(body)["data"] or ()]


# -- pydantic v2 (optional) -----------------------------------------------------------


def pydantic_variants() -> dict[str, Decode]:
    """pydantic models of the wire shapes, fed to the plugins' own mappings."""
    from pydantic import BaseModel, ConfigDict, Field
    from pydantic.alias_generators import to_camel

    class PdDetails(BaseModel):
        promo_id: str | None = None
        bin_list: list[int | str] | None = None
        bank_codes: list[str] | None = None
        wallet_types: list[str] | None = None

    class PdPromo(BaseModel):
        id: str
        label: str
        discount: int | float | str | None
        discount_type: str
        type: str
        currency: str = ""
        description: str | None = None
        code: str | None = None
        status: str = ""
        starts_at: datetime | None = None
        ends_at: datetime | None = None
        min_order_amount: int | str | None = None
        max_discount_amount: int | str | None = None
        promo_details: PdDetails | None = None
        sub_type: str = ""
        limit_type: str = ""
        limit_value: int | str | None = None
        limit: int | str | None = None
        price_deduction_type: str = ""
        promo_type: str | None = None
        amount: int | float | str | None = None
        created_at: datetime | None = None
        updated_at: datetime | None = None
        is_live: bool | None = None
        promo_usage: int | str | None = None

    class PdPage(BaseModel):
        data: list[PdPromo] | None = None

    class Camel(BaseModel):
        model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    class PdCoupon(Camel):
        id: str
        code: str
        created_at: datetime | None = None
        discount_id: str | None = None
        end_month_trial: str | None = None
        expired_at: datetime | None = None
        is_active: bool
        limit: int
        type: str
        updated_at: datetime | None = None
        user_id: str | None = None

    class PdProductDiscount(Camel):
        id: str | None = None
        product_id: str | None = None
        payment_link_id: str | None = None
        discount_id: str | None = None

    class PdDetail(Camel):
        id: str
        created_at: datetime
        expired_at: datetime | None = None
        product_discount: list[PdProductDiscount] = Field(default_factory=list)
        discount_type: str
        discount_product_type: str | None = None
        eligible_customer_type: str
        name: str
        minimum_purchase: int | None = None
        is_life_time: bool | None = None
        total_coupons: int
        value: Decimal
        coupons: list[PdCoupon] = Field(default_factory=list)
        status: str | None = None

    class PdDetailResponse(Camel):
        status_code: int
        messages: str | None = None
        message: str | None = None
        data: PdDetail

    def mayar(body: bytes) -> Promotion:
        detail: Any = PdDetailResponse.model_validate_json(body)
        return my_mapping.promotion_from_detail(detail.data, alias="mayar", now=NOW)

    def durianpay(body: bytes) -> Promotion:
        promo: Any = PdPromo.model_validate_json(body)
        return dp_mapping.to_promotion(promo, provider="durianpay", operation="get", at="$")

    def page(body: bytes) -> list[Promotion]:
        parsed: Any = PdPage.model_validate_json(body)
        return [
            dp_mapping.to_promotion(
                promo, provider="durianpay", operation="list", at=f"$.data[{index}]"
            )
            for index, promo in enumerate(parsed.data or ())
        ]

    return {"mayar": mayar, "durianpay": durianpay, "page": page}


# -- the run --------------------------------------------------------------------------


@dataclass
class Case:
    """One payload and the decoders that turn it into Promotions."""

    title: str
    body: bytes
    decoders: dict[str, Decode]
    results: dict[tuple[str, str], Samples] = field(default_factory=dict)


def build_cases(with_pydantic: bool) -> list[Case]:
    """The three payloads with their decoders (baseline first)."""
    mayar = mayar_detail_body()
    promo = durianpay_body()
    page = durianpay_page(100)
    cases = [
        Case(
            f"Mayar detail response → 1 Promotion ({len(mayar)} B)",
            mayar,
            {BASELINE: hand_mayar, "promokit (msgspec)": promokit_mayar},
        ),
        Case(
            f"Durianpay promo → 1 Promotion ({len(promo)} B)",
            promo,
            {BASELINE: hand_durianpay, "promokit (msgspec)": promokit_durianpay},
        ),
        Case(
            f"Durianpay page of 100 promos → 100 Promotions ({len(page) // 1024} KiB)",
            page,
            {BASELINE: hand_page, "promokit (msgspec)": promokit_page},
        ),
    ]
    cases[0].decoders["promokit wire decode only"] = _MAYAR_DETAIL.decode
    cases[1].decoders["promokit wire decode only"] = _dp_promo
    cases[2].decoders["promokit wire decode only"] = _dp_page
    cases.append(
        Case(
            f"Durianpay page of 100 promos → wire Structs only ({len(page) // 1024} KiB)",
            page,
            {BASELINE: hand_wire_page, "promokit (msgspec)": _DP_PAGE.decode},
        )
    )
    if with_pydantic:
        extra = pydantic_variants()
        for case, key in zip(cases[:3], ("mayar", "durianpay", "page"), strict=True):
            case.decoders["pydantic v2 + mapping"] = extra[key]
    for case in cases:
        expected = case.decoders["promokit (msgspec)"](case.body)
        for name, decode in case.decoders.items():
            if "decode only" not in name and decode(case.body) != expected:
                raise SystemExit(f"{name} does not produce the same Promotions for {case.title}")
        case.results = {(name, mode): Samples() for name in case.decoders for mode in GC_MODES}
    return cases


GC_MODES = ("gc on", "gc off")


def per_call_us(decode: Decode, body: bytes, number: int, *, gc_on: bool = True) -> float:
    """Microseconds per call over ``number`` calls, with the cycle collector on or off."""
    # timeit pauses the collector around the loop; a setup of gc.enable turns it back on.
    timer = timeit.Timer(lambda: decode(body), setup=gc.enable if gc_on else "pass")
    return timer.timeit(number) / number * 1e6


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables; returns 1 if a target was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--block", type=float, default=0.1, help="seconds per timing block")
    parser.add_argument("--quick", action="store_true", help="3 repeats, shorter blocks")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.block = 3, 0.05
    with_pydantic = optional("pydantic")
    say("## Codec (bench/bench_codec.py)")
    say()
    say(machine_line())
    if with_pydantic:
        import pydantic

        say(f"msgspec {msgspec.__version__}, pydantic {pydantic.VERSION}")
    else:
        say(f"msgspec {msgspec.__version__}")
        say("skipped: pydantic v2 variant (pydantic not installed: pip install -e '.[bench]')")
    say(f"{args.repeats} repeats of ~{args.block:g} s per variant; variants alternate")
    cases = build_cases(with_pydantic)
    for case in cases:
        numbers = {
            name: max(10, int(args.block / (per_call_us(decode, case.body, 20) / 1e6)))
            for name, decode in case.decoders.items()
        }
        names = list(case.decoders)
        for repeat in range(args.repeats):
            shift = repeat % len(names)
            for name in names[shift:] + names[:shift]:
                for mode in GC_MODES:
                    case.results[name, mode].add(
                        per_call_us(
                            case.decoders[name],
                            case.body,
                            numbers[name],
                            gc_on=mode == "gc on",
                        )
                    )
        progress(f"  done: {case.title}")

    missed = False
    for index, case in enumerate(cases):
        say()
        say(f"### {case.title}")
        say()
        rows = []
        for mode in GC_MODES:
            baseline = case.results[BASELINE, mode]
            for name in case.decoders:
                samples = case.results[name, mode]
                speedup = ratio_samples(baseline, samples)
                check = ""
                if name == "promokit (msgspec)" and index < 3 and mode == "gc on":
                    if index == 2:
                        check = verdict(speedup.median, PAGE_TARGET, higher_is_better=True)
                        check += f" (≥ {PAGE_TARGET:g}× faster)"
                    else:
                        check = verdict(samples.median, SINGLE_TARGET_US, higher_is_better=False)
                        check += f" (< {SINGLE_TARGET_US:g} µs)"
                    missed = missed or check.startswith("MISS")
                rows.append(
                    [
                        name,
                        mode,
                        samples.spread("{:.2f}"),
                        ratio_samples(samples, baseline).spread("{:.3f}"),
                        speedup.spread("{:.2f}") + "×",
                        check,
                    ]
                )
        say(
            markdown_table(
                [
                    "variant",
                    "collector",
                    "µs per decode median (min–max)",
                    "time ratio vs baseline",
                    "speed-up vs baseline",
                    "target",
                ],
                rows,
            )
        )
    say()
    say(
        f"Baseline: {BASELINE} (to the same objects as the promokit row). 'wire decode "
        "only' stops at the plugin's wire Structs (no neutral mapping); the last table "
        "compares that step alone with json.loads + building the same wire Structs by hand."
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
