//! `report.html` in a real browser: Debian's headless Chromium, driven over
//! the DevTools protocol (`support::cdp`), opens the demo's report and a
//! report full of hostile Hub names, and checks what a reader would see:
//! no console error, no request but the file itself, sorting and filtering
//! that work, names shown as text, and a print layout that fits A4.
//!
//! Chromium missing is a failure (CI installs the Debian package
//! `chromium`); `HFAUDIT_SKIP_BROWSER=1` skips these tests instead. The
//! screenshots and PDF are kept in `target/test-artifacts/browser/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use hfaudit::text::clean_text;
use serde_json::{Value, json};

use crate::harness::{Run, assert_code};
use crate::report::{HOSTILE_NAMES, hostile_report};
use crate::support::cdp::{Browser, Page, decode_base64, find_chromium};
use crate::support::large_org;

mod print;
mod table;

use print::assert_prints_on_a4;
use table::{assert_filters, assert_sorts, number_order, text_order};

/// The screen the report is read on (and its screenshot).
const SCREEN: (u32, u32) = (1280, 900);

/// Output that libtest does not capture: where the artifacts are, or why
/// the test did nothing.
fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// A started browser; `None` when the tests are to be skipped.
fn browser() -> Option<Browser> {
    if std::env::var_os("HFAUDIT_SKIP_BROWSER").is_some_and(|v| v == "1") {
        note("browser test skipped: HFAUDIT_SKIP_BROWSER=1");
        return None;
    }
    let Some(binary) = find_chromium() else {
        panic!(
            "Chromium is not installed: install the Debian package `chromium` \
             (`apt-get install chromium`; CI's .ci/run does), \
             or set HFAUDIT_SKIP_BROWSER=1 to skip the browser tests"
        );
    };
    Some(Browser::launch(&binary).unwrap_or_else(|e| panic!("{e}")))
}

fn artifacts() -> PathBuf {
    // CARGO_TARGET_TMPDIR is TARGET/tmp: keep the files beside it.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("a target directory");
    target.join("test-artifacts").join("browser")
}

pub(super) fn save(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = artifacts();
    std::fs::create_dir_all(&dir).expect("create the artifacts directory");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write an artifact");
    note(&format!("browser test artifact: {}", path.display()));
    path
}

/// `hfaudit demo --out DIR/demo`; the path of its report.html.
fn demo_report(dir: &Path) -> PathBuf {
    let out = dir.join("demo");
    let run: Run = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
        .arg("demo")
        .arg("--out")
        .arg(&out)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .stdin(Stdio::null())
        .output()
        .expect("run hfaudit demo")
        .into();
    assert_code(&run, 0);
    out.join("report.html")
}

/// Opens `report` at screen size; returns its URL.
fn open(page: &mut Page, report: &Path) -> String {
    let (width, height) = SCREEN;
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
    )
    .unwrap();
    let url = url::Url::from_file_path(report).unwrap().to_string();
    page.navigate(&url).unwrap();
    url
}

pub(super) fn eval(page: &mut Page, expression: &str) -> Value {
    page.eval(expression).unwrap_or_else(|e| panic!("{e}"))
}

/// No console error or warning, no uncaught exception, no error in the
/// browser's log (where a CSP violation is reported), no dialog (an
/// `alert()` would be a hostile script running), and no request but the
/// report itself. A `data:` URL counts as inline only when it is written
/// in the report (the favicon's `data:,`); any other fetch, even one the
/// CSP blocks, fails the test.
fn assert_quiet(page: &mut Page, url: &str, html: &str) {
    page.settle(Duration::from_millis(300)).unwrap();
    let mut problems = Vec::new();
    for e in page.events("Runtime.consoleAPICalled") {
        if matches!(e["type"].as_str(), Some("error" | "warning" | "assert")) {
            problems.push(format!("console.{}: {}", e["type"], e["args"]));
        }
    }
    for e in page.events("Runtime.exceptionThrown") {
        problems.push(format!("uncaught exception: {}", e["exceptionDetails"]));
    }
    for e in page.events("Log.entryAdded") {
        let entry = &e["entry"];
        if entry["level"] == "error" {
            problems.push(format!(
                "log {}: {} ({})",
                entry["source"], entry["text"], entry["url"]
            ));
        }
    }
    for e in page.events("Page.javascriptDialogOpening") {
        problems.push(format!("a {} dialog opened: {}", e["type"], e["message"]));
    }
    assert!(problems.is_empty(), "{url}:\n{}", problems.join("\n"));

    let requests: Vec<String> = page
        .events("Network.requestWillBeSent")
        .iter()
        .filter_map(|e| e["request"]["url"].as_str().map(str::to_owned))
        .collect();
    assert!(
        requests.iter().any(|r| r == url),
        "the report's own load was not seen, so requests are not being recorded: {requests:?}"
    );
    let foreign: Vec<&String> = requests
        .iter()
        .filter(|r| *r != url && !(r.starts_with("data:") && html.contains(r.as_str())))
        .collect();
    assert!(foreign.is_empty(), "the report fetched {foreign:?}");
}

