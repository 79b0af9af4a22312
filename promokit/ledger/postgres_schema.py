"""The PostgreSQL ledger's schema: its tables, and the steps that bring an older one up to date."""

from __future__ import annotations

SCHEMA_VERSION = 4
"""Kept in ``promokit_meta`` under ``schema_version``; 1 had no shared rate budget, 2 no
code map, 3 no code map versions."""

_V1 = """
CREATE TABLE promokit_writes (
    target text NOT NULL,
    key text NOT NULL,
    provider text NOT NULL,
    operation text NOT NULL,
    state text NOT NULL,
    fingerprint text NOT NULL,
    natural_key text,
    request bytea NOT NULL,
    result bytea,
    provider_id text,
    error text,
    owner text,
    lease_until float8 NOT NULL DEFAULT 0,
    settles_at float8 NOT NULL DEFAULT 0,
    created_at float8 NOT NULL,
    updated_at float8 NOT NULL,
    PRIMARY KEY (target, key)
);
CREATE INDEX promokit_writes_by_provider_id ON promokit_writes (target, provider_id)
"""
_RATE = """
CREATE TABLE promokit_rate_slots (
    target text NOT NULL,
    id text NOT NULL,
    held_until float8 NOT NULL,
    PRIMARY KEY (target, id)
)
"""
_CODES = """
CREATE TABLE promokit_codes (
    target text NOT NULL,
    code text NOT NULL,
    promo_id text NOT NULL,
    PRIMARY KEY (target, code)
);
CREATE INDEX promokit_codes_by_promo ON promokit_codes (target, promo_id)
"""
# Every change to a target's codes, by any writer (an older promokit still running
# included), bumps its version in the same transaction: a reader that finds the
# version it last read knows its copy of the map is current. One statement (a
# function body holds its own ";"), so it is never split.
_CODE_VERSIONS = """
CREATE TABLE promokit_code_versions (target text PRIMARY KEY, version bigint NOT NULL);
CREATE FUNCTION promokit_code_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO promokit_code_versions (target, version)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.target ELSE NEW.target END, 1)
    ON CONFLICT (target) DO UPDATE SET version = promokit_code_versions.version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER promokit_codes_changed AFTER INSERT OR UPDATE OR DELETE ON promokit_codes
FOR EACH ROW EXECUTE FUNCTION promokit_code_changed()
"""
FRESH = ";".join((_V1, _RATE, _CODES, _CODE_VERSIONS))
"""The current schema, which a new database gets at once."""

# An older database steps from version N to N + 1, all in the transaction that holds
# the schema lock.
MIGRATIONS: dict[int, str] = {1: _RATE, 2: _CODES, 3: _CODE_VERSIONS}
LOCK_ID = 0x70726F6D6F6B6974  # "promokit": serialises schema changes across hosts
