"""Mayar's documented response messages, verbatim (Indonesian where Mayar writes Indonesian)."""

from __future__ import annotations

# Envelope words (https://docs.mayar.id/api-reference-v2/introduction).
SUCCESS = "success"
FAILED = "failed"
VALIDATION_ERROR = "Validation Error"
UNAUTHORIZED = "Unauthorized"
INTERNAL_SERVER_ERROR = "Internal Server Error"
TOO_MANY_REQUESTS = "Too Many Requests"

# POST /coupons/create (https://docs.mayar.id/api-reference-v2/discount/create).
PRODUCT_NOT_OWNED = "Product Tidak Bisa Ditambahkan"
PRODUCT_NOT_FOUND = "Product Tidak Ditemukan"
CODE_IN_USE = "Coupon code already in use"

# POST /coupons/validate (https://docs.mayar.id/api-reference-v2/discount/validate).
COUPON_NOT_FOUND = "Gagal! Kode diskon ini tidak ditemukan."
COUPON_INACTIVE = "Gagal! Kode diskon ini sudah tidak aktif."
COUPON_NOT_STARTED = "Gagal! Kode diskon ini belum berlaku dan tidak dapat digunakan."
COUPON_EXPIRED = "Gagal! Kode diskon ini telah kadaluarsa dan tidak dapat digunakan."
PRODUCT_NOT_ELIGIBLE_PREFIX = "Gagal! Kode diskon tidak dapat digunakan untuk produk "
MIN_PURCHASE_PREFIX = "Kode diskon ini hanya berlaku untuk transaksi dengan harga minimal "
USAGE_LIMIT_REACHED = (
    "Gagal! Kode diskon telah mencapai batas pemakaian dan tidak dapat digunakan kembali."
)

# POST /coupons/check (https://docs.mayar.id/api-reference-v2/discount/check).
CHECK_NOT_FOUND = "Kode kupon tidak ditemukan."


def product_not_eligible(product_label: str) -> str:
    """``Gagal! Kode diskon tidak dapat digunakan untuk produk {productLabel}``."""
    return f"{PRODUCT_NOT_ELIGIBLE_PREFIX}{product_label}"


def min_purchase_not_met(amount: object) -> str:
    """``Kode diskon ini hanya berlaku untuk transaksi dengan harga minimal {amount}.``"""
    return f"{MIN_PURCHASE_PREFIX}{amount}."
