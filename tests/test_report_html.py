"""``report.html`` (``cluster.report.page`` and its templates): what it holds (static checks) and how it behaves in a
real headless Chromium.

The browser test loads the report of a real sample run (the bundled sample plus four bad rows) from ``file://``,
asserts no console errors and no request beyond the file itself, that every plot rendered, that the numbers on the
page are ``run.json``'s and that the page fits a phone's width; it saves full-page screenshots at laptop and phone
widths to ``tests/artifacts/`` (gitignored). Under CI (``CI=true``) a missing Chromium fails the test; elsewhere
the test is skipped with the install command.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import time
from pathlib import Path

import polars as pl
import pytest

from cluster.report import NUMBERS, render_folder, render_report

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--hide-scrollbars")
LAPTOP, PHONE = (1280, 800), (390, 844)


def _tables(folder: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(folder / f"{name}.parquet")
            for name in ("articles", "duplicates", "stories", "syndication", "rejects")}


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- static checks (no browser)


def test_report_is_self_contained(sample_run_with_rejects):
    page = (sample_run_with_rejects / "report.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*>", page)
    assert len(scripts) == 5 and not any("src" in tag for tag in scripts)  # plotly.js and 4 plots, all inline
    assert page.count("Plotly.newPlot") == 4  # timeline, syndication, group sizes, rejects
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.DOTALL)
    assert "<link" not in markup and "@import" not in markup and " src=" not in markup and "url(" not in markup
    # the only addresses outside the scripts are links an editor clicks (articles' URLs), never something loaded
    addresses = re.findall(r"https?://[^\s'\"<>]+", markup)
    assert addresses and len(addresses) == len(re.findall(r"href='https?://", markup))


def test_report_is_rebuilt_from_the_folder_alone(sample_run_with_rejects):
    written = (sample_run_with_rejects / "report.html").read_text(encoding="utf-8")
    assert render_folder(sample_run_with_rejects) == written


def test_top_stories_link_every_article(sample_run_with_rejects):
    page = (sample_run_with_rejects / "report.html").read_text(encoding="utf-8")
    tables = _tables(sample_run_with_rejects)
    top = tables["stories"].sort(["n_unique", "n_sources", "n_articles", "first_seen", "story_id"],
                                 descending=[True, True, True, False, False]).head(10)
    urls = tables["articles"].filter(pl.col("story_id").is_in(top["story_id"].to_list()))["url"].to_list()
    assert urls and all(f"href='{url}'" in page for url in urls)
    for label in top["label"]:
        assert f"<h3>{label.replace(chr(39), '&#x27;')}" in page


def test_new_and_continuing_are_shown_only_when_counted(sample_run_with_rejects):
    tables, manifest = _tables(sample_run_with_rejects), _manifest(sample_run_with_rejects)
    manifest["counts"].update(new_stories=12, continuing_stories=5)
    page = render_report(tables, manifest)
    assert "data-key='new_stories'><b>12</b>" in page and "data-key='continuing_stories'><b>5</b>" in page
    for key in ("new_stories", "continuing_stories"):
        manifest["counts"].pop(key)
    assert "data-key='new_stories'" not in render_report(tables, manifest)


def test_dedup_only_and_empty_runs_render(sample_run_with_rejects):
    tables, manifest = _tables(sample_run_with_rejects), _manifest(sample_run_with_rejects)
    dedup_only = {k: v for k, v in tables.items() if k != "stories"}
    dedup_only["articles"] = tables["articles"].drop("story_id", "story_label", "centrality")
    page = render_report(dedup_only, manifest)
    assert "Top stories" not in page and "Story timeline" not in page and "who copies whom" in page
    empty = {name: table.clear() for name, table in tables.items()}
    page = render_report(empty, {"counts": {"rows_in": 0, "rejected": 0}})
    assert "No stories." in page and "No copies found." in page and "No rows rejected" in page


def test_feed_text_is_escaped_and_only_web_addresses_are_links(sample_run_with_rejects):
    tables, manifest = _tables(sample_run_with_rejects), _manifest(sample_run_with_rejects)
    hostile = "<script>alert('x')</script> & \"more\""
    tables["stories"] = tables["stories"].with_columns(pl.lit(hostile).alias("label"))
    tables["articles"] = tables["articles"].with_columns(pl.lit(hostile).alias("title"),
                                                         pl.lit("javascript:alert(1)").alias("url"))
    page = render_report(tables, manifest)
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;more&quot;"
    assert f"<h3>{escaped}" in page  # a story label
    assert f"</span>{escaped}</li>" in page  # an article's title, as text: its address is not a web page
    assert len(re.findall(r"<script[^>]*>", page)) == 5  # plotly.js and the 4 plots: no script from the feed
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.DOTALL)
    assert "javascript:" not in markup and "<a href='http" not in markup


def _story_chunks(page: str) -> dict[str, str]:
    """The markup of each story on the page, by id: from its element (card or row) to the next story's."""
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.DOTALL)
    found = [(m.start(), m.group(1)) for m in re.finditer(r"data-story='([^']+)'", markup)]
    ends = [start for start, _ in found[1:]] + [len(markup)]
    chunks: dict[str, str] = {}
    for (start, story_id), end in zip(found, ends, strict=True):
        assert story_id not in chunks, f"{story_id} shown twice"
        chunks[story_id] = markup[start:end].split("</section>")[0]
    return chunks


