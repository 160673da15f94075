//! `report.html`: one self-contained page rendered with minijinja.
//!
//! The templates ship inside the binary; `--templates DIR` overrides any of
//! them by file name (zola's habit). `*.html.j2` files are autoescaped and
//! undefined values are errors, so a typo fails instead of blanking a
//! column. The page's Content-Security-Policy forbids every fetch and pins
//! the inline `<style>` and `<script>` by their SHA-256, computed here from
//! `report.css` and `report.js` as they render.

use std::io::Write;
use std::path::{Path, PathBuf};

use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value, context};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::report::context::{self, ReportView};
use crate::report::{Report, SeatHistoryRow, chart};

/// The page template; the others are included from it.
pub const MAIN: &str = "report.html.j2";
pub const STYLE: &str = "report.css";
pub const SCRIPT: &str = "report.js";

/// The page's sections, in page order: `{{ sections.NAME }}` in the page
/// template is the section template rendered.
pub const SECTIONS: [(&str, &str); 5] = [
    ("summary", "_summary.html.j2"),
    ("findings", "_findings.html.j2"),
    ("history", "_history.html.j2"),
    ("seats", "_seats.html.j2"),
    ("access", "_access.html.j2"),
];

/// Every embedded template, by the file name an override must use.
pub const EMBEDDED: [(&str, &str); 8] = [
    (MAIN, include_str!("../../templates/report.html.j2")),
    (
        "_summary.html.j2",
        include_str!("../../templates/_summary.html.j2"),
    ),
    (
        "_findings.html.j2",
        include_str!("../../templates/_findings.html.j2"),
    ),
    (
        "_seats.html.j2",
        include_str!("../../templates/_seats.html.j2"),
    ),
    (
        "_history.html.j2",
        include_str!("../../templates/_history.html.j2"),
    ),
    (
        "_access.html.j2",
        include_str!("../../templates/_access.html.j2"),
    ),
    (STYLE, include_str!("../../templates/report.css")),
    (SCRIPT, include_str!("../../templates/report.js")),
];

/// Renders `report.html`. A template in `templates` replaces the embedded
/// one of the same name; a broken one is a config error (exit 2).
pub fn render(report: &Report, templates: Option<&Path>) -> Result<String> {
    let mut page = Vec::new();
    render_to(report, templates, &mut page)?;
    Ok(String::from_utf8(page).expect("minijinja writes UTF-8"))
}

