//! Sorting and filtering, as a reader does it: mouse clicks on headers,
//! typing into the filter, the severity and muted controls.

use std::cmp::Ordering;

use serde_json::json;

use super::eval;
use crate::support::cdp::Page;

/// A column of a table's body, in display order, as `report.js` keys it.
#[derive(Debug, PartialEq)]
struct Column {
    /// The cell's text, whitespace collapsed; empty for a `.none` cell.
    keys: Vec<String>,
    /// Whole rows, to check a sort is a permutation.
    rows: Vec<String>,
    /// The header's `aria-sort`.
    sort: Option<String>,
}

fn column(page: &mut Page, table: &str, index: usize) -> Column {
    let sel = json!(table);
    let got = eval(
        page,
        &format!(
            r#"(() => {{
  const table = document.querySelector({sel});
  const rows = Array.from(table.tBodies[0].rows);
  const key = r => {{
    const c = r.cells[{index}];
    return !c || c.querySelector(".none") ? "" : c.textContent.replace(/\s+/g, " ").trim();
  }};
  return {{
    keys: rows.map(key),
    rows: rows.map(r => r.textContent),
    sort: table.tHead.rows[0].cells[{index}].getAttribute("aria-sort"),
  }};
}})()"#
        ),
    );
    Column {
        keys: serde_json::from_value(got["keys"].clone()).unwrap(),
        rows: serde_json::from_value(got["rows"].clone()).unwrap(),
        sort: got["sort"].as_str().map(str::to_owned),
    }
}

/// Clicks the middle of a column header with the mouse.
fn click_header(page: &mut Page, table: &str, index: usize) {
    let sel = json!(table);
    let at = eval(
        page,
        &format!(
            r#"(() => {{
  const th = document.querySelector({sel}).tHead.rows[0].cells[{index}];
  th.scrollIntoView({{block: "center"}});
  const r = th.getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2];
}})()"#
        ),
    );
    page.click_at(at[0].as_f64().unwrap(), at[1].as_f64().unwrap())
        .unwrap();
}

/// Letters and digits, case folded: agrees with any collation on the
/// report's names, which differ in a letter or digit before punctuation.
pub(super) fn text_order(a: &str, b: &str) -> Ordering {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    fold(a).cmp(&fold(b))
}

pub(super) fn number_order(a: &str, b: &str) -> Ordering {
    let n = |s: &str| s.replace(',', "").parse::<f64>().unwrap();
    n(a).total_cmp(&n(b))
}

/// Clicks a header twice: ascending, then descending, empty cells last
/// both times, and the same rows throughout.
pub(super) fn assert_sorts(
    page: &mut Page,
    table: &str,
    index: usize,
    order: fn(&str, &str) -> Ordering,
) {
    let before = column(page, table, index);
    let mut sorted_rows = before.rows.clone();
    sorted_rows.sort();
    let mut distinct: Vec<&String> = before.keys.iter().filter(|k| !k.is_empty()).collect();
    distinct.sort();
    distinct.dedup();
    assert!(
        distinct.len() >= 2,
        "{table}: nothing to sort in {before:?}"
    );
    for (direction, reverse) in [("ascending", false), ("descending", true)] {
        click_header(page, table, index);
        let now = column(page, table, index);
        assert_eq!(
            now.sort.as_deref(),
            Some(direction),
            "{table} column {index}"
        );
        let mut rows = now.rows.clone();
        rows.sort();
        assert_eq!(rows, sorted_rows, "{table}: sorting changed the rows");
        let filled = now.keys.iter().take_while(|k| !k.is_empty()).count();
        assert!(
            now.keys[filled..].iter().all(String::is_empty),
            "{table} {direction}: empty cells not last: {:?}",
            now.keys
        );
        for pair in now.keys[..filled].windows(2) {
            let o = order(&pair[0], &pair[1]);
            let o = if reverse { o.reverse() } else { o };
            assert!(
                o != Ordering::Greater,
                "{table} column {index} not {direction}: {:?}",
                now.keys
            );
        }
    }
}

/// Each findings row: its text, whether it is displayed, rank, muted.
fn findings_rows(page: &mut Page) -> (Vec<(String, bool, i64, bool)>, String) {
    let got = eval(
        page,
        r#"(() => ({
  rows: Array.from(document.querySelectorAll('#findings-list tbody tr'), r => [
    r.textContent.toLowerCase(),
    r.getClientRects().length > 0,
    Number(r.dataset.rank),
    r.hasAttribute("data-muted"),
  ]),
  count: document.querySelector('[data-controls="findings-list"] .count').textContent,
}))()"#,
    );
    (
        serde_json::from_value(got["rows"].clone()).unwrap(),
        got["count"].as_str().unwrap().to_owned(),
    )
}

/// Sets a control's value as a script would and fires its events.
fn set_control(page: &mut Page, selector: &str, value: &str) {
    let (sel, value) = (json!(selector), json!(value));
    eval(
        page,
        &format!(
            r#"(() => {{
  const el = document.querySelector('[data-controls="findings-list"] ' + {sel});
  if (el.type === "checkbox") {{ el.checked = {value} === "on"; }} else {{ el.value = {value}; }}
  el.dispatchEvent(new Event("input", {{bubbles: true}}));
  el.dispatchEvent(new Event("change", {{bubbles: true}}));
}})()"#
        ),
    );
}

/// Shown rows are exactly those `keep` accepts, and the count says so.
fn assert_shown(page: &mut Page, what: &str, keep: impl Fn(&str, i64, bool) -> bool) {
    let (rows, count) = findings_rows(page);
    let expected: Vec<bool> = rows.iter().map(|r| keep(&r.0, r.2, r.3)).collect();
    let shown: Vec<bool> = rows.iter().map(|r| r.1).collect();
    assert_eq!(shown, expected, "{what}: rows shown");
    let n = shown.iter().filter(|s| **s).count();
    let total = rows.len();
    assert!(
        n > 0 && (n < total || what == "no filter"),
        "{what}: {n} of {total} shown"
    );
    let text = if n == total {
        format!("{total} rows")
    } else {
        format!("{n} of {total} rows shown")
    };
    assert_eq!(count, text, "{what}: the count");
}

pub(super) fn assert_filters(page: &mut Page) {
    assert_shown(page, "no filter", |_, _, _| true);
    // Typed, in mixed case, as a person would.
    eval(
        page,
        r#"document.querySelector('[data-controls="findings-list"] [data-filter]').focus()"#,
    );
    page.call("Input.insertText", json!({"text": "Tomasz"}))
        .unwrap();
    assert_shown(page, "filter Tomasz", |text, _, _| text.contains("tomasz"));
    set_control(page, "[data-filter]", "");
    assert_shown(page, "no filter", |_, _, _| true);

    set_control(page, "[data-min-rank]", "3");
    assert_shown(page, "high and above", |_, rank, _| rank >= 3);
    let medium_shown = eval(
        page,
        r#"document.querySelector('#findings-list .sev-medium').getClientRects().length > 0"#,
    );
    assert_eq!(medium_shown, json!(false), "the medium group stays shown");
    set_control(page, "[data-min-rank]", "0");

    set_control(page, "[data-hide-muted]", "on");
    assert_shown(page, "hide muted", |_, _, muted| !muted);
    set_control(page, "[data-hide-muted]", "off");
    assert_shown(page, "no filter", |_, _, _| true);
}