fn screenshot(page: &mut Page, name: &str) {
    let shot = page
        .call("Page.captureScreenshot", json!({"format": "png"}))
        .unwrap();
    let png = decode_base64(shot["data"].as_str().unwrap()).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    save(name, &png);
}

#[test]
fn demo_report_works_in_chromium() {
    let Some(mut browser) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = demo_report(dir.path());
    let html = std::fs::read_to_string(&report).unwrap();
    let mut page = browser.new_page().unwrap();
    let url = open(&mut page, &report);
    assert_quiet(&mut page, &url, &html);
    // The script ran under the CSP: it shows the controls it drives.
    let controls = eval(
        &mut page,
        r#"Array.from(document.querySelectorAll(".controls"), c => c.hidden)"#,
    );
    assert_eq!(
        controls.as_array().unwrap().len(),
        html.matches("data-controls=").count(),
        "{controls}"
    );
    assert!(
        controls.as_array().unwrap().iter().all(|h| h == false),
        "{controls}"
    );
    screenshot(&mut page, "demo-report.png");

    assert_sorts(&mut page, "#findings .sev-medium table", 1, text_order);
    assert_sorts(&mut page, "#seats-1", 1, number_order);
    // Termination dates: most people have none, and they sort last.
    assert_sorts(&mut page, "#access-table", 11, text_order);
    assert_filters(&mut page);
    // A narrow window shows findings as cards (rows are display: block):
    // filtering must still hide them.
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 480, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
    )
    .unwrap();
    assert_filters(&mut page);
    assert_prints_on_a4(&mut page);
    assert_quiet(&mut page, &url, &html);
}

#[test]
fn hostile_names_render_as_text_in_chromium() {
    let Some(mut browser) = browser() else {
        return;
    };
    let case = hostile_report();
    let report = case.dir.path().join("out/report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    let mut page = browser.new_page().unwrap();
    let url = open(&mut page, &report);
    assert_quiet(&mut page, &url, &html);
    let dom = eval(
        &mut page,
        r#"(() => {
  const findings = {}, access = {};
  for (const r of document.querySelectorAll('#findings-list tbody tr')) {
    const user = r.querySelector(".subject").textContent;
    const person = r.querySelector('td[data-label="Person"] bdi');
    (findings[user] = findings[user] || []).push(person && person.textContent);
  }
  for (const th of document.querySelectorAll('#access-table tbody th')) {
    const name = th.querySelector(".sub bdi");
    access[th.querySelector("bdi").textContent] = name && name.textContent;
  }
  const handlers = [];
  for (const e of document.querySelectorAll("*")) {
    for (const a of e.attributes) {
      if (a.name.startsWith("on")) handlers.push(e.tagName + " " + a.name);
    }
  }
  const urls = Array.from(document.querySelectorAll("[href], [src], [action]"),
    e => e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("action"));
  return {
    scripts: document.querySelectorAll("script").length,
    onerror: document.querySelectorAll("[onerror]").length,
    images: document.images.length,
    handlers, urls, findings, access,
  };
})()"#,
    );
    assert_eq!(dom["scripts"], json!(html.matches("<script").count()));
    assert_eq!(dom["scripts"], json!(1), "the report's own script only");
    assert_eq!(dom["onerror"], json!(0));
    assert_eq!(dom["images"], json!(0));
    assert_eq!(dom["handlers"], json!([]));
    for u in dom["urls"].as_array().unwrap() {
        let u = u.as_str().unwrap();
        assert!(
            u.starts_with('#') || u == "data:,",
            "a link leaves the page: {u}"
        );
    }
    for (user, name) in HOSTILE_NAMES {
        // Shown as written, but for characters that reorder text (U+FFFD).
        let expected = json!(clean_text(name));
        let persons = dom["findings"][user]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            !persons.is_empty(),
            "no finding for {user}: {}",
            dom["findings"]
        );
        for person in persons {
            assert_eq!(person, expected, "findings, {user}");
        }
        assert_eq!(dom["access"][user], expected, "access inventory, {user}");
    }
    eval(
        &mut page,
        "document.getElementById('findings').scrollIntoView()",
    );
    screenshot(&mut page, "hostile-report.png");
    assert_quiet(&mut page, &url, &html);
}