/// [`render`], written to `out` as the page renders (a large org's page
/// is 12 MB: it goes to its file, never whole in memory). An error
/// writing to `out` comes back as a template error: the writer knows it
/// for what it is.
pub fn render_to(report: &Report, templates: Option<&Path>, out: &mut dyn Write) -> Result<()> {
    if let Some(dir) = templates
        && !dir.is_dir()
    {
        return Err(Error::Config {
            path: dir.to_path_buf(),
            message: "the templates directory does not exist".into(),
        });
    }
    let env = environment(templates);
    let fail = |e: minijinja::Error| template_error(templates, &e);
    // The view of a large org is mostly four long lists: each is built and
    // converted for the templates on its own thread.
    let (view, lists) = std::thread::scope(|scope| {
        let list = |build: fn(&Report) -> Value| scope.spawn(move || build(report));
        let lists = [
            (
                "severities",
                list(|r| Value::from_serialize(context::severity_groups(r))),
            ),
            (
                "access",
                list(|r| Value::from_serialize(context::access_rows(r))),
            ),
            (
                "still_holding",
                list(|r| Value::from_serialize(context::still_holding(r))),
            ),
            (
                "revoked",
                list(|r| Value::from_serialize(context::revoked(r))),
            ),
        ];
        let view = ReportView::new(report);
        let lists: Vec<(&str, Value)> = lists
            .into_iter()
            .map(|(name, h)| (name, h.join().expect("a view builder panicked")))
            .collect();
        (view, lists)
    });
    // The charts are SVG drawn by hfaudit from numbers and dates only: the
    // one piece of markup the templates insert unescaped.
    let charts: Value = view
        .trends
        .iter()
        .filter_map(|org| {
            let rows: Vec<&SeatHistoryRow> = report
                .seat_history
                .iter()
                .filter(|r| crate::text::clean_text(&r.org) == org.as_str())
                .collect();
            chart::seat_trend(&rows).map(|svg| (org.clone(), Value::from_safe_string(svg)))
        })
        .collect();
    let lists: Value = lists.into_iter().collect();
    let report = context! { ..lists, ..Value::from_serialize(view) };
    let asset = |name: &str| -> Result<String> {
        env.get_template(name)
            .and_then(|t| t.render(context! { report => report.clone() }))
            .map_err(fail)
    };
    let csp = content_security_policy(&asset(STYLE)?, &asset(SCRIPT)?);

    // The sections are independent pages of rows (a large org's findings
    // and access inventory are most of the work): each renders on its own
    // thread, and the page template inserts them as `sections.NAME`. An
    // override of the page that still includes them works as well.
    let ctx = context! { report => report.clone(), csp => csp, charts => charts };
    let rendered: Vec<Result<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = SECTIONS
            .iter()
            .map(|(_, file)| {
                let (env, ctx) = (&env, &ctx);
                scope.spawn(move || env.get_template(file).and_then(|t| t.render(ctx)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a section renderer panicked").map_err(fail))
            .collect()
    });
    let mut sections = Vec::with_capacity(SECTIONS.len());
    for ((name, _), html) in SECTIONS.iter().zip(rendered) {
        let html = html?;
        sections.push((*name, Value::from_safe_string(html)));
    }
    let sections: Value = sections.into_iter().collect();
    env.get_template(MAIN)
        .and_then(|t| {
            t.render_captured_to(context! { sections => sections, ..ctx }, out)
                .map(drop)
        })
        .map_err(fail)
}

fn environment(templates: Option<&Path>) -> Environment<'static> {
    let mut env = Environment::new();
    // The default callback autoescapes `*.html.j2` (it ignores `.j2`).
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let dir = templates.map(Path::to_path_buf);
    env.set_loader(move |name| load(dir.as_deref(), name));
    env
}

/// The override directory first, then the embedded templates. Only plain
/// file names are looked up in the directory.
fn load(dir: Option<&Path>, name: &str) -> std::result::Result<Option<String>, minijinja::Error> {
    if let Some(dir) = dir
        && is_plain_file_name(name)
    {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(source) => return Ok(Some(source)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(minijinja::Error::new(
                    ErrorKind::TemplateNotFound,
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        }
    }
    Ok(EMBEDDED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, source)| (*source).to_owned()))
}

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && Path::new(name).file_name().is_some_and(|f| f == name)
}

/// The file to blame: the override if there is one, else the embedded
/// template's source path.
fn template_error(templates: Option<&Path>, e: &minijinja::Error) -> Error {
    let name = e.name().unwrap_or(MAIN);
    let path = templates
        .map(|d| d.join(name))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("templates").join(name));
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    Error::Config { path, message }
}

/// No fetch of any kind; only the page's own style and script may run.
pub fn content_security_policy(style: &str, script: &str) -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:; \
         base-uri 'none'; form-action 'none'",
        sha256_source(style),
        sha256_source(script)
    )
}

fn sha256_source(text: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(text.as_bytes())))
}

