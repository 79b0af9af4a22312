"""Every operation through promokit.Client against the emulator, over real HTTP on loopback."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import msgspec
import pytest
from promokit_mayar.emulator import MayarEmulator
from promokit_mayar.provider import MayarProvider

from promokit import (
    AuthenticationError,
    BadRequest,
    Checkout,
    Client,
    Conflict,
    Coupon,
    Fixed,
    InvalidCheckout,
    InvalidInput,
    NotFound,
    Percent,
    Quota,
    Rejection,
    UnsupportedFeature,
)

from .conftest import KEY, NOW, ClientFactory, compact, seed_promotion


def posted(emulator: MayarEmulator, path: str) -> list[bytes]:
    return [r.body for r in emulator.requests if r.method == "POST" and r.path == path]


# -- create and get --------------------------------------------------------------------


async def test_seed_promotion_is_sent_byte_for_byte_and_read_back(
    client: Client, emulator: MayarEmulator
) -> None:
    created = await client.create(seed_promotion())
    fetched = await client.get(created.id or "")

    assert posted(emulator, "/hl/v2/coupons/create") == [compact("create_request.json")]
    assert created.draft() == seed_promotion()
    assert fetched.draft() == seed_promotion()
    assert created.created_at == fetched.created_at == NOW
    assert created.status == fetched.status == "active"
    (coupon,) = fetched.coupons
    assert coupon == Coupon(
        code="haribaik",
        id=created.coupons[0].id,
        coupon_type="reusable",
        active=True,
        limit=100,
        expires_at=seed_promotion().ends_at,
        created_at=NOW,
    )


async def test_every_request_carries_the_bearer_key_and_json_headers(
    client: Client, emulator: MayarEmulator
) -> None:
    created = await client.create(seed_promotion())
    await client.get(created.id or "")
    await client.usage("haribaik")

    assert len(emulator.requests) == 3
    for request in emulator.requests:
        assert request.headers["Authorization"] == "Bearer Paste-Your-API-Key-Here"
        assert request.headers["Accept"] == "application/json"
        assert request.headers["Content-Type"] == "application/json"


async def test_percent_customers_and_products_round_trip(
    client: Client, emulator: MayarEmulator
) -> None:
    first, second = emulator.add_product(), emulator.add_product()
    promotion = seed_promotion(
        name="Diskon Pelanggan Baru",
        code="BARU10",
        discount=Percent(value=Decimal("12.5")),
        customers="new",
        products=(first, second),
        min_purchase=None,
        ends_at=None,
    )

    created = await client.create(promotion)
    fetched = await client.get(created.id or "")

    assert created.draft() == promotion
    assert fetched.draft() == promotion
    body = msgspec.json.decode(posted(emulator, "/hl/v2/coupons/create")[0])
    assert body["products"] == [{"id": first}, {"id": second}]
    assert body["discount"]["eligibleCustomerType"] == "new"


async def test_returning_customers_are_old_on_the_wire(client: Client) -> None:
    created = await client.create(seed_promotion(customers="returning", code="SETIA"))

    assert created.customers == "returning"
    assert (await client.get(created.id or "")).customers == "returning"


async def test_single_use_creates_generated_codes_each_with_limit_one(
    client: Client, emulator: MayarEmulator
) -> None:
    promotion = seed_promotion(coupon_type="single_use", code=None, limit=Quota(uses=50))

    created = await client.create(promotion)
    fetched = await client.get(created.id or "")

    assert created.coupon_type == fetched.coupon_type == "single_use"
    assert created.code is None
    assert len(created.coupons) == len(fetched.coupons) == 50
    assert {c.id for c in created.coupons} == {None}  # create omits onetime coupon ids
    assert None not in {c.id for c in fetched.coupons}  # detail has them
    assert {c.limit for c in fetched.coupons} == {1}
    assert len({c.code for c in fetched.coupons}) == 50
    assert fetched.limit == Quota(uses=50)


async def test_create_bulk_splits_single_use_codes_into_batches_of_50(
    client: Client, emulator: MayarEmulator
) -> None:
    result = await client.create_bulk(seed_promotion(code=None), 120)

    assert [p.limit for p in result.promotions] == [Quota(uses=50), Quota(uses=50), Quota(uses=20)]
    assert len(set(result.codes)) == 120
    assert len(posted(emulator, "/hl/v2/coupons/create")) == 3


async def test_a_bulk_job_stops_on_a_typed_error_and_resumes_without_duplicates(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    promotion = seed_promotion(code=None)
    # One create is refused; the TaskGroup's ExceptionGroup must not reach the caller.
    emulator.faults.add(
        "status",
        status=400,
        body=b'{"statusCode":400,"messages":"Gagal"}',
        method="POST",
        path="/hl/v2/coupons/create",
    )
    async with make_client(max_concurrency=1) as client:
        with pytest.raises(BadRequest) as caught:
            await client.create_bulk(promotion, 120, concurrency=1)
        notes = getattr(caught.value, "__notes__", [])
        assert len(notes) == 1
        assert "create_bulk stopped with 0 of 3 batches created" in notes[0]
        assert "idempotency_key='bulk:shop:" in notes[0]
        assert caught.value.request_id is not None  # the provider's answer, kept whole

        result = await client.create_bulk(promotion, 120, concurrency=1)

    assert len(set(result.codes)) == 120
    assert len(emulator.discounts) == 3  # the refused batch was never created twice


async def test_a_generated_reusable_code_is_returned(client: Client) -> None:
    created = await client.create(seed_promotion(code=None))

    assert created.code is not None
    assert len(created.code) == 8


async def test_a_reused_code_is_conflict(client: Client) -> None:
    await client.create(seed_promotion())

    with pytest.raises(Conflict) as caught:
        await client.create(seed_promotion(name="Diskon Murmer Lagi"))

    assert caught.value.status == 409
    assert caught.value.message == "Coupon code already in use"


async def test_an_unknown_product_is_not_found(client: Client) -> None:
    with pytest.raises(NotFound) as caught:
        await client.create(seed_promotion(products=("4f7c1c1e-0000-0000-0000-000000000000",)))

    assert caught.value.message == "Product Tidak Ditemukan"


async def test_someone_elses_product_is_bad_request(
    client: Client, emulator: MayarEmulator
) -> None:
    foreign = emulator.add_product(owned=False)

    with pytest.raises(BadRequest) as caught:
        await client.create(seed_promotion(products=(foreign,)))

    assert caught.value.message == "Product Tidak Bisa Ditambahkan"


async def test_get_of_an_unknown_id_is_not_found_after_one_request(
    client: Client, emulator: MayarEmulator
) -> None:
    with pytest.raises(NotFound) as caught:
        await client.get("00000000-0000-0000-0000-000000000000")

    assert caught.value.status == 404
    assert len(emulator.requests) == 1


async def test_get_quotes_the_id_into_one_path_segment(
    client: Client, emulator: MayarEmulator
) -> None:
    with pytest.raises(NotFound):
        await client.get("../create")

    assert emulator.requests[0].path == "/hl/v2/coupons/../create"
    assert emulator.requests[0].method == "GET"


async def test_get_rejects_an_empty_id_before_io(client: Client, emulator: MayarEmulator) -> None:
    with pytest.raises(InvalidInput):
        await client.get("  ")

    assert emulator.requests == []


async def test_detail_status_follows_the_clock_and_deactivation(
    client: Client, emulator: MayarEmulator
) -> None:
    created = await client.create(seed_promotion(ends_at=NOW + timedelta(days=1)))
    promotion_id = created.id or ""

    emulator.clock.advance(2 * 86400)
    expired = await client.get(promotion_id)
    emulator.deactivate(promotion_id)
    inactive = await client.get(promotion_id)

    assert expired.status == "expired"
    assert inactive.status == "inactive"
    assert {c.active for c in inactive.coupons} == {False}


async def test_a_wrong_key_is_an_authentication_error(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    async with make_client(api_key="not-the-right-key-1234") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.usage("haribaik")

    assert caught.value.status == 401
    assert caught.value.message == "Unauthorized"


async def test_failures_under_http_200_are_still_typed(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    emulator.failures_as_http_200 = True
    async with make_client() as client:
        await client.create(seed_promotion())
        with pytest.raises(Conflict):
            await client.create(seed_promotion(name="Diskon Kedua"))
        with pytest.raises(NotFound):
            await client.usage("NOPE")
        refused = await client.validate("haribaik", Checkout(amount=1, product_id="x"))

    assert refused.reason is Rejection.NOT_FOUND


# -- validate ------------------------------------------------------------------------------


@pytest.fixture
def link(emulator: MayarEmulator) -> str:
    return emulator.add_product(label="Kelas Online")


async def test_validate_success_computes_the_discount(
    client: Client, emulator: MayarEmulator, link: str
) -> None:
    await client.create(seed_promotion())
    await client.create(
        seed_promotion(name="Diskon Persen", code="PERSEN", discount=Percent(value=Decimal(15)))
    )

    fixed = await client.validate("HARIBAIK", Checkout(amount=750000, product_id=link))
    percent = await client.validate("persen", Checkout(amount=750000, product_id=link))

    assert (fixed.valid, fixed.discount_amount, fixed.reason) == (True, 100000, None)
    assert fixed.coupon is not None
    assert fixed.coupon.code == "haribaik"
    assert (percent.valid, percent.discount_amount) == (True, 112500)
    assert fixed.provider == "shop"
    body = msgspec.json.decode(posted(emulator, "/hl/v2/coupons/validate")[0])
    assert body == {"couponCode": "HARIBAIK", "paymentLinkId": link, "amount": 750000}


async def test_the_99_percent_cap_is_refused_by_us_but_99_works(
    client: Client, emulator: MayarEmulator, link: str
) -> None:
    await client.create(seed_promotion(code="HAMPIR", discount=Percent(value=Decimal(99))))

    validation = await client.validate("HAMPIR", Checkout(amount=1_000_000, product_id=link))

    assert validation.discount_amount == 990000


async def test_validate_without_product_id_raises_before_io(
    client: Client, emulator: MayarEmulator
) -> None:
    with pytest.raises(InvalidCheckout) as caught:
        await client.validate("haribaik", Checkout(amount=600000))

    assert [p.path for p in caught.value.problems] == ["product_id"]
    assert "paymentLinkId" in caught.value.problems[0].message
    assert emulator.requests == []


async def test_validate_with_another_currency_raises_before_io(
    client: Client, emulator: MayarEmulator
) -> None:
    with pytest.raises(InvalidCheckout) as caught:
        await client.validate("haribaik", Checkout(amount=60, currency="USD", product_id="p"))

    assert [p.path for p in caught.value.problems] == ["currency"]
    assert emulator.requests == []


async def test_a_validator_error_on_validate_is_raised_with_fields(
    client: Client, link: str
) -> None:
    await client.create(seed_promotion())

    with pytest.raises(BadRequest) as caught:
        await client.validate(
            "haribaik", Checkout(amount=600000, product_id=link, customer_email="not-an-email")
        )

    assert caught.value.message == "Validation Error"
    assert [f.path for f in caught.value.fields] == ["customerEmail"]


async def refusal(client: Client, code: str, checkout: Checkout) -> tuple[Rejection | None, str]:
    validation = await client.validate(code, checkout)
    assert validation.valid is False
    assert validation.discount_amount == 0
    return validation.reason, validation.message or ""


async def test_unknown_code_and_unbound_product_are_not_found(
    client: Client, emulator: MayarEmulator, link: str
) -> None:
    bound = emulator.add_product()
    await client.create(seed_promotion(products=(bound,)))
    text = "Gagal! Kode diskon ini tidak ditemukan."

    assert await refusal(client, "NOPE", Checkout(amount=9, product_id=link)) == (
        Rejection.NOT_FOUND,
        text,
    )
    assert await refusal(client, "haribaik", Checkout(amount=600000, product_id=link)) == (
        Rejection.NOT_FOUND,
        text,
    )


async def test_inactive_not_started_and_expired(
    client: Client, emulator: MayarEmulator, link: str
) -> None:
    inactive = await client.create(seed_promotion(code="MATI"))
    later = await client.create(seed_promotion(code="NANTI"))
    ending = await client.create(seed_promotion(code="USAI", ends_at=NOW + timedelta(hours=1)))
    emulator.deactivate(inactive.id or "")
    emulator.set_starts_at(later.id or "", NOW + timedelta(days=3))
    checkout = Checkout(amount=600000, product_id=link)

    assert await refusal(client, "MATI", checkout) == (
        Rejection.INACTIVE,
        "Gagal! Kode diskon ini sudah tidak aktif.",
    )
    assert await refusal(client, "NANTI", checkout) == (
        Rejection.NOT_STARTED,
        "Gagal! Kode diskon ini belum berlaku dan tidak dapat digunakan.",
    )
    emulator.clock.advance(7200)
    assert await refusal(client, "USAI", checkout) == (
        Rejection.EXPIRED,
        "Gagal! Kode diskon ini telah kadaluarsa dan tidak dapat digunakan.",
    )
    assert ending.status == "active"


async def test_ineligible_product_type_and_minimum_purchase(
    client: Client, emulator: MayarEmulator, link: str
) -> None:
    request = emulator.add_product(label="Payment Request", kind="payment_request")
    await client.create(seed_promotion())

    assert await refusal(client, "haribaik", Checkout(amount=600000, product_id=request)) == (
        Rejection.PRODUCT_NOT_ELIGIBLE,
        "Gagal! Kode diskon tidak dapat digunakan untuk produk Payment Request",
    )
    assert await refusal(client, "haribaik", Checkout(amount=499999, product_id=link)) == (
        Rejection.MIN_PURCHASE_NOT_MET,
        "Kode diskon ini hanya berlaku untuk transaksi dengan harga minimal 500000.",
    )


async def test_customer_restrictions_use_the_email(
    client: Client, emulator: MayarEmulator, link: str
) -> None:
    emulator.add_returning_customer("setia@example.com")
    await client.create(seed_promotion(code="BARU", customers="new"))
    await client.create(seed_promotion(code="LAMA", customers="returning"))
    old = Checkout(amount=600000, product_id=link, customer_email="setia@example.com")
    new = Checkout(amount=600000, product_id=link, customer_email="baru@example.com")

    reason, message = await refusal(client, "BARU", old)
    assert reason is Rejection.CUSTOMER_NOT_ELIGIBLE
    assert "pelanggan" in message
    reason, _ = await refusal(client, "LAMA", new)
    assert reason is Rejection.CUSTOMER_NOT_ELIGIBLE
    assert (await client.validate("BARU", new)).valid is True
    assert (await client.validate("LAMA", old)).valid is True


async def test_usage_limit_reached(client: Client, emulator: MayarEmulator, link: str) -> None:
    await client.create(seed_promotion(limit=Quota(uses=2)))
    emulator.redeem("haribaik", times=2)

    assert await refusal(client, "haribaik", Checkout(amount=600000, product_id=link)) == (
        Rejection.USAGE_LIMIT_REACHED,
        "Gagal! Kode diskon telah mencapai batas pemakaian dan tidak dapat digunakan kembali.",
    )


# -- usage ---------------------------------------------------------------------------------


async def test_usage_counts_redemptions(client: Client, emulator: MayarEmulator) -> None:
    await client.create(seed_promotion(limit=Quota(uses=3)))

    fresh = await client.usage("haribaik")
    emulator.redeem("haribaik", times=3)
    spent = await client.usage("HARIBAIK")

    assert (fresh.used, fresh.limit, fresh.remaining, fresh.exhausted) == (0, 3, 3, False)
    assert (spent.used, spent.limit, spent.remaining, spent.exhausted) == (3, 3, 0, True)
    assert spent.code == "haribaik"
    assert msgspec.json.decode(posted(emulator, "/hl/v2/coupons/check")[0]) == {
        "couponCode": "haribaik"
    }


async def test_usage_limit_zero_is_unlimited(client: Client, emulator: MayarEmulator) -> None:
    await client.create(seed_promotion())
    emulator.set_coupon_limit("haribaik", 0)
    emulator.redeem("haribaik", times=1000)

    usage = await client.usage("haribaik")

    assert (usage.used, usage.limit, usage.remaining, usage.exhausted) == (1000, None, None, False)


async def test_usage_of_an_unknown_code_is_not_found(client: Client) -> None:
    with pytest.raises(NotFound) as caught:
        await client.usage("TIDAKADA")

    assert caught.value.message == "Kode kupon tidak ditemukan."
    assert caught.value.status == 404


async def test_usage_rejects_codes_mayar_cannot_check_before_io(
    client: Client, emulator: MayarEmulator
) -> None:
    with pytest.raises(InvalidInput):
        await client.usage("X" * 51)
    with pytest.raises(InvalidInput):
        await client.usage("")

    assert emulator.requests == []


# -- list and find ---------------------------------------------------------------------------


async def make_many(client: Client, emulator: MayarEmulator, count: int) -> list[str]:
    ids = []
    for index in range(count):
        created = await client.create(seed_promotion(name=f"Promo Nomor {index}", code=f"P{index}"))
        ids.append(created.id or "")
        emulator.clock.advance(1)
    return ids


async def test_list_walks_pages_lazily_with_the_cursor(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    async with make_client(options={"page_size": 3}) as client:
        ids = await make_many(client, emulator, 7)
        emulator.requests.clear()
        pages = client.list()

        first = await anext(pages)
        after_first = len(emulator.requests)
        rest = [promotion async for promotion in pages]

    listed = [first, *rest]
    assert after_first == 1  # one page fetched for the first item
    assert [p.id for p in listed] == list(reversed(ids))  # newest first
    queries = [r.query for r in emulator.requests]
    assert queries == [
        {"limit": "3"},
        {"limit": "3", "startingAfter": ids[4]},
        {"limit": "3", "startingAfter": ids[1]},
    ]
    assert listed[0].discount == Fixed(amount=100000)
    assert listed[0].status == "active"
    assert listed[0].created_at == NOW + timedelta(seconds=6)
    assert listed[0].ends_at == seed_promotion().ends_at


@pytest.mark.parametrize(("options", "limit"), [({}, "10"), ({"page_size": 50}, "50")])
async def test_the_page_size_is_the_documented_default_unless_chosen(
    make_client: ClientFactory, emulator: MayarEmulator, options: dict[str, int], limit: str
) -> None:
    # The list page documents limit's default (10); 50 is the V2 lists' maximum.
    async with make_client(options=options) as client:
        await make_many(client, emulator, 12)
        emulator.requests.clear()
        listed = [promotion async for promotion in client.list()]

    assert len(listed) == 12
    assert {r.query["limit"] for r in emulator.requests} == {limit}
    assert len(emulator.requests) == (2 if limit == "10" else 1)


async def test_list_filters_by_search_status_and_product(
    client: Client, emulator: MayarEmulator
) -> None:
    product = emulator.add_product()
    tagged = await client.create(
        seed_promotion(name="Promo Produk", code="PROD", products=(product,))
    )
    gone = await client.create(seed_promotion(name="Promo Lama", code="LAMA"))
    await client.create(seed_promotion(name="Diskon Lain", code="LAIN"))
    later = await client.create(seed_promotion(name="Diskon Nanti", code="NANTI"))
    emulator.deactivate(gone.id or "")
    emulator.set_starts_at(later.id or "", NOW + timedelta(days=1))

    async def ids(**filters: str) -> list[str | None]:
        return [p.id async for p in client.list(**filters)]

    assert await ids(search="promo") == [gone.id, tagged.id]
    assert await ids(product_id=product) == [tagged.id]
    assert await ids(status="inactive") == [gone.id]
    assert await ids(status="scheduled") == [later.id]
    assert emulator.requests[-1].query["status"] == "upcoming"


async def test_list_rejects_an_unknown_status_before_io(
    client: Client, emulator: MayarEmulator
) -> None:
    with pytest.raises(InvalidInput):
        _ = [p async for p in client.list(status="aktif")]

    assert emulator.requests == []


async def test_list_with_detail_returns_exact_promotions(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    async with make_client(options={"list_detail": True}) as client:
        created = await client.create(
            seed_promotion(discount=Percent(value=Decimal(5)), customers="new")
        )
        listed = [p async for p in client.list()]

    assert [p.draft() for p in listed] == [created.draft()]
    assert listed[0].coupons[0].limit == 100


async def test_a_list_entry_is_a_faithful_summary(client: Client) -> None:
    await client.create(seed_promotion(discount=Percent(value=Decimal(10))))

    (summary,) = [p async for p in client.list()]

    assert summary.discount == Percent(value=Decimal(10))
    assert summary.name == "Diskon Murmer"
    assert (summary.code, summary.coupons, summary.limit, summary.min_purchase) == (
        None,
        (),
        None,
        None,
    )


async def test_find_looks_the_code_up_by_name_then_detail(
    client: Client, provider: MayarProvider, emulator: MayarEmulator
) -> None:
    await client.create(seed_promotion(code="LAINNYA"))
    created = await client.create(seed_promotion())
    await client.create(seed_promotion(name="Diskon Murmer Besar", code="BESAR"))
    emulator.requests.clear()

    found = await provider.find(seed_promotion(code="HariBaik"))
    missing = await provider.find(seed_promotion(code="TIDAKADA"))

    assert found is not None
    assert found.id == created.id
    assert found.draft() == seed_promotion()
    assert missing is None
    assert emulator.requests[0].query == {"limit": "10", "search": "Diskon Murmer"}


async def test_find_without_a_natural_key_is_unsupported(provider: MayarProvider) -> None:
    with pytest.raises(UnsupportedFeature, match="generated reusable code"):
        await provider.find(seed_promotion(code=None))


async def test_one_time_coupons_are_found_by_their_discount_name(
    client: Client, provider: MayarProvider
) -> None:
    single = seed_promotion(
        coupon_type="single_use", code=None, limit=Quota(uses=3), name="Welcome batch [1/2 ab12cd]"
    )
    created = await client.create(single)
    found = await provider.find(single)
    assert found is not None
    assert found.id == created.id
    assert (
        await provider.find(
            seed_promotion(coupon_type="single_use", code=None, name="Welcome batch [2/2 ab12cd]")
        )
        is None
    )


async def test_the_key_never_appears_in_the_recorded_bodies(
    client: Client, emulator: MayarEmulator
) -> None:
    await client.create(seed_promotion())
    await client.usage("haribaik")

    assert all(KEY.encode() not in r.body for r in emulator.requests)


async def test_a_v1_shaped_create_answer_reads_like_the_detail(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    emulator.v1_create_answers = True
    async with make_client() as client:
        created = await client.create(seed_promotion())
        assert created.id is not None
        fetched = await client.get(created.id)

    assert created.status == fetched.status == "active"
    assert [coupon.active for coupon in created.coupons] == [True]
    assert created.draft() == fetched.draft()
