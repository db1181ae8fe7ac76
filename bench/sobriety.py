"""Sobriety benchmark: what each page type weighs in a real browser, and its EcoIndex.

    python -m bench.sobriety        (run by make bench)

Serves the demo atlas with gunicorn on 127.0.0.1, opens every page type (tests/helpers.py
lists them; and the members' and moderators' forms and screens, signed in) in Debian's
Chromium with an empty cache, as a first visit, and measures the DOM
nodes, the bytes transferred (compressed, as on the wire) and the requests, then scores them
with the `ecoindex-compute` package (EcoIndex grades A to G), then has Lighthouse (npm, pinned
in the Makefile, run on the same Chromium) score accessibility and performance (0–100, mobile,
simulated slow 4G). Prints a table and writes JSON to bench/results/.
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.serving import start_gunicorn

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
# The issue's budget: A everywhere but the map, which may be B.
BUDGET = {"map": "B"}


def serve(data_dir: Path) -> tuple[subprocess.Popen, int]:
    """The demo atlas in `data_dir`, served."""
    env = {**os.environ, "ESSAIM_DATA_DIR": str(data_dir)}
    essaim = [sys.executable, "-m", "essaim"]
    for command in (["migrate", "-v", "0"], ["createcachetable"], ["load_demo"],
                    ["collectstatic", "--no-input", "-v", "0"]):  # fmt: skip
        subprocess.run([*essaim, *command], env=env, cwd=ROOT, check=True, capture_output=True)
    return start_gunicorn(data_dir)


def measure(browser, url: str, session_key: str = "") -> dict:
    """DOM nodes, bytes on the wire and requests of a first visit to `url` (signed in with
    `session_key`, if given)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    if session_key:
        context.add_cookies([{"name": "sessionid", "value": session_key, "url": url}])
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    transferred, requests = [0], [0]
    session.on("Network.requestWillBeSent", lambda _event: requests.__setitem__(0, requests[0] + 1))
    session.on(
        "Network.loadingFinished",
        lambda event: transferred.__setitem__(0, transferred[0] + event["encodedDataLength"]),
    )
    page.goto(url, wait_until="networkidle")
    nodes = page.evaluate("document.getElementsByTagName('*').length")
    context.close()
    return {
        "dom_nodes": nodes,
        "kilobytes": round(transferred[0] / 1024, 1),
        "requests": requests[0],
    }


def lighthouse(url: str, session_key: str = "") -> dict:
    """Lighthouse's accessibility and performance scores of `url`, 0 to 100; None where it
    gives none (it refuses to score an error page, such as a search answered with 400)."""
    signed_in = ([f"--extra-headers={json.dumps({'Cookie': f'sessionid={session_key}'})}"]
                 if session_key else [])  # fmt: skip
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report.name}",
             "--only-categories=accessibility,performance", *signed_in,
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
            env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True,
        )  # fmt: skip
        text = Path(report.name).read_text()
    categories = json.loads(text)["categories"] if text else {}
    scores = {}
    for name in ("accessibility", "performance"):
        score = categories.get(name, {}).get("score")
        scores[f"lighthouse_{name}"] = None if score is None else round(score * 100)
    return scores


def contributors_pages() -> tuple[list[str], str]:
    """The forms and screens of members and moderators, and a moderator's session to see them
    (a suggestion waiting, to review)."""
    from django.test import Client

    from essaim.accounts.models import User
    from essaim.contributions.actions import do_submit_suggestion

    moderator = User.objects.create_user("bench-moderator", "m@example.org", is_moderator=True)
    suggestion, _new = do_submit_suggestion(
        None, {"name": "Coop Alveare", "country": "IT", "locality": "Bologna",
               "original_language": "it"}, email="c@example.org", language="it",
    )  # fmt: skip
    client = Client()
    client.force_login(moderator)
    pages = [
        "/fr/resources/new/", "/fr/events/new/", "/fr/opportunities/new/", "/fr/moderation/",
        f"/fr/moderation/suggestions/{suggestion.pk}/", "/fr/moderation/duplicates/",
        f"/fr/atlas/suggestions/{suggestion.token}/",
    ]  # fmt: skip
    return pages, client.cookies["sessionid"].value


def page_kind(path: str) -> str:
    return "map" if path.rstrip("/").endswith("/map") else "page"


def main() -> None:
    from ecoindex.compute import compute_ecoindex
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="essaim-sobriety-") as data:
        data_dir = Path(data)
        os.environ.setdefault("ESSAIM_SECRET_KEY", "benchmark-only-" + "s" * 40)
        os.environ["ESSAIM_DATA_DIR"] = str(data_dir)
        server, port = serve(data_dir)
        try:
            os.environ["DJANGO_SETTINGS_MODULE"] = "essaim.settings"
            import django

            django.setup()
            sys.path.insert(0, str(ROOT))
            from tests.helpers import page_types

            # Before Playwright's event loop: they query the database.
            paths = [(path, "") for path in page_types("fr")]
            signed_in, session_key = contributors_pages()
            paths += [(path, session_key) for path in signed_in]
            rows = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                measured = [
                    (path, key, measure(browser, f"http://127.0.0.1:{port}{path}", key))
                    for path, key in paths
                ]
                browser.close()
            for path, key, figures in measured:
                figures.update(lighthouse(f"http://127.0.0.1:{port}{path}", key))
            # Scored outside Playwright's event loop (the package's functions are coroutines).
            for path, _key, figures in measured:
                score = asyncio.run(
                    compute_ecoindex(
                        nodes=figures["dom_nodes"],
                        size=figures["kilobytes"],
                        requests=figures["requests"],
                    )
                )
                budget = BUDGET.get(page_kind(path), "A")
                rows.append(
                    {
                        "path": path,
                        **figures,
                        "ecoindex": score.score,
                        "grade": score.grade.value,
                        "budget": budget,
                        "within_budget": score.grade.value <= budget,
                    }
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"\n{'page':<48}{'DOM':>6}{'KB':>8}{'req':>5}{'EcoIndex':>10}{'grade':>7}{'budget':>8}"
        f"{'LH a11y':>9}{'LH perf':>9}"
    )
    for row in rows:
        print(
            f"{row['path'][:47]:<48}{row['dom_nodes']:>6}{row['kilobytes']:>8}"
            f"{row['requests']:>5}{row['ecoindex']:>10}{row['grade']:>7}"
            f"{row['budget'] + ('' if row['within_budget'] else ' ✗'):>8}"
            f"{row['lighthouse_accessibility'] or '—':>9}{row['lighthouse_performance'] or '—':>9}"
        )
    missed = [row["path"] for row in rows if not row["within_budget"]]
    print(f"\n{len(rows) - len(missed)} of {len(rows)} page types within their EcoIndex budget.")
    output = ROOT / "bench" / "results" / f"sobriety-{time.strftime('%Y%m%d-%H%M%S')}.json"
    output.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\nWritten to {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
