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
/// The findings tables' rows: `{{ grp.rows }}` in `_findings.html.j2` is
/// this template rendered for the group's findings (`rows`).
pub const FINDING_ROWS: &str = "_finding_rows.html.j2";
/// The access inventory's rows: `{{ report.access_rows }}` in
/// `_access.html.j2` is this template rendered for `report.access`.
pub const ACCESS_ROWS: &str = "_access_rows.html.j2";

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
pub const EMBEDDED: [(&str, &str); 10] = [
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
        FINDING_ROWS,
        include_str!("../../templates/_finding_rows.html.j2"),
    ),
    (
        ACCESS_ROWS,
        include_str!("../../templates/_access_rows.html.j2"),
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

/// [`render`], written to `out` piece by piece as the page renders (a
/// large org's page is 12 MB: it is never put together in memory). An
/// error writing to `out` comes back as a template error: the writer
/// knows it for what it is.
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
    let groups = context::severity_groups(report);
    std::thread::scope(|scope| {
        let mut pieces = Pieces::new();
        // The two long tables, the findings (per severity) and the access
        // inventory, in a few pieces per core, each on its own thread: each
        // piece builds its rows' views, hands them over (`grp.findings`,
        // `report.access`), then renders them while the rest of the page
        // is built.
        let severities: Vec<_> = groups
            .iter()
            .map(|(group, findings)| {
                let rows = pieces.rows(scope, &env, FINDING_ROWS, findings, |chunk| {
                    context::finding_views(chunk)
                });
                (group, rows)
            })
            .collect();
        let access = pieces.rows(
            scope,
            &env,
            ACCESS_ROWS,
            &report.access,
            context::access_views,
        );
        // The other long lists of the view are built and converted each on
        // its own thread.
        let list = |build: fn(&Report) -> Value| scope.spawn(move || build(report));
        let lists = [
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
        let severities: Value = severities
            .into_iter()
            .map(|(group, rows)| {
                let (views, markers) = rows.done();
                context! {
                    findings => views,
                    rows => markers,
                    ..Value::from_serialize(group)
                }
            })
            .collect::<Vec<_>>()
            .into();
        let mut lists: Vec<(&str, Value)> = lists
            .into_iter()
            .map(|(name, h)| (name, h.join().expect("a view builder panicked")))
            .collect();
        let (access, access_rows) = access.done();
        lists.extend([
            ("severities", severities),
            ("access", access),
            ("access_rows", access_rows),
        ]);
        // The charts are SVG drawn by hfaudit from numbers and dates only:
        // the one piece of markup the templates insert unescaped.
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

        // The sections are independent pages of rows: each renders on its
        // own thread, and the page template inserts them as
        // `sections.NAME`. An override of the page that includes them
        // instead works as well.
        let ctx = context! { report => report, csp => csp, charts => charts };
        let mut sections = Vec::with_capacity(SECTIONS.len());
        for (name, file) in SECTIONS {
            let (env, ctx) = (&env, ctx.clone());
            let marker = pieces.add(scope.spawn(move || {
                env.get_template(file)
                    .and_then(|t| t.render(ctx))
                    .map(Text::Page)
            }));
            sections.push((name, Value::from_safe_string(marker)));
        }
        let sections: Value = sections.into_iter().collect();
        let page = env
            .get_template(MAIN)
            .and_then(|t| t.render(context! { sections => sections, ..ctx.clone() }))
            .map_err(fail)?;
        // The page is written as its pieces are done, in page order: the
        // first rows go to the file while the last still render.
        pieces.write(&page, out).map_err(fail)?;
        // The view of a large org is some 100,000 values: freed on a
        // thread of its own, not before the page's file is closed.
        crate::report::write::drop_aside(ctx);
        pieces.finish().map_err(fail)
    })
}

/// A long table is rendered in about this many pieces per core: enough
/// for the cores to share the work evenly, few enough that each thread's
/// heap is not a cost of its own (a large org's 10,000 access rows).
const PIECES_PER_CORE: usize = 2;

/// Fewer rows than this are not split further.
const MIN_ROWS_PER_PIECE: usize = 250;

/// How many of `rows` rows one piece renders.
fn rows_per_piece(rows: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    rows.div_ceil(PIECES_PER_CORE * cores)
        .max(MIN_ROWS_PER_PIECE)
}

/// How every marker of a part begins (then a nonce, the part's number and
/// `-->`).
const MARKER: &str = "<!--hfaudit-piece-";

/// A part of the page that renders on its own thread.
type Rendering<'scope> =
    std::thread::ScopedJoinHandle<'scope, std::result::Result<Text, minijinja::Error>>;

/// What a part rendered.
enum Text {
    /// A section: it may hold the markers of other parts.
    Page(String),
    /// A piece of a long table's rows, as written: it holds no marker (its
    /// template sees its rows' views only, and the views' text is
    /// escaped), so it is written as it stands.
    Rows(Chunks),
}

/// Rendered bytes in blocks of [`Chunks::BLOCK`] or more: a piece of a
/// long table (up to a few MB) grows without being copied as a `String`
/// would be when it doubles.
#[derive(Default)]
struct Chunks(Vec<Vec<u8>>);

impl Chunks {
    const BLOCK: usize = 256 * 1024;
}

impl Write for Chunks {
    fn write(&mut self, mut buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len();
        while !buf.is_empty() {
            match self.0.last_mut() {
                Some(block) if block.len() < block.capacity() => {
                    let room = (block.capacity() - block.len()).min(buf.len());
                    block.extend_from_slice(&buf[..room]);
                    buf = &buf[room..];
                }
                _ => self.0.push(Vec::with_capacity(Self::BLOCK)),
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The parts of the page rendered on other threads, each standing in the
/// page (or in another part) as a marker until the writer reaches it.
struct Pieces<'scope> {
    /// `<!--hfaudit-piece-NONCE-`: the nonce is random, and no autoescaped
    /// text can contain `<`, so only a marker this render made matches.
    prefix: String,
    parts: Vec<Part<'scope>>,
}

enum Part<'scope> {
    Rendering(Rendering<'scope>),
    Done(std::rc::Rc<Text>),
    Taken,
}

impl<'scope> Pieces<'scope> {
    fn new() -> Self {
        Pieces {
            prefix: format!("{MARKER}{:016x}-", rand::random::<u64>()),
            parts: Vec::new(),
        }
    }

    /// The marker that stands for the part `rendering` renders.
    fn add(&mut self, rendering: Rendering<'scope>) -> String {
        self.parts.push(Part::Rendering(rendering));
        format!("{}{}-->", self.prefix, self.parts.len() - 1)
    }

    /// `items` in pieces ([`rows_per_piece`]), each on its own thread:
    /// its views built by `view`, handed back, then rendered by the rows
    /// template `template` (as `rows`).
    fn rows<T: Sync, V: serde::Serialize + 'scope>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        env: &'scope Environment<'static>,
        template: &'static str,
        items: &'scope [T],
        view: fn(&[T]) -> Vec<V>,
    ) -> Rows {
        let mut rows = Rows {
            markers: String::new(),
            views: Vec::new(),
        };
        for chunk in items.chunks(rows_per_piece(items.len())) {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            rows.markers.push_str(&self.add(scope.spawn(move || {
                let views = Value::from_serialize(view(chunk));
                let _ = tx.send(views.clone());
                let mut rendered = Chunks::default();
                env.get_template(template)
                    .and_then(|t| {
                        t.render_captured_to(context! { rows => views }, &mut rendered)
                            .map(drop)
                    })
                    .map(|()| Text::Rows(rendered))
            })));
            rows.views.push(rx);
        }
        rows
    }

    /// Writes `text` with each marker replaced by its part (itself
    /// written the same way), waiting for each part in turn.
    fn write(
        &mut self,
        text: &str,
        out: &mut dyn Write,
    ) -> std::result::Result<(), minijinja::Error> {
        let mut rest = text;
        while let Some(at) = rest.find(MARKER) {
            out.write_all(&rest.as_bytes()[..at]).map_err(written)?;
            // Only this render makes markers, whole; an override template
            // may still cut one (by slicing a section).
            let Some((n, end)) = rest[at..]
                .strip_prefix(self.prefix.as_str())
                .and_then(|after| {
                    let end = after.find("-->")?;
                    Some((after[..end].parse::<usize>().ok()?, end))
                })
                .filter(|(n, _)| *n < self.parts.len())
            else {
                return Err(minijinja::Error::new(
                    ErrorKind::InvalidOperation,
                    "a section or table of the page was cut: insert it whole",
                ));
            };
            match &*self.part(n)? {
                Text::Page(text) => self.write(text, out)?,
                Text::Rows(rows) => {
                    for block in &rows.0 {
                        out.write_all(block).map_err(written)?;
                    }
                }
            }
            rest = &rest[at + self.prefix.len() + end + 3..];
        }
        out.write_all(rest.as_bytes()).map_err(written)
    }

    /// Part `n`, rendered (waited for the first time).
    fn part(&mut self, n: usize) -> std::result::Result<std::rc::Rc<Text>, minijinja::Error> {
        if let Part::Done(done) = &self.parts[n] {
            return Ok(done.clone());
        }
        let Part::Rendering(rendering) = std::mem::replace(&mut self.parts[n], Part::Taken) else {
            unreachable!("a part is rendering, done, or failed and reported")
        };
        let done = std::rc::Rc::new(crate::report::write::joined(rendering)?);
        self.parts[n] = Part::Done(done.clone());
        Ok(done)
    }

    /// The first error of a part the page left out: a broken template is
    /// an error whether or not the page uses it.
    fn finish(self) -> std::result::Result<(), minijinja::Error> {
        for part in self.parts {
            if let Part::Rendering(rendering) = part {
                crate::report::write::joined(rendering)?;
            }
        }
        Ok(())
    }
}

/// A long table's rows, rendering in pieces.
struct Rows {
    /// The pieces' markers, in order.
    markers: String,
    /// Each piece's views, as they are handed over.
    views: Vec<std::sync::mpsc::Receiver<Value>>,
}

impl Rows {
    /// Every row's view (one list, waited for), and the rows as they stand
    /// in the page.
    fn done(self) -> (Value, Value) {
        let views: Vec<Value> = self
            .views
            .into_iter()
            .flat_map(|rx| {
                let piece = rx.recv().expect("a view builder panicked");
                piece
                    .try_iter()
                    .expect("the views are a list")
                    .collect::<Vec<_>>()
            })
            .collect();
        (Value::from(views), Value::from_safe_string(self.markers))
    }
}

/// An error writing the page, as minijinja reports one.
fn written(e: std::io::Error) -> minijinja::Error {
    minijinja::Error::new(ErrorKind::WriteFailure, "cannot write the page").with_source(e)
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

    /// The error of rendering the test report with `source` as the
    /// override of template `name`, and the override directory.
    fn overridden(name: &str, source: &str) -> (tempfile::TempDir, Error) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), source).unwrap();
        let err = render(&testdata::report(), Some(dir.path())).unwrap_err();
        (dir, err)
    }

    #[test]
    fn an_undefined_value_in_an_override_is_a_config_error() {
        let (dir, err) = overridden(MAIN, "<p>{{ report.nope }}</p>");
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

    /// A group of more rows than one thread renders: every row once, in
    /// the findings' order, and nothing of the pieces' markers left.
    #[test]
    fn rows_rendered_in_pieces_are_written_in_order() {
        let mut report = testdata::report();
        let template = report
            .findings
            .iter()
            .find(|f| f.severity == crate::rules::Severity::High)
            .unwrap()
            .clone();
        let n = 2 * MIN_ROWS_PER_PIECE + 7;
        report
            .findings
            .retain(|f| f.severity != crate::rules::Severity::High);
        for i in 0..n {
            let mut f = template.clone();
            f.subject = format!("subject-{i:05}");
            report.findings.push(f);
        }
        let html = render(&report, None).unwrap();
        let high = between(&html, r#"id="sev-high-h""#, "</section>");
        let subjects: Vec<&str> = high
            .match_indices(r#"<bdi class="subject">"#)
            .map(|(at, open)| {
                let rest = &high[at + open.len()..];
                &rest[..rest.find('<').unwrap()]
            })
            .collect();
        let expected: Vec<String> = (0..n).map(|i| format!("subject-{i:05}")).collect();
        assert_eq!(subjects, expected);
        assert!(high.contains(&format!("Show the {n} high findings")));
        assert!(!html.contains("hfaudit-piece"), "a marker was left");
    }

    /// Rows are kept in blocks of at most `BLOCK` bytes, filled in order:
    /// writes that cross a block's end come out whole and in order.
    #[test]
    fn chunks_keep_every_byte_in_order() {
        let mut chunks = Chunks::default();
        let text: Vec<u8> = (0..3 * Chunks::BLOCK + 17)
            .map(|i| (i % 251) as u8)
            .collect();
        let mut written = 0;
        for size in [1, Chunks::BLOCK - 1, 2, Chunks::BLOCK + 5] {
            chunks.write_all(&text[written..written + size]).unwrap();
            written += size;
        }
        chunks.write_all(&text[written..]).unwrap();
        assert!(chunks.0.iter().all(|b| b.len() <= Chunks::BLOCK));
        assert_eq!(chunks.0.len(), 4);
        assert_eq!(chunks.0.concat(), text);
    }

    /// An override that cuts a section (and marks the cut |safe) gets an
    /// error, not a panic or a page with a hole.
    #[test]
    fn a_section_cut_by_an_override_is_an_error() {
        let (dir, err) = overridden(MAIN, "{{ (sections.summary ~ '')[:30]|safe }}");
        assert!(err.to_string().contains("was cut"), "{err}");
        assert_eq!(config_path(err), dir.path().join(MAIN));
    }

    #[test]
    fn a_broken_rows_override_is_a_config_error() {
        let (dir, err) = overridden(FINDING_ROWS, "{% for f in rows %}{{ f.nope }}{% endfor %}");
        assert_eq!(config_path(err), dir.path().join(FINDING_ROWS));
    }

    /// A page override that leaves a section out still fails on that
    /// section's broken template.
    #[test]
    fn a_broken_section_the_page_leaves_out_is_still_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MAIN), "<p>{{ sections.summary }}</p>").unwrap();
        assert!(render(&testdata::report(), Some(dir.path())).is_ok());
        std::fs::write(dir.path().join("_seats.html.j2"), "{{ report.nope }}").unwrap();
        let err = render(&testdata::report(), Some(dir.path())).unwrap_err();
        assert_eq!(config_path(err), dir.path().join("_seats.html.j2"));
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