/// A reviewer's HTML worksheet (issue 13) whose Hub data holds an `<img
/// onerror>` name: no console error, no request but the file, no script
/// at all, the name shown as text, and a print layout that fits its `@page`
/// (A4 landscape). `assert_prints_on_a4` checks report.css's pages and the
/// report's landscape inventory, so the worksheet's own A4 page is checked
/// here.
#[test]
fn review_worksheet_shows_hostile_names_as_text_and_prints_on_a4_in_chromium() {
    let Some(mut browser) = browser() else {
        return;
    };
    let (_case, worksheet) = crate::review::hostile_worksheet();
    let html = std::fs::read_to_string(&worksheet).unwrap();
    assert!(!html.contains("<script"), "a script in the worksheet");
    let mut page = browser.new_page().unwrap();
    let url = open(&mut page, &worksheet);
    assert_quiet(&mut page, &url, &html);
    let dom = eval(
        &mut page,
        r#"(() => {
  const handlers = [];
  for (const e of document.querySelectorAll("*")) {
    for (const a of e.attributes) {
      if (a.name.startsWith("on")) handlers.push(e.tagName + " " + a.name);
    }
  }
  const names = {};
  for (const r of document.querySelectorAll("tbody tr")) {
    const id = r.querySelector("td.id");
    const dd = r.querySelector("dl.facts dd bdi");
    if (id) names[id.textContent] = dd && dd.textContent;
  }
  return {
    scripts: document.querySelectorAll("script").length,
    images: document.images.length,
    img: document.querySelectorAll("img").length,
    handlers, names,
    rows: document.querySelectorAll("tbody tr").length,
  };
})()"#,
    );
    assert_eq!(dom["scripts"], json!(0), "{dom}");
    assert_eq!(dom["images"], json!(0), "{dom}");
    assert_eq!(dom["img"], json!(0), "{dom}");
    assert_eq!(dom["handlers"], json!([]), "{dom}");
    assert_eq!(dom["rows"], json!(4), "cat's four lines: {dom}");
    assert_eq!(
        dom["names"]["acme:imogen"],
        json!(crate::review::IMG),
        "{dom}"
    );
    screenshot(&mut page, "review-worksheet.png");

    // Print media at the width A4 landscape leaves inside the worksheet's
    // 12 mm margins: nothing sticks out.
    let css = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/worksheet.css"),
    )
    .unwrap();
    assert!(
        css.contains("@page { size: A4 landscape; margin: 12mm; }"),
        "the worksheet's page changed: update this test"
    );
    let width = ((297.0 - 2.0 * 12.0) / 25.4 * 96.0_f64).floor() as u32;
    page.call("Emulation.setEmulatedMedia", json!({"media": "print"}))
        .unwrap();
    page.call("Emulation.setScrollbarsHidden", json!({"hidden": true}))
        .unwrap();
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": false}),
    )
    .unwrap();
    let got = eval(
        &mut page,
        r#"(() => {
  const root = document.documentElement;
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5)
    .slice(0, 8).map(e => e.tagName + "." + e.className);
  return [root.scrollWidth, root.clientWidth, wide];
})()"#,
    );
    assert_eq!(got[1], json!(width), "the viewport: {got}");
    assert!(
        got[0].as_u64() <= got[1].as_u64(),
        "the printed worksheet is wider than A4 landscape: {got}"
    );
    page.call("Emulation.clearDeviceMetricsOverride", json!({}))
        .unwrap();
    page.call("Emulation.setScrollbarsHidden", json!({"hidden": false}))
        .unwrap();
    page.call("Emulation.setEmulatedMedia", json!({"media": ""}))
        .unwrap();
    let pdf = page
        .call(
            "Page.printToPDF",
            json!({"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": true,
                   "preferCSSPageSize": true}),
        )
        .unwrap();
    let pdf = decode_base64(pdf["data"].as_str().unwrap()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    save("review-worksheet.pdf", &pdf);
    let text = String::from_utf8_lossy(&pdf);
    let boxes: Vec<Vec<f64>> = text
        .split("/MediaBox [")
        .skip(1)
        .map(|b| {
            b[..b.find(']').unwrap()]
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect()
        })
        .collect();
    assert!(!boxes.is_empty(), "no page in the PDF");
    for b in &boxes {
        let (w, h) = (b[2] - b[0], b[3] - b[1]);
        assert!(
            (w - 841.89).abs() < 1.5 && (h - 595.28).abs() < 1.5,
            "a page of {w} × {h} pt is not A4 landscape"
        );
    }
    assert_quiet(&mut page, &url, &html);
}