/// Standard base64 with padding (CSP hash sources use it).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata;

    /// `(tag, [(attribute, value)])` for every start tag, skipping the
    /// contents of `<script>` and `<style>`. Data never produces a `<`
    /// (it is escaped), so every `<` is one of ours.
    fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            rest = &rest[open + 1..];
            if rest.starts_with('/') || rest.starts_with('!') {
                rest = &rest[rest.find('>').unwrap() + 1..];
                continue;
            }
            let name_end = rest.find(|c: char| c.is_whitespace() || c == '>').unwrap();
            let name = rest[..name_end].to_ascii_lowercase();
            rest = &rest[name_end..];
            let mut attrs = Vec::new();
            loop {
                rest = rest.trim_start();
                if let Some(r) = rest.strip_prefix('>') {
                    rest = r;
                    break;
                }
                let end = rest
                    .find(|c: char| c == '=' || c == '>' || c.is_whitespace())
                    .unwrap();
                let attr = rest[..end].to_ascii_lowercase();
                rest = &rest[end..];
                let mut value = String::new();
                if let Some(r) = rest.strip_prefix('=') {
                    let quote = r.chars().next().unwrap();
                    assert!(
                        quote == '"' || quote == '\'',
                        "unquoted attribute {attr} in <{name}>"
                    );
                    let close = r[1..].find(quote).unwrap();
                    value = r[1..1 + close].to_owned();
                    rest = &r[close + 2..];
                }
                attrs.push((attr, value));
            }
            if name == "script" || name == "style" {
                rest = &rest[rest.find(&format!("</{name}>")).unwrap()..];
            }
            out.push((name, attrs));
        }
        out
    }

    fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
        let start = html.find(open).unwrap() + open.len();
        &html[start..start + html[start..].find(close).unwrap()]
    }

    fn html() -> String {
        render(&testdata::report(), None).unwrap()
    }

    fn config_path(e: Error) -> PathBuf {
        match e {
            Error::Config { path, .. } => path,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn snapshot() {
        testdata::snapshot("report.html", &html());
    }

    #[test]
    fn hostile_text_is_inert() {
        let html = html();
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("&quot; onmouseover=&quot;x"));
        assert!(!html.contains('\u{202E}'));
        assert!(!html.chars().any(|c| c.is_control() && c != '\n'));
        assert!(html.contains("Eve \u{FFFD}gnp.exe"));
        for (tag, attrs) in tags(&html) {
            for (attr, value) in attrs {
                assert!(!attr.starts_with("on"), "<{tag} {attr}>: event handler");
                assert!(
                    attr != "style",
                    "<{tag} style>: inline styles are blocked by the CSP"
                );
                if matches!(
                    attr.as_str(),
                    "href" | "src" | "action" | "formaction" | "srcset"
                ) {
                    assert!(
                        value.starts_with('#') || value.starts_with("data:"),
                        "<{tag} {attr}={value:?}> leaves the page"
                    );
                }
            }
        }
    }

    #[test]
    fn nothing_is_fetched() {
        let html = html();
        // `/` is escaped in data, so no URL can come from the Hub either.
        assert!(!html.contains("http://") && !html.contains("https://"));
        let script = between(&html, "<script>", "</script>");
        assert!(
            !html.replace(script, "").contains("//"),
            "no protocol-relative URL anywhere"
        );
        assert!(!html.contains("url(") && !html.contains("@import"));
        let tags = tags(&html);
        assert!(tags.iter().all(|(t, _)| !matches!(
            t.as_str(),
            "img" | "iframe" | "object" | "embed" | "link" | "audio" | "video" | "source"
        ) || (t == "link"
            && html.contains(r#"<link rel="icon" href="data:,">"#))));
        let csp = tags
            .iter()
            .find(|(t, a)| {
                t == "meta"
                    && a.iter()
                        .any(|(k, v)| k == "http-equiv" && v == "Content-Security-Policy")
            })
            .map(|(_, a)| a.iter().find(|(k, _)| k == "content").unwrap().1.clone())
            .expect("a CSP meta");
        let csp = csp
            .replace("&#x27;", "'")
            .replace("&#x2f;", "/")
            .replace("&#x3d;", "=");
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        // The one style and the one script are the ones the CSP pins.
        assert_eq!(html.matches("<style>").count(), 1);
        assert_eq!(html.matches("<script>").count(), 1);
        let style = between(&html, "<style>", "</style>");
        let script = between(&html, "<script>", "</script>");
        assert!(
            csp.contains(&format!("style-src '{}'", sha256_source(style))),
            "{csp}"
        );
        assert!(
            csp.contains(&format!("script-src '{}'", sha256_source(script))),
            "{csp}"
        );
    }

    #[test]
    fn the_script_carries_no_data() {
        let a = html();
        let b = render(&testdata::empty_report(), None).unwrap();
        assert_eq!(
            between(&a, "<script>", "</script>"),
            between(&b, "<script>", "</script>")
        );
        assert_eq!(
            between(&a, "<script>", "</script>"),
            EMBEDDED
                .iter()
                .find(|(name, _)| *name == SCRIPT)
                .expect("the script is embedded")
                .1
                .trim_end_matches('\n')
        );
    }

    #[test]
    fn summary_first_then_findings_seats_inventory() {
        let html = html();
        let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(at(r#"id="summary""#) < at(r#"id="findings""#));
        assert!(at(r#"id="findings""#) < at(r#"id="seats""#));
        assert!(at(r#"id="seats""#) < at(r#"id="access""#));
        assert!(at(r#"id="access""#) < at(r#"id="outsiders""#));
        assert!(at("sev-critical-h") < at("sev-high-h"));
        assert!(at("sev-high-h") < at("sev-medium-h"));
        assert!(at("sev-medium-h") < at("sev-low-h"));
        assert!(at("sev-low-h") < at("sev-info-h"));
        // Headline: 2 open critical (one more is muted), 4 open high (one muted).
        assert!(html.contains("<dt>Critical findings</dt><dd>2</dd>"));
        assert!(html.contains("<dt>High findings</dt><dd>4</dd>"));
        assert!(html.contains("3 muted by exceptions"));
        assert!(html.contains(
            "Muted: <bdi>Break-glass account kept until the migration ends (SEC-1234)</bdi>"
        ));
        assert!(html.contains("Muted (no reason given)"));
        assert_eq!(html.matches(r#"class="is-muted" data-muted"#).count(), 3);
        // Every heuristic match is labelled, in findings and inventory.
        let report = testdata::report();
        let heuristic = report
            .findings
            .iter()
            .filter(|f| f.match_method.is_probable())
            .count()
            + report
                .access
                .iter()
                .filter(|a| a.match_method.is_probable())
                .count();
        assert_eq!(
            html.matches(r#"<span class="probable">probable match</span>"#)
                .count(),
            heuristic + 1
        );
        // What could not be checked, with the reasons.
        assert!(html.contains("<code>events</code>: <bdi>the plan does not include the audit log"));
        assert!(html.contains("<code>repo_access</code>"));
        assert!(html.contains("everything was checked."));
        // The finance figures.
        assert!(html.contains("<dt>Billable seats</dt><dd>17</dd>"));
        assert!(html.contains("<dt>Reclaimable seats</dt><dd>10</dd>"));
        assert!(html.contains("<dd>470.00</dd>"));
        assert_eq!(html.matches(r#"<tr class="all">"#).count(), 2);
        // The whole inventory and every outsider, visible without JS.
        assert_eq!(
            between(&html, r#"id="access-table""#, "</table>")
                .matches("<tr")
                .count(),
            report.access.len() + 1
        );
        assert_eq!(
            between(&html, r#"id="outsiders-table""#, "</table>")
                .matches("<tr")
                .count(),
            report.strangers.len() + 1
        );
        assert_eq!(
            html.matches(r#"class="controls""#).count(),
            html.matches(r#"class="controls" data-controls"#).count()
        );
    }

    #[test]
    fn a_quiet_report_says_so() {
        let html = render(&testdata::empty_report(), None).unwrap();
        assert!(html.contains("Nothing: every collector was available for every organization."));
        assert!(html.contains("No critical findings."));
        assert!(html.contains("No open finding at or above <code>high</code>"));
        assert!(html.contains(r#"<p class="empty">None.</p>"#));
    }

    /// Invites read from the audit log: the report says what that source
    /// cannot know, and no longer that everything was checked.
    #[test]
    fn what_the_invite_source_cannot_show_is_said() {
        let mut report = testdata::empty_report();
        let org = report.orgs[0].org.clone();
        let reason =
            crate::reconcile::invite_caveat(&org, crate::model::InviteSource::AuditLog).unwrap();
        report.orgs[0].caveats.push(crate::report::Unchecked {
            collector: "invites".into(),
            reason,
        });
        let html = render(&report, None).unwrap();
        assert!(!html.contains("Nothing: every collector was available"));
        let checked = between(&html, r#"<ul class="unchecked">"#, "</ul>");
        assert!(checked.contains("(read, with a limit)"), "{checked}");
        assert!(
            checked.contains("an invitation cancelled in Settings leaves no event"),
            "{checked}"
        );
        assert!(
            checked.contains("confirm in Settings → Members"),
            "{checked}"
        );
        assert!(
            html.contains("Stitchflow"),
            "the seat rule names its source"
        );
    }

    #[test]
    fn an_undefined_value_in_an_override_is_a_config_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MAIN), "<p>{{ report.nope }}</p>").unwrap();
        let err = render(&testdata::report(), Some(dir.path())).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("undefined"), "{err}");
        assert_eq!(config_path(err), dir.path().join(MAIN));

        std::fs::write(
            dir.path().join(MAIN),
            "{% if report.headline.nope %}x{% endif %}",
        )
        .unwrap();
        assert!(render(&testdata::report(), Some(dir.path())).is_err());

        std::fs::write(dir.path().join(MAIN), "{% for %}").unwrap();
        let err = render(&testdata::report(), Some(dir.path())).unwrap_err();
        assert_eq!(config_path(err), dir.path().join(MAIN));
    }

    #[test]
    fn an_override_replaces_one_template() {
        let dir = tempfile::tempdir().unwrap();
        let report = testdata::report();
        let before = render(&report, Some(dir.path())).unwrap();
        assert_eq!(before, html(), "an empty directory overrides nothing");

        std::fs::write(
            dir.path().join("_seats.html.j2"),
            "<section id=\"seats\"><h2>Seats</h2>{% for t in report.seat_tables %}<p>{{ t.org }}: {{ t.all.reclaimable_monthly_cost }}</p>{% endfor %}</section>",
        )
        .unwrap();
        let after = render(&report, Some(dir.path())).unwrap();
        assert_ne!(before, after);
        assert!(after.contains("<p>acme-ml: 450.00</p><p>acme-labs: 20.00</p>"));
        assert!(!after.contains("Seats by cost center"));
        assert!(
            after.contains("Access inventory"),
            "the other templates are still embedded"
        );

        // Overrides are autoescaped too.
        std::fs::write(
            dir.path().join("_seats.html.j2"),
            "{{ report.access[5].fullname }}",
        )
        .unwrap();
        let after = render(&report, Some(dir.path())).unwrap();
        assert!(after.contains("&lt;script&gt;alert(1)"));

        // An overridden stylesheet is still pinned by the CSP.
        std::fs::write(dir.path().join(STYLE), "body { color: black; }").unwrap();
        let after = render(&report, Some(dir.path())).unwrap();
        assert!(
            after
                .replace("&#x2f;", "/")
                .contains(&sha256_source("body { color: black; }"))
        );
    }

    #[test]
    fn a_missing_templates_directory_is_a_config_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let err = render(&testdata::report(), Some(&missing)).unwrap_err();
        assert_eq!(config_path(err), missing);
    }

    #[test]
    fn only_plain_names_are_looked_up_in_the_directory() {
        assert!(is_plain_file_name("report.html.j2"));
        assert!(!is_plain_file_name("../report.html.j2"));
        assert!(!is_plain_file_name("a/b.j2"));
        assert!(!is_plain_file_name(".hidden"));
        assert!(!is_plain_file_name(""));
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(
            sha256_source(""),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