def test_every_story_lists_every_article_and_shows_its_id(sample_run_with_rejects):
    page = (sample_run_with_rejects / "report.html").read_text(encoding="utf-8")
    tables = _tables(sample_run_with_rejects)
    chunks = _story_chunks(page)
    assert set(chunks) == set(tables["stories"]["story_id"]) and len(chunks) > 10  # cards and the rest
    for story_id, url in tables["articles"].select("story_id", "url").iter_rows():
        assert f"href='{url}'" in chunks[story_id], (story_id, url)  # originals and copies, linked
    for story_id, chunk in chunks.items():
        assert f"<code class='sid' title='newsclust show story {story_id}'>{story_id}</code>" in chunk
    assert "in <code>stories.csv</code>" not in page  # no story left out


def test_beyond_the_listed_stories_each_is_a_row_with_its_id_and_no_articles(sample_run_with_rejects):
    tables, manifest = _tables(sample_run_with_rejects), _manifest(sample_run_with_rejects)
    page = render_report(tables, manifest, listed_stories=11)
    ranked = tables["stories"].sort(["n_unique", "n_sources", "n_articles", "first_seen", "story_id"],
                                    descending=[True, True, True, False, False])
    chunks = _story_chunks(page)
    assert set(chunks) == set(ranked["story_id"])  # every story still on the page, with its id
    listed, rest = ranked.head(11), ranked.slice(11)
    assert len(rest) == 3
    urls = tables["articles"].select("story_id", "url")
    for story_id, url in urls.filter(pl.col("story_id").is_in(listed["story_id"].implode())).iter_rows():
        assert f"href='{url}'" in chunks[story_id]
    originals = tables["articles"].filter(pl.col("is_canonical")).sort("published_at", "article_id")
    linked = 0
    for story_id, label, headline in rest.select("story_id", "label", "headline").iter_rows():
        # no articles, but the headline links to the article that has it
        titled = originals.filter((pl.col("story_id") == story_id) & (pl.col("title") == headline))["url"].to_list()
        assert re.findall(r"href='([^']+)'", chunks[story_id]) == titled[:1] and "<details" not in chunks[story_id]
        linked += bool(titled)
        assert f"<div class='unlisted' id='{story_id}' data-story='{story_id}'>{html.escape(label)}<" in page
        assert f"title='newsclust show story {story_id}'>{story_id}</code>" in chunks[story_id]
    assert linked == 3
    assert "The 11 largest stories open to their articles; the other 3 are listed with their ids." in page
    assert "largest stories open to their articles" not in render_report(tables, manifest)  # 14: all listed


def test_numbers_are_titled_by_the_span_of_the_run(sample_run_with_rejects):
    tables, manifest = _tables(sample_run_with_rejects), _manifest(sample_run_with_rejects)
    page = (sample_run_with_rejects / "report.html").read_text(encoding="utf-8")
    assert "<h2>12 days in numbers: Mar 2 – Mar 13, 2026</h2>" in page  # the sample spans 12 days
    assert "<a href='#numbers'>12 days in numbers</a>" in page
    one_day = {**tables, "articles": tables["articles"].filter(pl.col("published_at").dt.day() == 5)}
    assert "<h2>The night in numbers</h2>" in render_report(one_day, manifest)
    assert "<h2>The night in numbers</h2>" in render_report(tables, {**manifest, "night": "2026-03-13"})
    undated = {**tables, "articles": tables["articles"].clear()}
    assert "<h2>The run in numbers</h2>" in render_report(undated, manifest)


