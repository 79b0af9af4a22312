"""The distributions as users get them: wheels in a fresh venv, sdists, index metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = {
    "promokit": ROOT,
    "mayar": ROOT / "plugins/mayar",
    "durianpay": ROOT / "plugins/durianpay",
}


def run(*command: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels and sdists of the three distributions, built offline."""
    out = tmp_path_factory.mktemp("dist")
    for project in PROJECTS.values():
        code = (
            "import sys; from hatchling.build import build_sdist, build_wheel; "
            "build_wheel(sys.argv[1]); build_sdist(sys.argv[1])"
        )
        run(sys.executable, "-c", code, out, cwd=project)
    return out


def test_the_wheels_work_in_a_fresh_venv(dists: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=False)
    python = fresh / "bin" / "python"
    site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip()
    )
    wheels = sorted(dists.glob("*.whl"))
    assert len(wheels) == 3
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
        "--no-index", *wheels)  # fmt: skip
    # Third-party dependencies come from this environment, after the fresh one's own
    # site-packages: promokit and its plugins are the wheels' (no editable install).
    here = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "zz_dependencies.pth").write_text("\n".join(sorted(here)) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMOKIT_", "PYTHON"))}
    where = run(
        python,
        "-c",
        "import promokit, promokit_mayar, importlib.metadata as m; "
        "print(promokit.__file__, promokit_mayar.__file__, m.version('promokit'))",
        env=env,
        cwd=tmp_path,  # not the checkout, whose promokit/ would shadow the wheel's
    ).stdout.split()
    assert all(path.startswith(str(site)) for path in where[:2]), where
    promokit = fresh / "bin" / "promokit"  # the wheel's console script
    demo = run(promokit, "demo", env=env, cwd=tmp_path)
    assert "Migrate from Mayar to Durianpay" in demo.stdout
    providers = run(promokit, "providers", "--json", env=env, cwd=tmp_path)
    assert {"mayar", "durianpay", "memory"} <= set(json.loads(providers.stdout))
    # The scaffold's templates are package data: the wheel renders a whole provider.
    run(promokit, "new-provider", "acme", "--dir", tmp_path, env=env, cwd=tmp_path)
    assert (tmp_path / "promokit-acme" / "promokit_acme" / "emulator" / "__init__.py").is_file()


def test_the_core_sdist_holds_the_core_only(dists: Path) -> None:
    (core,) = dists.glob("promokit-0*.tar.gz")
    with tarfile.open(core) as archive:
        top = {Path(name).parts[1] for name in archive.getnames() if len(Path(name).parts) > 1}
    assert {"promokit", "LICENSE", "README.md", "pyproject.toml"} <= top
    assert not top & {"plugins", "bench", "tests", "examples", "docs", ".ci"}


@pytest.mark.parametrize("name", ["mayar", "durianpay"])
def test_a_plugin_sdist_carries_its_tests_and_license(dists: Path, name: str) -> None:
    (sdist,) = dists.glob(f"promokit_{name}-*.tar.gz")
    with tarfile.open(sdist) as archive:
        top = {Path(n).parts[1] for n in archive.getnames() if len(Path(n).parts) > 1}
    assert {f"promokit_{name}", "tests", "LICENSE", "README.md", "pyproject.toml"} <= top


def test_twine_check_strict_passes(dists: Path) -> None:
    pytest.importorskip("twine", reason="twine is in the dev extra (the README's environment)")
    done = run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dists.iterdir()))
    assert done.stdout.count("PASSED") == 6


def test_the_readmes_link_absolutely() -> None:
    # The package index renders README.md alone: a relative link would break there.
    for readme in (ROOT / "README.md", *(p / "README.md" for p in PROJECTS.values())):
        text = readme.read_text(encoding="utf-8")
        links = [part.split(")")[0] for part in text.split("](")[1:]]
        assert links, readme
        assert all(link.startswith(("https://", "#")) for link in links), (readme, links)