/// `hfaudit report` on the large org of issue 12 (10,000 members, a
/// 50,000-person roster) into `dir/out`; the path of its report.html and
/// the number of findings.
fn large_report(dir: &Path) -> (PathBuf, usize) {
    large_org::write(dir);
    let out = dir.join("out");
    let run: Run = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
        .args(["report", "-q", "--as-of", large_org::AS_OF])
        .args(["--fail-on", "critical"])
        .arg("--store")
        .arg(dir.join("store"))
        .arg("--roster")
        .arg(dir.join("roster.csv"))
        .arg("--out")
        .arg(&out)
        .stdin(Stdio::null())
        .output()
        .expect("run hfaudit report")
        .into();
    assert_code(&run, 1);
    let findings = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    (out.join("report.html"), findings.lines().count() - 1)
}

/// The large report opens with its long tables folded and every row in
/// the page, and prints every row. Prints the time to first paint and to
/// DOMContentLoaded (a figure, not a timed test: only a generous bound).
#[test]
fn large_report_opens_folded_with_every_row_in_chromium() {
    let Some(mut browser) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (report, findings) = large_report(dir.path());
    let html = std::fs::read_to_string(&report).unwrap();
    let mut page = browser.new_page().unwrap();
    let url = open(&mut page, &report);
    assert_quiet(&mut page, &url, &html);
    let got = eval(
        &mut page,
        r##"(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {
    fcp: paint ? paint.startTime : null,
    dcl: nav.domContentLoadedEventEnd,
    load: nav.loadEventEnd,
    findings: document.querySelectorAll("#findings-list tbody tr").length,
    access: document.querySelectorAll("#access-table tbody tr").length,
    folds: Array.from(document.querySelectorAll("details.fold"), d => d.open),
    shown: Array.from(document.querySelectorAll("details.fold tbody tr:last-child"),
      r => r.checkVisibility()),
  };
})()"##,
    );
    note(&format!(
        "large report ({:.1} MB, {findings} findings): first contentful paint {} ms, \
         DOMContentLoaded {} ms, load {} ms",
        html.len() as f64 / 1e6,
        got["fcp"],
        got["dcl"],
        got["load"]
    ));
    assert_eq!(got["findings"], json!(findings), "every finding is a row");
    assert_eq!(
        got["access"],
        json!(large_org::MEMBERS + large_org::INVITES),
        "every account is a row"
    );
    // Low, medium and high are long; critical (214) too, and the inventory.
    let folds = got["folds"].as_array().unwrap();
    assert!(folds.len() >= 4, "{got}");
    assert!(folds.iter().all(|open| open == false), "folded: {got}");
    assert!(
        got["shown"].as_array().unwrap().iter().all(|s| s == false),
        "{got}"
    );
    assert!(
        got["dcl"].as_f64().is_some_and(|ms| ms < 60_000.0),
        "DOMContentLoaded: {got}"
    );

    // Printed, every folded row is laid out.
    page.call("Emulation.setEmulatedMedia", json!({"media": "print"}))
        .unwrap();
    let printed = eval(
        &mut page,
        r##"Array.from(document.querySelectorAll("details.fold tbody tr"))
  .filter(r => !r.checkVisibility()).length"##,
    );
    assert_eq!(printed, json!(0), "rows missing from the print layout");
    page.call("Emulation.setEmulatedMedia", json!({"media": ""}))
        .unwrap();

    // A filter unfolds what it finds.
    eval(
        &mut page,
        r##"(() => {
  const input = document.querySelector('[data-controls="findings-list"] [data-filter]');
  input.value = "user09999";
  input.dispatchEvent(new Event("input", {bubbles: true}));
})()"##,
    );
    let found = eval(
        &mut page,
        r##"Array.from(document.querySelectorAll("#findings-list tbody tr"))
  .filter(r => r.checkVisibility())
  .map(r => r.querySelector(".subject").textContent)"##,
    );
    assert!(
        !found.as_array().unwrap().is_empty()
            && found.as_array().unwrap().iter().all(|s| s == "user09999"),
        "{found}"
    );
    assert_quiet(&mut page, &url, &html);
}