LINK_SOURCE = '<a href="https://evil.example/login">Log in</a>'
STYLED_SOURCE = '<span style="font-size:60px;color:red">Big</span> & co'
MARKUP_LABEL = "<b>Ferry</b> <br>strike & <i>talks</i>"
CONTROL_REASON = "empty\x1b]0;title\x07 title and text"
CONTROL_REASON_SHOWN = r"empty\x1b]0;title\x07 title and text"


def _hostile_run(tmp_path: Path, embedder) -> Path:
    """A run of three articles and a bad row written here: an original and its copy from sources named with plotly
    markup (the syndication heatmap's rows, columns and hover), a third article; then a story label holding markup
    (the timeline's annotations and hover) and a reject reason holding control characters (the rejects chart)."""
    from cluster.config import load_config
    from cluster.pipeline import run_to_folder

    text = ("Ferry crews at Porthaven walked out at dawn over the new roster, halting every sailing to the islands "
            "while union leaders and the operator met for talks that ran late into the evening without a deal.")
    rows = [
        {"id": "o1", "source": LINK_SOURCE, "title": "Ferry crews walk out", "text": text,
         "url": "https://harbour.example/o1", "published_at": "2026-03-02T06:40:00Z"},
        {"id": "c1", "source": STYLED_SOURCE, "title": "Ferry crews walk out", "text": text,
         "url": "https://copier.example/c1", "published_at": "2026-03-02T09:10:00Z"},
        {"id": "o2", "source": "Valley Ledger", "title": "Wildfire near Eastbrook contained",
         "text": "Crews contained the wildfire near Eastbrook overnight after winds eased across the valley floor.",
         "url": "https://valley.example/o2", "published_at": "2026-03-02T15:00:00Z"},
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"id": "x1", "title": "", "text": ""}\n',
                    encoding="utf-8")
    out = tmp_path / "out"
    config = load_config(REPO / "configs" / "default.yaml", {"input.paths": [str(feed)], "output.dir": str(out)})
    result = run_to_folder(config, out, embedder=embedder)
    assert result.counts["accepted"] == 3 and result.counts["rejected"] == 1 and result.counts["copies"] == 1
    tables = _tables(out)
    tables["stories"] = tables["stories"].with_columns(pl.lit(MARKUP_LABEL).alias("label"))
    tables["rejects"] = tables["rejects"].with_columns(pl.lit(CONTROL_REASON).alias("reason"))
    hostile = tmp_path / "hostile.html"
    hostile.write_text(render_report(tables, _manifest(out)), encoding="utf-8")
    return hostile


def _plot_data(page: str) -> str:
    """The scripts of the page's plots (their figures' JSON, with plotly's ``\\u002f`` for ``/`` undone), without
    plotly.js."""
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.DOTALL)
    plots = "".join(script for script in scripts if script.lstrip().startswith("window.PLOTLYENV"))
    return plots.replace("\\u002f", "/")


def test_feed_text_in_charts_is_plotly_plain_text(tmp_path, hashing_embedder):
    page = _hostile_run(tmp_path, hashing_embedder).read_text(encoding="utf-8")
    plots = _plot_data(page)
    assert plots.count("Plotly.newPlot") == 4
    # plotly decodes these entities back to the characters typed, and never reads them as its markup
    for typed in (LINK_SOURCE, STYLED_SOURCE, MARKUP_LABEL):
        assert json.dumps(html.escape(typed, quote=False))[1:-1] in plots
    assert json.dumps(CONTROL_REASON_SHOWN)[1:-1] in plots  # the reason's control characters as visible escapes
    assert "<a href" not in plots and "<span style" not in plots and "<b>Ferry" not in plots
    assert "\\u001b" not in plots and "\\u0007" not in plots


def test_every_figure_is_one_plotly_accepts_with_its_template(sample_run_with_rejects):
    # the figures are written as plotly.js JSON without plotly's Python objects: plotly's own validation of each one
    # catches a misspelt or misplaced property, which plotly.js would silently ignore
    import plotly.graph_objects as go
    import plotly.io as pio

    page = (sample_run_with_rejects / "report.html").read_text(encoding="utf-8")
    calls = re.findall(r'Plotly\.newPlot\("(plot-[a-z]+)", (.*?)\)\};</script>', page, flags=re.DOTALL)
    assert sorted(div for div, _ in calls) == ["plot-groups", "plot-rejects", "plot-syndication", "plot-timeline"]
    for _, arguments in calls:
        data, layout, config = json.loads(f"[{arguments}]")
        figure = go.Figure(data=data, layout=layout)  # raises on any property plotly does not know
        assert figure.layout.template == pio.templates["plotly_white"]
        assert config == {"displayModeBar": False, "responsive": True, "scrollZoom": False, "staticPlot": False}


