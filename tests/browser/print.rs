//! The print layout: print media at the width an A4 page leaves, and a
//! real PDF whose pages are A4.

use std::path::Path;

use serde_json::{Value, json};

use super::{eval, save};
use crate::support::cdp::{Page, decode_base64};

/// The printable width, in mm, of an A4 page with the left and right
/// margins of the `@page …` rule `rule` in report.css; and whether that
/// page is landscape.
fn page_box(css: &str, rule: &str) -> (f64, bool) {
    let start = css
        .find(rule)
        .unwrap_or_else(|| panic!("no `{rule}` in report.css"));
    let body = &css[start..start + css[start..].find('}').unwrap()];
    let margin = body.split("margin:").nth(1).unwrap();
    let mm: Vec<f64> = margin[..margin.find(';').unwrap()]
        .split_whitespace()
        .map(|v| {
            v.strip_suffix("mm")
                .expect("margins in mm")
                .parse()
                .unwrap()
        })
        .collect();
    let (right, left) = match mm.as_slice() {
        [all] => (*all, *all),
        [_, h] | [_, h, _] => (*h, *h),
        [_, r, _, l] => (*r, *l),
        _ => panic!("bad margin in {body}"),
    };
    let paper = if body.contains("landscape") {
        297.0
    } else {
        210.0
    };
    (paper - left - right, body.contains("landscape"))
}

/// The document's scroll and client widths, with the sections printed on
/// named (landscape) pages hidden when `portrait_only`; and the elements
/// that stick out.
fn print_widths(page: &mut Page, portrait_only: bool) -> (u64, u64, Value) {
    let got = eval(
        page,
        &format!(
            r#"(() => {{
  const named = Array.from(document.querySelectorAll("body > *, main > *"))
    .filter(e => getComputedStyle(e).page !== "auto");
  if ({portrait_only}) named.forEach(e => {{ e.hidden = true; }});
  const root = document.documentElement;
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5)
    .slice(0, 8)
    .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + e.getBoundingClientRect().right);
  const out = [root.scrollWidth, root.clientWidth, {{named: named.map(e => e.id), wide}}];
  named.forEach(e => {{ e.hidden = false; }});
  return out;
}})()"#
        ),
    );
    (
        got[0].as_u64().unwrap(),
        got[1].as_u64().unwrap(),
        got[2].clone(),
    )
}

/// Print media at the printable width of an A4 page at 96 px per inch, as
/// report.css's `@page` margins leave it: nothing is wider, in portrait,
/// nor on the landscape pages of the inventory. (Chrome would otherwise
/// shrink every page to fit the widest.) Then a real PDF of A4 pages.
pub(super) fn assert_prints_on_a4(page: &mut Page) {
    let css =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/report.css"))
            .unwrap();
    let px = |mm: f64| (mm / 25.4 * 96.0).floor() as u32;
    page.call("Emulation.setEmulatedMedia", json!({"media": "print"}))
        .unwrap();
    page.call("Emulation.setScrollbarsHidden", json!({"hidden": true}))
        .unwrap();
    for (rule, portrait_only) in [("@page {", true), ("@page inventory {", false)] {
        let (mm, landscape) = page_box(&css, rule);
        assert_eq!(landscape, !portrait_only, "{rule}");
        page.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": px(mm), "height": 1100, "deviceScaleFactor": 1, "mobile": false}),
        )
        .unwrap();
        let (scroll, client, detail) = print_widths(page, portrait_only);
        assert_eq!(client, u64::from(px(mm)), "{rule}: the viewport");
        assert!(
            scroll <= client,
            "{rule}: the print layout is {scroll}px wide, A4 leaves {client}px ({mm} mm): {detail}"
        );
        let named = detail["named"].as_array().unwrap();
        assert!(
            named.contains(&json!("access")),
            "{rule}: landscape {named:?}"
        );
    }
    page.call("Emulation.clearDeviceMetricsOverride", json!({}))
        .unwrap();
    page.call("Emulation.setScrollbarsHidden", json!({"hidden": false}))
        .unwrap();
    page.call("Emulation.setEmulatedMedia", json!({"media": ""}))
        .unwrap();

    // The CSS page sizes win over the paper size, as in Chrome's print
    // dialog: A4 portrait, and A4 landscape for the inventory.
    let pdf = page
        .call(
            "Page.printToPDF",
            json!({"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": true,
                   "preferCSSPageSize": true}),
        )
        .unwrap();
    let pdf = decode_base64(pdf["data"].as_str().unwrap()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    save("demo-report.pdf", &pdf);
    let (portrait, landscape) = a4_pages(&pdf);
    assert!(
        portrait >= 2 && landscape >= 1,
        "{portrait} portrait and {landscape} landscape pages"
    );
}

/// Counts the PDF's A4 pages by orientation; panics on any other size.
fn a4_pages(pdf: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(pdf);
    let (a4_w, a4_h) = (595.28, 841.89);
    let near = |a: f64, b: f64| (a - b).abs() < 1.5;
    let (mut portrait, mut landscape) = (0, 0);
    for found in text.split("/MediaBox [").skip(1) {
        let v: Vec<f64> = found[..found.find(']').unwrap()]
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        let (w, h) = (v[2] - v[0], v[3] - v[1]);
        if near(w, a4_w) && near(h, a4_h) {
            portrait += 1;
        } else if near(w, a4_h) && near(h, a4_w) {
            landscape += 1;
        } else {
            panic!("a page of {w} × {h} pt is not A4");
        }
    }
    (portrait, landscape)
}
