"""``promokit demo``: the whole story on the Mayar and Durianpay emulators, on loopback.

This script is the one place in core that names the first two provider plugins: it is
a guided tour, not library logic, and it drives their emulators' documented test hooks.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from rich.console import Console
from rich.rule import Rule

from promokit.cli import render
from promokit.client import Client
from promokit.http import codec
from promokit.model import Checkout, Promotion
from promokit.model.capabilities import describe
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator
from promokit.workflows.fanout import create_everywhere
from promokit.workflows.files import load_promotions
from promokit.workflows.migrate import migrate

MAYAR_KEY = "demo-mayar-key-not-secret-0001"
DURIANPAY_KEY = "dp_test_demo0not0secret0001"
PROVIDERS = ("mayar", "durianpay")


class Story:
    """Prints each step for people, or collects it for ``--json``."""

    def __init__(self, console: Console, as_json: bool) -> None:
        self.console = console
        self.as_json = as_json
        self.steps: list[dict[str, Any]] = []
        self.number = 0

    def step(self, title: str) -> None:
        """Start a numbered step."""
        self.number += 1
        self.steps.append({"step": self.number, "title": title, "results": []})
        if not self.as_json:
            self.console.print(Rule(f"[bold]{self.number}. {title}", align="left"))

    def show(self, renderable: Any, data: Any = None) -> None:
        """Print ``renderable``; keep ``data`` (or the renderable) for JSON output."""
        if data is not None:
            self.steps[-1]["results"].append(codec.to_builtins(data))
        elif isinstance(renderable, str):
            self.steps[-1]["results"].append(renderable)
        if not self.as_json:
            self.console.print(renderable)


def _config(tmp: Path, mayar_url: str, durianpay_url: str) -> Path:
    path = tmp / "promokit.toml"
    path.write_text(
        f'default = "mayar"\nledger = "ledger.sqlite3"\n\n'
        f'[providers.mayar]\nplugin = "mayar"\napi_key = "{MAYAR_KEY}"\n'
        f'environment = "sandbox"\nbase_url = "{mayar_url}"\nrate_limit = 600\n\n'
        f'[providers.durianpay]\nplugin = "durianpay"\napi_key = "{DURIANPAY_KEY}"\n'
        f'base_url = "{durianpay_url}"\n',
        encoding="utf-8",
    )
    return path


async def run_demo(console: Console, *, as_json: bool = False) -> None:
    """Run every step against fresh emulators; nothing is written outside a temp dir."""
    started = time.perf_counter()
    story = Story(console, as_json)
    mayar, mayar_prefix = load_emulator("mayar", api_key=MAYAR_KEY)
    durianpay, durianpay_prefix = load_emulator("durianpay", api_key=DURIANPAY_KEY)
    product = mayar.add_product(label="Kelas Online Python")
    with TemporaryDirectory(prefix="promokit-demo-") as tmp:
        async with (
            EmulatorServer(mayar, prefix=mayar_prefix) as mayar_server,
            EmulatorServer(durianpay, prefix=durianpay_prefix) as durianpay_server,
        ):
            story.step("Start the provider emulators on loopback (no credentials, no network)")
            config = _config(Path(tmp), mayar_server.url, durianpay_server.url)
            story.show(
                f"mayar      {mayar_server.url}\ndurianpay  {durianpay_server.url}\n"
                f"config     {config.name} in a temporary directory",
                {"mayar": mayar_server.url, "durianpay": durianpay_server.url},
            )
            async with Client.from_config(config) as client:
                await _story(story, client, mayar, durianpay, product)
    story.step("Done")
    story.show(
        f"finished in {time.perf_counter() - started:.2f}s; the emulators are stopped "
        "and the temporary directory is removed"
    )
    if as_json:
        print(json.dumps({"steps": story.steps}, indent=2, ensure_ascii=False))


async def _story(story: Story, client: Client, mayar: Any, durianpay: Any, product: str) -> None:
    example = resources.files("promokit") / "examples" / "promotions.toml"
    with resources.as_file(example) as path:
        promotions = load_promotions(path)
    story.step(f"Load the example promotions file ({len(promotions)} promotions)")
    story.show(
        "\n".join(f"- {p.name}: {describe(p, 'discount')}" for p in promotions),
        [p.name for p in promotions],
    )

    story.step("Plan each promotion against both providers (no I/O)")
    where: dict[str, list[str]] = {}
    for promotion in promotions:
        plans = [client.plan(promotion, alias) for alias in PROVIDERS]
        story.show(render.plan_table(plans), plans)
        story.show(render.problems_text(plans))
        where[promotion.name] = [plan.provider for plan in plans if plan.ok]

    story.step("Create each promotion on every provider that can express it, concurrently")
    created: dict[str, Promotion] = {}
    results = []
    for promotion in promotions:
        if not where[promotion.name]:
            story.show(f"{promotion.name!r}: no provider can express it as is; not sent")
            continue
        result = await create_everywhere(client, promotion, where[promotion.name])
        results.append(result)
        for outcome in result.outcomes:
            if outcome.promotion is not None:
                created[outcome.provider] = outcome.promotion
    story.show(render.fanout_table(results), results)

    story.step("Get them back and compare the neutral view side by side")
    fetched = [await client.get(p.id or "", alias) for alias, p in created.items()]
    story.show(render.promotions_side_by_side(fetched), fetched)

    story.step("Validate checkouts on each provider")
    card_promo = created["durianpay"]
    durianpay.activate(card_promo.id)
    checks = [
        ("mayar", "HARIBAIK", Checkout(amount=600_000, product_id=product)),
        ("mayar", "HARIBAIK", Checkout(amount=200_000, product_id=product)),
        (
            "durianpay",
            "KARTU10",
            Checkout(amount=300_000, payment_method="card", card_bin="42424242"),
        ),
        (
            "durianpay",
            "KARTU10",
            Checkout(amount=300_000, payment_method="card", card_bin="51111111", bank="MANDIRI"),
        ),
    ]
    story.show("(Durianpay activates promos from its dashboard; the emulator just did.)")
    for alias, code, checkout in checks:
        verdict = await client.validate(code, checkout, alias)
        story.show(render.validation_text(code, verdict), verdict)

    story.step("Show usage after a few redemptions")
    mayar.redeem("HARIBAIK", times=3)
    durianpay.redeem("KARTU10", 30_000)
    for alias, code in (("mayar", "HARIBAIK"), ("durianpay", "KARTU10")):
        usage = await client.usage(code, alias)
        story.show(render.usage_text(usage), usage)

    story.step("Migrate from Mayar to Durianpay, filling what Durianpay requires")
    fill = {
        "payment": {"type": "card", "banks": ["BCA"]},
        "starts_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    story.show(
        " ".join(f"--fill '{field}={json.dumps(value)}'" for field, value in fill.items()),
        fill,
    )
    report = await migrate(client, "mayar", "durianpay", fill=fill)
    story.show(render.migration_table(report), report)
    again = await migrate(client, "mayar", "durianpay", fill=fill)
    story.show(
        f"re-run: {again.count('already_migrated')} already migrated, "
        f"{again.count('migrated')} created again (the ledger remembers)",
        again,
    )