def test_figure_json_cannot_close_its_script():
    from datetime import datetime, timezone

    from cluster.report.figures import script_json

    text = script_json({"label": "</script><!-- x --> café \u2028", "at": datetime(2026, 12, 4, tzinfo=timezone.utc)})
    assert "<" not in text and ">" not in text and "/" not in text and text.isascii()
    assert json.loads(text) == {"label": "</script><!-- x --> café \u2028", "at": "2026-12-04T00:00:00+00:00"}
    assert script_json([float("nan"), float("inf"), "NaN Infinity", 1.5]) == '[null,null,"NaN Infinity",1.5]'



# ---------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        reason = f"browser test needs {', '.join(missing)}: apt-get install -y chromium chromium-driver"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {reason}")
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={LAPTOP[0]},{LAPTOP[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _load(driver, url: str, width: int, height: int, mobile: bool) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    driver.get(url)
    deadline = time.monotonic() + 15
    while driver.execute_script("return document.querySelectorAll('.plot .main-svg').length") < 4:
        assert time.monotonic() < deadline, "plots did not render"
        time.sleep(0.05)
    time.sleep(0.3)  # let responsive plots settle before a screenshot


def _screenshot(driver, path: Path) -> Path:
    width = driver.execute_script("return document.documentElement.clientWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def _requests(driver) -> list[str]:
    events = (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
    return [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]


def test_report_in_headless_chromium(browser, sample_run_with_rejects):
    report = sample_run_with_rejects / "report.html"
    url = report.as_uri()
    counts = _manifest(sample_run_with_rejects)["counts"]
    browser.get_log("browser"), browser.get_log("performance")  # start from empty logs

    _load(browser, url, *LAPTOP, mobile=False)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    # plotly draws heatmaps through data: images; anything else but the file itself would be a network request
    loaded = [u for u in _requests(browser) if not u.startswith(("data:", "blob:", "about:"))]
    assert loaded == [url]

    shown = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('[data-key]')]"
        ".map(c => [c.dataset.key, c.querySelector('b').textContent]))"
    )
    expected = {key: counts[key] for key, _ in NUMBERS if key in counts}
    assert {k: int(v.replace(",", "")) for k, v in shown.items()} == expected
    assert {"rows_in", "rejected", "duplicate_groups", "unique_articles", "stories"} <= set(shown)
    story_cards = browser.execute_script("return document.querySelectorAll('article.story').length")
    assert story_cards == min(10, counts["stories"])
    assert browser.execute_script("return typeof Plotly") == "object"
    laptop = _screenshot(browser, ARTIFACTS / "report-laptop.png")

    _load(browser, url, *PHONE, mobile=True)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone"
    phone = _screenshot(browser, ARTIFACTS / "report-phone.png")
    print(f"\nscreenshots: {laptop} {phone}")


def test_markup_in_feed_text_renders_as_text_in_the_charts(browser, tmp_path, hashing_embedder):
    url = _hostile_run(tmp_path, hashing_embedder).as_uri()
    browser.get_log("browser")
    _load(browser, url, *LAPTOP, mobile=False)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert browser.execute_script("return document.querySelectorAll('.plot a').length") == 0
    texts = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('.plotly-graph-div')]"
        ".map(p => [p.id, [...p.querySelectorAll('text')].map(t => t.textContent)]))"
    )
    assert LINK_SOURCE in texts["plot-syndication"] and STYLED_SOURCE in texts["plot-syndication"]  # as typed
    assert MARKUP_LABEL in texts["plot-timeline"]
    assert CONTROL_REASON_SHOWN in texts["plot-rejects"]
    styled = browser.execute_script(
        "return [...document.querySelectorAll('.plot tspan, .plot text')]"
        ".filter(t => (t.getAttribute('style') || '').includes('60px')).length")
    assert styled == 0
    # hover text too: hover the heatmap's first cell (LINK_SOURCE's copy by STYLED_SOURCE) and read its label
    deadline = time.monotonic() + 10
    while True:
        hover = browser.execute_script(
            "Plotly.Fx.hover('plot-syndication', {xval: 0, yval: 0});"
            "const layer = document.querySelector('#plot-syndication .hoverlayer');"
            "return [layer.textContent, layer.querySelectorAll('a').length];")
        if hover[0] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert hover == [f"{LINK_SOURCE} → {STYLED_SOURCE}1 copies, median 2.5 h later", 0]
