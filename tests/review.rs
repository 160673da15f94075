//! `hfaudit review` and `hfaudit evidence` against the fake Hub (issue 13):
//! a whole campaign (start, four reviewers' worksheets filled in and saved
//! by Excel, LibreOffice, Google Sheets and Excel with a `sep=` line,
//! imported, status, close), each kind of bad worksheet (exit 2 naming
//! file, line and column; nothing of the import recorded), the evidence
//! pack and its verification (a changed byte, a missing and an extra file,
//! a broken manifest), revocations followed through later snapshots
//! (`review verify`), one-line and no-decision worksheets, and the token
//! never written or printed.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::harness::{Case, Run, assert_code, files_below};
use crate::support::fake_hub::{Org, OrgMember, World};
use crate::support::generate::{ADMIN_TOKEN, AUDITOR};

mod mail;
mod period;
pub(crate) mod sheet;

use sheet::{Dialect, Sheet};

const ORG: &str = "acme";
const ANN: &str = "ann@acme.example";
const BEN: &str = "ben@acme.example";
const CAT: &str = "cat@acme.example";
const SEC: &str = "sec@acme.example";
const DUE: &str = "2026-12-31";

/// A Hub name that is a spreadsheet formula.
const FORMULA: &str = "=HYPERLINK(\"http://x\")";
/// A Hub name that starts like a formula.
const PLUS: &str = "+cmd";
/// A Hub name that is HTML.
pub(crate) const IMG: &str = "<img src=x onerror=alert(1)>";

/// 1-based columns of the worksheet: the line id, the reviewer, then the
/// three to fill in, after the 17 facts.
const COL_LINE_ID: u64 = 1;
const COL_REVIEWER: u64 = 3;
const COL_DECISION: u64 = 21;
const COL_NEW_ROLE: u64 = 22;
const COL_NOTE: u64 = 23;

/// Each reviewer's lines.
const LINES: [(&str, &[&str]); 4] = [
    (ANN, &["acme:alice", "acme:ann", "acme:bob"]),
    (BEN, &["acme:carol", "acme:dave", "acme:erin"]),
    (
        CAT,
        &["acme:auditor", "acme:frank", "acme:imogen", "acme:mallory"],
    ),
    (SEC, &["acme:pat", "acme:yuri", "acme:zed"]),
];
const ALL_LINES: usize = 13;

fn named(user: &str, role: &str, fullname: &str) -> OrgMember {
    OrgMember {
        fullname: fullname.into(),
        ..OrgMember::new(user, role)
    }
}

/// `auditor` (admin, the token's user) and twelve members: `ann` (an
/// admin, and the manager of herself, alice and bob), ben's three, cat's
/// (with the auditor and two hostile names), `pat` (in the roster without
/// a manager) and two accounts nobody in the roster is (`yuri`, with a
/// hostile name, and `zed`).
fn world() -> World {
    let mut org = Org::new(ORG);
    org.members = vec![
        OrgMember::new(AUDITOR, "admin"),
        OrgMember::new("ann", "admin"),
        OrgMember::new("alice", "write"),
        OrgMember::new("bob", "write"),
        OrgMember::new("carol", "read"),
        OrgMember::new("dave", "write"),
        OrgMember::new("erin", "read"),
        OrgMember::new("frank", "read"),
        named("imogen", "read", IMG),
        named("mallory", "read", FORMULA),
        OrgMember::new("pat", "read"),
        named("yuri", "read", PLUS),
        OrgMember::new("zed", "write"),
    ];
    World::single(org, ADMIN_TOKEN)
}

const ROSTER: &str = "\
email,full_name,status,hf_username,manager_email
auditor@acme.example,Audra Auditor,active,auditor,cat@acme.example
ann@acme.example,Ann Manager,active,ann,ann@acme.example
alice@acme.example,Alice Archer,active,alice,ann@acme.example
bob@acme.example,Bob Baker,active,bob,ANN@acme.example
carol@acme.example,Carol Cook,active,carol,ben@acme.example
dave@acme.example,Dave Diver,active,dave,ben@acme.example
erin@acme.example,Erin Eads,active,erin,ben@acme.example
frank@acme.example,Frank Fox,active,frank,cat@acme.example
imogen@acme.example,Imogen Ince,active,imogen,cat@acme.example
mallory@acme.example,Mallory Mane,active,mallory,cat@acme.example
pat@acme.example,Pat Page,active,pat,
ben@acme.example,Ben Boss,active,,
cat@acme.example,Cat Chief,active,,
sec@acme.example,Sec Team,active,,
";

/// The roster, with a `manager_email` column.
fn write_roster(case: &Case) -> PathBuf {
    let path = case.dir.path().join("hr/roster.csv");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, ROSTER).unwrap();
    path
}

/// `hfaudit ARGS`, checked never to print the token.
fn hf(case: &Case, args: &[&str]) -> Run {
    let run = case.run(args);
    assert!(
        !run.stdout.contains(ADMIN_TOKEN) && !run.stderr.contains(ADMIN_TOKEN),
        "hfaudit {args:?} printed the token"
    );
    run
}

/// No file below the case's directory (store, worksheets, packs) holds
/// the token.
fn assert_token_nowhere(case: &Case) {
    let files = files_below(case.dir.path());
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(ADMIN_TOKEN),
            "the token is in {}",
            file.display()
        );
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `dir` is 0700 and every directory below it too; every file 0600.
#[track_caller]
fn assert_private(dir: &Path) {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            assert_private(&p);
        } else {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
}

/// A case with one snapshot of [`world`] and the roster.
fn case_with(world: World) -> (Case, PathBuf) {
    let case = Case::new(world);
    assert_code(&case.snapshot(ORG, &[]), 0);
    let roster = write_roster(&case);
    (case, roster)
}

/// `review start` for ORG with the roster, the fallback reviewer and
/// `extra`; the run and the review id it printed.
pub(crate) fn start(case: &Case, roster: &Path, extra: &[&str]) -> (Run, String) {
    let mut args = vec![
        "review",
        "start",
        "--org",
        ORG,
        "--roster",
        roster.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = hf(case, &args);
    let id = run
        .stdout
        .strip_prefix("review ")
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    (run, id)
}

/// A started campaign of [`world`], due [`DUE`].
fn started() -> (Case, String) {
    let (case, roster) = case_with(world());
    let (run, id) = start(&case, &roster, &["--fallback-reviewer", SEC, "--due", DUE]);
    assert_code(&run, 0);
    (case, id)
}

fn review_dir(case: &Case, id: &str) -> PathBuf {
    case.store_dir().join("_reviews").join(id)
}

fn worksheet(case: &Case, id: &str, reviewer: &str, ext: &str) -> PathBuf {
    review_dir(case, id)
        .join("worksheets")
        .join(format!("{reviewer}.{ext}"))
}

fn sheet(case: &Case, id: &str, reviewer: &str) -> Sheet {
    Sheet::read(&worksheet(case, id, reviewer, "csv"))
}

/// The bytes of decisions.jsonl, `None` when there is none.
fn decisions_bytes(case: &Case, id: &str) -> Option<Vec<u8>> {
    std::fs::read(review_dir(case, id).join("decisions.jsonl")).ok()
}

fn decisions(case: &Case, id: &str) -> Vec<Value> {
    String::from_utf8(decisions_bytes(case, id).unwrap_or_default())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn import(case: &Case, files: &[&Path]) -> Run {
    let mut args = vec!["review", "import"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    hf(case, &args)
}

/// Where a reviewer's filled-in worksheet is saved ("their mail").
fn returned(case: &Case, name: &str) -> PathBuf {
    case.dir.path().join("returned").join(name)
}

/// The four worksheets filled in and saved, each by another spreadsheet:
/// ann (Excel), ben (LibreOffice), cat (Google Sheets), sec (`sep=;`).
/// Three revokes (bob, carol, frank), two changes to `read` (dave, zed),
/// ann's own account kept with a note, the rest kept.
fn fill_all(case: &Case, id: &str) -> [PathBuf; 4] {
    let mut ann = sheet(case, id, ANN);
    ann.decide("acme:alice", "keep", "", "")
        .decide("acme:ann", "keep", "", "my own account; I run the org")
        .decide("acme:bob", "revoke", "", "moved to another team");
    let mut ben = sheet(case, id, BEN);
    ben.decide("acme:carol", "revoke", "", "")
        .decide("acme:dave", "change", "read", "reads only now")
        .decide("acme:erin", "keep", "", "");
    let mut cat = sheet(case, id, CAT);
    cat.decide("acme:auditor", "Keep", "", "")
        .decide("acme:frank", "revoke", "", "")
        .decide("acme:imogen", "keep", "", "")
        .decide(
            "acme:mallory",
            "keep",
            "",
            "needs it, \"for now\"; ask again",
        );
    let mut sec = sheet(case, id, SEC);
    sec.decide("acme:pat", "keep", "", "")
        .decide("acme:yuri", "keep", "", "the CI bot")
        .decide("acme:zed", "CHANGE", "Read", "");
    [
        ann.save(&returned(case, "ann.csv"), Dialect::Excel),
        ben.save(&returned(case, "ben.csv"), Dialect::LibreOffice),
        cat.save(&returned(case, "cat.csv"), Dialect::GoogleSheets),
        sec.save(&returned(case, "sec.csv"), Dialect::SepLine),
    ]
}

/// A campaign with every line decided (by [`fill_all`]).
fn decided() -> (Case, String) {
    let (case, id) = started();
    let files = fill_all(&case, &id);
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    assert_code(&import(&case, &refs), 0);
    assert_eq!(decisions(&case, &id).len(), ALL_LINES);
    (case, id)
}

/// `review status`'s table: reviewer → (lines, decided, overdue).
fn status_table(run: &Run) -> BTreeMap<String, (u64, u64, u64)> {
    let table: BTreeMap<String, (u64, u64, u64)> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            let n = |i: usize| cells.get(i).and_then(|c| c.parse::<u64>().ok());
            match (cells.len(), n(1), n(2), n(3)) {
                (4, Some(lines), Some(decided), Some(overdue)) => {
                    Some((cells[0].to_string(), (lines, decided, overdue)))
                }
                _ => None,
            }
        })
        .collect();
    assert!(!table.is_empty(), "no table:\n{}", run.stdout);
    table
}

fn status(case: &Case, id: &str) -> Run {
    hf(case, &["review", "status", "--review", id])
}

/// The rows of a CSV as maps of header → cell.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[test]
fn start_freezes_the_population_into_private_worksheets() {
    let (case, roster) = case_with(world());
    // Unmatched accounts and pat (no manager) have nobody to review them.
    let (run, _) = start(&case, &roster, &["--due", DUE]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("--fallback-reviewer"), "{}", run.stderr);
    for line in ["acme:pat", "acme:yuri", "acme:zed"] {
        assert!(run.stderr.contains(line), "{line}: {}", run.stderr);
    }
    let campaigns =
        |case: &Case| std::fs::read_dir(case.store_dir().join("_reviews")).map_or(0, |d| d.count());
    assert_eq!(campaigns(&case), 0, "nothing is written");

    let (run, id) = start(&case, &roster, &["--fallback-reviewer", SEC, "--due", DUE]);
    assert_code(&run, 0);
    let dir = review_dir(&case, &id);
    assert!(dir.join("campaign.json").is_file(), "{}", run.stdout);
    assert_private(&case.store_dir().join("_reviews"));
    assert_private(&dir);

    // One CSV and one HTML page per reviewer, and nothing else.
    let names: BTreeSet<String> = std::fs::read_dir(dir.join("worksheets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let expected: BTreeSet<String> = LINES
        .iter()
        .flat_map(|(r, _)| [format!("{r}.csv"), format!("{r}.html")])
        .collect();
    assert_eq!(names, expected);

    for (reviewer, lines) in LINES {
        let s = sheet(&case, &id, reviewer);
        assert_eq!(s.header.len(), 23, "{:?}", s.header);
        assert_eq!(s.header[0], "line_id");
        assert_eq!(s.header[COL_REVIEWER as usize - 1], "reviewer");
        assert_eq!(&s.header[20..], ["decision", "new_role", "note"]);
        assert_eq!(s.line_ids(), lines, "{reviewer}");
        for row in &s.rows {
            assert_eq!(row[1], id);
            assert_eq!(row[2], reviewer);
            assert_eq!(&row[20..], ["", "", ""], "{reviewer}: {row:?}");
        }
        let html = std::fs::read_to_string(worksheet(&case, &id, reviewer, "html")).unwrap();
        for line in lines {
            assert!(html.contains(line), "{reviewer}.html lacks {line}");
        }
        for (other, theirs) in LINES.iter().filter(|(r, _)| *r != reviewer) {
            for line in theirs.iter() {
                assert!(!html.contains(&format!(">{line}<")), "{line} of {other}");
            }
        }
        assert!(!html.contains("<script"), "{reviewer}.html has a script");
    }

    // Hostile Hub names are defused for spreadsheets.
    let cat = sheet(&case, &id, CAT);
    let fullname = cat.col("fullname");
    assert_eq!(cat.row("acme:mallory")[fullname], format!("'{FORMULA}"));
    let sec = sheet(&case, &id, SEC);
    assert_eq!(sec.row("acme:yuri")[fullname], format!("'{PLUS}"));
    assert_eq!(sec.row("acme:yuri")[cat.col("match")], "unmatched");
    for file in files_below(&dir)
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "csv"))
    {
        for row in csv_rows(file) {
            for (col, cell) in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{}: {col} = {cell:?}",
                    file.display()
                );
            }
        }
    }
    let html = std::fs::read_to_string(worksheet(&case, &id, CAT, "html")).unwrap();
    assert!(!html.contains("<img"), "raw HTML from the Hub");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));

    // campaign.json names what the population was frozen from.
    let campaign: Value =
        serde_json::from_slice(&std::fs::read(dir.join("campaign.json")).unwrap()).unwrap();
    let snapshots = case.complete(ORG);
    assert_eq!(snapshots.len(), 1);
    let snapshot_id = &snapshots[0].snapshot_id;
    let manifest = std::fs::read(
        case.store_dir()
            .join(ORG)
            .join(snapshot_id)
            .join("manifest.json"),
    )
    .unwrap();
    assert_eq!(campaign["review_id"], id.as_str());
    assert_eq!(campaign["snapshots"].as_array().unwrap().len(), 1);
    assert_eq!(campaign["snapshots"][0]["org"], ORG);
    assert_eq!(
        campaign["snapshots"][0]["snapshot_id"],
        snapshot_id.as_str()
    );
    assert_eq!(
        campaign["snapshots"][0]["manifest_sha256"],
        sha256(&manifest).as_str()
    );
    assert_eq!(
        campaign["roster"]["sha256"],
        sha256(ROSTER.as_bytes()).as_str()
    );
    assert_eq!(campaign["principal"], AUDITOR);
    assert_eq!(campaign["endpoint"], case.hub.url().trim_end_matches('/'));
    assert_eq!(campaign["due"], DUE);
    assert_eq!(campaign["lines"], ALL_LINES);
    assert_eq!(campaign["reviewers"]["mode"], "manager");
    assert_eq!(campaign["reviewers"]["fallback"], SEC);
    let worksheets = campaign["worksheets"].as_array().unwrap();
    assert_eq!(worksheets.len(), 4);
    for ((reviewer, lines), w) in LINES.iter().zip(worksheets) {
        assert_eq!(w["reviewer"], *reviewer);
        assert_eq!(w["lines"], lines.len());
    }
    // The reviewer of a line and how they were chosen.
    let population = csv_rows(&dir.join("population.csv"));
    assert_eq!(population.len(), ALL_LINES);
    for row in &population {
        let (reviewer, _) = LINES
            .iter()
            .find(|(_, ls)| ls.contains(&row["line_id"].as_str()))
            .unwrap();
        assert_eq!(row["reviewer"], *reviewer, "{row:?}");
        let fallback = ["acme:pat", "acme:yuri", "acme:zed"].contains(&row["line_id"].as_str());
        assert_eq!(
            row["assigned"],
            if fallback { "fallback" } else { "manager" },
            "{row:?}"
        );
    }

    // A new campaign over a bad --due or without a roster writes nothing.
    let before = campaigns(&case);
    let (run, _) = start(
        &case,
        &roster,
        &["--fallback-reviewer", SEC, "--due", "31/12/2026"],
    );
    assert_code(&run, 2);
    let run = hf(
        &case,
        &["review", "start", "--org", ORG, "--fallback-reviewer", SEC],
    );
    assert_code(&run, 2);
    assert_eq!(campaigns(&case), before);
    assert_token_nowhere(&case);
}

#[test]
fn worksheets_round_trip_through_every_spreadsheet_dialect() {
    let (case, id) = started();
    let run = status(&case, &id);
    assert_code(&run, 1);
    assert!(
        run.stdout.starts_with(&format!("review {id} (started ")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("0 of 13 line(s) decided, 0 overdue"),
        "{}",
        run.stdout
    );

    let [ann, ben, cat, sec] = fill_all(&case, &id);
    // Three worksheets in one call.
    let run = import(&case, &[&ann, &ben, &cat]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("10 of 13 line(s) decided"),
        "{}",
        run.stdout
    );
    let recorded = decisions(&case, &id);
    assert_eq!(recorded.len(), 10);
    let by_line: BTreeMap<&str, &Value> = recorded
        .iter()
        .map(|d| (d["line_id"].as_str().unwrap(), d))
        .collect();
    let expect = |line: &str, decision: &str, role: Option<&str>, note: Option<&str>| {
        let d = by_line[line];
        assert_eq!(d["decision"], decision, "{d}");
        assert_eq!(d["new_role"].as_str(), role, "{d}");
        assert_eq!(d["note"].as_str(), note, "{d}");
    };
    expect("acme:alice", "keep", None, None);
    expect(
        "acme:ann",
        "keep",
        None,
        Some("my own account; I run the org"),
    );
    expect("acme:bob", "revoke", None, Some("moved to another team"));
    expect("acme:carol", "revoke", None, None);
    expect("acme:dave", "change", Some("read"), Some("reads only now"));
    expect("acme:auditor", "keep", None, None);
    expect("acme:frank", "revoke", None, None);
    expect(
        "acme:mallory",
        "keep",
        None,
        Some("needs it, \"for now\"; ask again"),
    );
    // Each decision names its reviewer, its worksheet (and the sha256 of
    // the bytes imported) and the physical line it was on.
    for (file, reviewer, dialect) in [
        (&ann, ANN, Dialect::Excel),
        (&ben, BEN, Dialect::LibreOffice),
        (&cat, CAT, Dialect::GoogleSheets),
    ] {
        let s = sheet(&case, &id, reviewer);
        let sha = sha256(&std::fs::read(file).unwrap());
        for line in s.line_ids() {
            let d = by_line[line.as_str()];
            assert_eq!(d["reviewer"], reviewer, "{d}");
            assert_eq!(d["worksheet_sha256"], sha.as_str(), "{d}");
            assert_eq!(
                d["worksheet"],
                file.file_name().unwrap().to_str().unwrap(),
                "{d}"
            );
            assert_eq!(d["worksheet_line"], s.line_of(&line, dialect), "{d}");
        }
    }

    // sec's lines are undecided: status says so, close refuses.
    let run = status(&case, &id);
    assert_code(&run, 1);
    assert!(
        run.stdout.contains("10 of 13 line(s) decided, 0 overdue"),
        "{}",
        run.stdout
    );
    let table = status_table(&run);
    assert_eq!(
        table,
        BTreeMap::from([
            (ANN.to_string(), (3, 3, 0)),
            (BEN.to_string(), (3, 3, 0)),
            (CAT.to_string(), (4, 4, 0)),
            (SEC.to_string(), (3, 0, 0)),
        ])
    );
    let run = hf(&case, &["review", "close", "--review", &id]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("3 of 13 line(s) are undecided"),
        "{}",
        run.stderr
    );
    assert!(!review_dir(&case, &id).join("evidence").exists());

    // The fourth alone (the review named by the worksheet).
    let run = import(&case, &[&sec]);
    assert_code(&run, 0);
    let recorded = decisions(&case, &id);
    assert_eq!(recorded.len(), ALL_LINES);
    let zed = recorded
        .iter()
        .find(|d| d["line_id"] == "acme:zed")
        .unwrap();
    assert_eq!(zed["decision"], "change");
    assert_eq!(zed["new_role"], "read");
    assert_eq!(
        zed["worksheet_line"], 5,
        "after the sep= line and the header"
    );
    let run = status(&case, &id);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("13 of 13 line(s) decided, 0 overdue"),
        "{}",
        run.stdout
    );
    assert!(
        status_table(&run)
            .values()
            .all(|(l, d, o)| l == d && *o == 0)
    );

    // Importing again records nothing: the same file, several at once, and
    // the same answers saved by another spreadsheet.
    let before = decisions_bytes(&case, &id).unwrap();
    let run = import(&case, &[&sec]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("imported before; nothing new"),
        "{}",
        run.stdout
    );
    let run = import(&case, &[&ann, &ben, &cat, &sec]);
    assert_code(&run, 0);
    let mut again = sheet(&case, &id, ANN);
    again
        .decide("acme:alice", "KEEP", "", "")
        .decide("acme:ann", "keep", "", "my own account; I run the org")
        .decide("acme:bob", "revoke", "", "moved to another team");
    let again = again.save(&returned(&case, "ann-again.csv"), Dialect::GoogleSheets);
    let run = import(&case, &[&again]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("0 new decision(s), 3 recorded before"),
        "{}",
        run.stdout
    );
    assert_eq!(decisions_bytes(&case, &id).unwrap(), before);
    assert_private(&review_dir(&case, &id));
    assert_token_nowhere(&case);
}

#[test]
fn status_counts_overdue_lines_per_reviewer_after_the_due_date() {
    let (case, roster) = case_with(world());
    let (run, id) = start(
        &case,
        &roster,
        &["--fallback-reviewer", SEC, "--due", "2026-01-01"],
    );
    assert_code(&run, 0);
    let run = status(&case, &id);
    assert_code(&run, 1);
    assert!(run.stdout.contains(", due 2026-01-01)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("0 of 13 line(s) decided, 13 overdue"),
        "{}",
        run.stdout
    );
    let [ann, _, cat, _] = fill_all(&case, &id);
    // Half of ben's: one line decided, two left.
    let mut ben = sheet(&case, &id, BEN);
    ben.decide("acme:erin", "keep", "", "");
    let ben = ben.save(&returned(&case, "ben-partly.csv"), Dialect::Plain);
    assert_code(&import(&case, &[&ann, &cat, &ben]), 0);
    let run = status(&case, &id);
    assert_code(&run, 1);
    assert!(
        run.stdout.contains("8 of 13 line(s) decided, 5 overdue"),
        "{}",
        run.stdout
    );
    assert_eq!(
        status_table(&run),
        BTreeMap::from([
            (ANN.to_string(), (3, 3, 0)),
            (BEN.to_string(), (3, 1, 2)),
            (CAT.to_string(), (4, 4, 0)),
            (SEC.to_string(), (3, 0, 3)),
        ])
    );
}

/// One bad worksheet: the files imported together, the one named, and
/// where.
struct Bad<'a> {
    what: &'static str,
    files: Vec<PathBuf>,
    file: PathBuf,
    line: u64,
    column: u64,
    says: &'a str,
}

/// Imports `bad.files`: exit 2, the error names the file, line and column,
/// and decisions.jsonl is as it was.
#[track_caller]
fn assert_refused(case: &Case, id: &str, bad: &Bad<'_>) {
    let before = decisions_bytes(case, id);
    let refs: Vec<&Path> = bad.files.iter().map(PathBuf::as_path).collect();
    let run = import(case, &refs);
    assert_code(&run, 2);
    let at = format!(
        "error: {}:{}:{}: ",
        bad.file.display(),
        bad.line,
        bad.column
    );
    assert!(
        run.stderr.starts_with(&at),
        "{}: expected {at:?}\n{}",
        bad.what,
        run.stderr
    );
    assert!(
        run.stderr.contains(bad.says),
        "{}: expected {:?}\n{}",
        bad.what,
        bad.says,
        run.stderr
    );
    assert_eq!(
        decisions_bytes(case, id),
        before,
        "{}: something was recorded",
        bad.what
    );
}

#[test]
fn a_bad_worksheet_is_refused_naming_file_line_and_column() {
    let (case, id) = started();
    // A good worksheet goes first in every import: nothing of it is
    // recorded either.
    let [_, _, good, _] = fill_all(&case, &id);
    let n = std::cell::Cell::new(0);
    let save = |s: &Sheet, d: Dialect| {
        n.set(n.get() + 1);
        s.save(&returned(&case, &format!("bad-{}.csv", n.get())), d)
    };
    let bad = |what, s: &Sheet, d: Dialect, line_id: &str, column, says| {
        let file = save(s, d);
        Bad {
            what,
            files: vec![good.clone(), file.clone()],
            line: s.line_of(line_id, d),
            file,
            column,
            says,
        }
    };
    let ann = sheet(&case, &id, ANN);
    let ben = sheet(&case, &id, BEN);

    let mut cases = Vec::new();
    let mut s = ann.clone();
    s.decide("acme:alice", "keep", "", "")
        .decide("acme:bob", "maybe", "", "");
    cases.push(bad(
        "a decision not keep, revoke or change",
        &s,
        Dialect::Excel,
        "acme:bob",
        COL_DECISION,
        "decision 'maybe' is not keep, revoke or change",
    ));
    let mut s = ann.clone();
    s.decide("acme:bob", "change", "", "");
    cases.push(bad(
        "change without new_role",
        &s,
        Dialect::SepLine,
        "acme:bob",
        COL_NEW_ROLE,
        "`change` needs a new_role",
    ));
    let mut s = ann.clone();
    s.decide("acme:alice", "change", "owner", "");
    cases.push(bad(
        "change to a role that does not exist",
        &s,
        Dialect::GoogleSheets,
        "acme:alice",
        COL_NEW_ROLE,
        "new_role 'owner' is not one of",
    ));
    let mut s = ann.clone();
    s.decide("acme:alice", "keep", "", "")
        .set("acme:bob", "line_id", "acme:nobody")
        .decide("acme:nobody", "revoke", "", "");
    cases.push(bad(
        "an unknown line id",
        &s,
        Dialect::LibreOffice,
        "acme:nobody",
        COL_LINE_ID,
        "unknown line id 'acme:nobody'",
    ));
    let mut s = ann.clone();
    s.decide("acme:alice", "keep", "", "")
        .decide("acme:bob", "revoke", "", "")
        .set("acme:bob", "reviewer", BEN);
    cases.push(bad(
        "the reviewer cell of one row edited",
        &s,
        Dialect::Plain,
        "acme:bob",
        COL_REVIEWER,
        "this row names reviewer 'ben@acme.example' but the worksheet is \
         'ann@acme.example''s (line 2)",
    ));
    let mut s = ann.clone();
    for line in s.line_ids() {
        s.set(&line, "reviewer", BEN);
    }
    s.decide("acme:alice", "revoke", "", "");
    cases.push(bad(
        "the reviewer cell of every row edited",
        &s,
        Dialect::Excel,
        "acme:alice",
        COL_REVIEWER,
        "line acme:alice is assigned to 'ann@acme.example', not to 'ben@acme.example'",
    ));
    let mut s = ann.clone();
    s.decide("acme:alice", "keep", "", "");
    s.rows.push(ben.row("acme:carol").clone());
    s.decide("acme:carol", "revoke", "", "");
    cases.push(bad(
        "a row copied from another reviewer's worksheet",
        &s,
        Dialect::GoogleSheets,
        "acme:carol",
        COL_REVIEWER,
        "this row names reviewer 'ben@acme.example'",
    ));
    let mut s = ann.clone();
    s.rows.push(ben.row("acme:carol").clone());
    s.decide("acme:carol", "revoke", "", "")
        .set("acme:carol", "reviewer", ANN);
    cases.push(bad(
        "a row copied from another reviewer's worksheet, the reviewer made ours",
        &s,
        Dialect::Plain,
        "acme:carol",
        COL_REVIEWER,
        "line acme:carol is assigned to 'ben@acme.example', not to 'ann@acme.example'",
    ));
    let mut s = ann.clone();
    s.decide("acme:alice", "keep", "", "")
        .decide("acme:ann", "keep", "", "");
    cases.push(bad(
        "the reviewer's own account without a note",
        &s,
        Dialect::Excel,
        "acme:ann",
        COL_NOTE,
        "acme:ann is the reviewer's own account: a decision on it needs a note",
    ));
    let mut s = ann.clone();
    s.decide("acme:alice", "keep", "", "kept:\nstill on the team")
        .decide("acme:bob", "maybe", "", "");
    let file = save(&s, Dialect::LibreOffice);
    cases.push(Bad {
        what: "a bad decision after a note of two lines (the physical line is named)",
        files: vec![good.clone(), file.clone()],
        file,
        line: 5,
        column: COL_DECISION,
        says: "decision 'maybe' is not keep, revoke or change",
    });
    let mut s = ann.clone();
    s.decide("acme:bob", "revoke", "", "");
    let mut copy = s.row("acme:bob").clone();
    copy[COL_DECISION as usize - 1] = "keep".into();
    s.rows.push(copy);
    let file = save(&s, Dialect::LibreOffice);
    cases.push(Bad {
        what: "one line decided twice in a file",
        files: vec![good.clone(), file.clone()],
        file,
        line: 5,
        column: COL_DECISION,
        says: "line acme:bob is decided twice with different answers (also on line 4)",
    });
    let mut first = ann.clone();
    first.decide("acme:bob", "revoke", "", "");
    let first = save(&first, Dialect::Plain);
    let mut second = ann.clone();
    second.decide("acme:bob", "keep", "", "");
    let second = save(&second, Dialect::Excel);
    cases.push(Bad {
        what: "one line decided in two files of one import",
        files: vec![good.clone(), first.clone(), second.clone()],
        file: second.clone(),
        line: 4,
        column: COL_DECISION,
        says: "line acme:bob is decided already: revoke by ann@acme.example",
    });
    for c in &cases {
        assert_refused(&case, &id, c);
        assert_eq!(decisions_bytes(&case, &id), None, "{}", c.what);
    }

    // A row of another review: named with --review, else the import asks
    // which review.
    let mut s = ann.clone();
    s.decide("acme:alice", "keep", "", "")
        .set("acme:alice", "review_id", "20200101T000000.000Z");
    let other = save(&s, Dialect::GoogleSheets);
    let run = hf(
        &case,
        &["review", "import", "--review", &id, other.to_str().unwrap()],
    );
    assert_code(&run, 2);
    assert!(
        run.stderr
            .starts_with(&format!("error: {}:2:2: ", other.display())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("this line belongs to review '20200101T000000.000Z'"),
        "{}",
        run.stderr
    );
    let run = import(&case, &[&good, &other]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("belong to 2 reviews"), "{}", run.stderr);
    assert_eq!(decisions_bytes(&case, &id), None);

    // A decision recorded earlier is final.
    assert_code(&import(&case, &[&first]), 0);
    let recorded = decisions_bytes(&case, &id).unwrap();
    let says = format!(
        "line acme:bob is decided already: revoke by ann@acme.example (worksheet '{}', line 4, \
         recorded ",
        first.file_name().unwrap().to_str().unwrap()
    );
    assert_refused(
        &case,
        &id,
        &Bad {
            what: "one line decided again in a later import",
            files: vec![good.clone(), second.clone()],
            file: second.clone(),
            line: 4,
            column: COL_DECISION,
            says: &says,
        },
    );
    assert_eq!(decisions_bytes(&case, &id).unwrap(), recorded);
    // Every case again, now that a decision is recorded.
    for c in &cases[..cases.len() - 1] {
        assert_refused(&case, &id, c);
    }
    assert_eq!(decisions(&case, &id).len(), 1);
    assert_token_nowhere(&case);
}

#[test]
fn close_refuses_undecided_lines_unless_allowed_and_lists_them() {
    let (case, id) = started();
    let [ann, ..] = fill_all(&case, &id);
    assert_code(&import(&case, &[&ann]), 0);
    let run = hf(&case, &["review", "close"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("10 of 13 line(s) are undecided"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--allow-undecided"), "{}", run.stderr);
    assert!(!review_dir(&case, &id).join("evidence").exists());

    let run = hf(&case, &["review", "close", "--allow-undecided"]);
    assert_code(&run, 0);
    let evidence = review_dir(&case, &id).join("evidence");
    assert_private(&evidence);
    let rows = csv_rows(&evidence.join("decisions.csv"));
    assert_eq!(rows.len(), ALL_LINES);
    for (reviewer, lines) in LINES {
        for line in lines.iter() {
            let row = rows.iter().find(|r| r["line_id"] == *line).unwrap();
            assert_eq!(row["reviewer"], reviewer);
            if reviewer == ANN {
                assert_ne!(row["decision"], "undecided", "{row:?}");
                assert!(!row["worksheet_sha256"].is_empty(), "{row:?}");
            } else {
                assert_eq!(row["decision"], "undecided", "{row:?}");
                assert_eq!(row["recorded_at"], "", "{row:?}");
            }
        }
    }
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(evidence.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["lines"], ALL_LINES);
    assert_eq!(manifest["decided"], 3);
    assert_eq!(manifest["undecided"], 10);
    let run = hf(&case, &["evidence", "verify", evidence.to_str().unwrap()]);
    assert_code(&run, 0);

    // Closed: nothing more is imported, it is not closed twice.
    let [_, ben, ..] = fill_all(&case, &id);
    let before = decisions_bytes(&case, &id);
    let run = import(&case, &[&ben]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("is closed"), "{}", run.stderr);
    assert_eq!(decisions_bytes(&case, &id), before);
    let run = hf(
        &case,
        &["review", "close", "--review", &id, "--allow-undecided"],
    );
    assert_code(&run, 2);
    let run = status(&case, &id);
    assert_code(&run, 1);
    assert!(run.stdout.contains(", closed"), "{}", run.stdout);
}

/// The pack's files besides manifest.json.
const PACK: [&str; 6] = [
    "campaign.json",
    "population.csv",
    "decisions.csv",
    "verification.csv",
    "report.html",
    "controls.md",
];

/// Copies the pack in `from` to a new directory `to`.
fn copy_pack(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

fn verify_pack(case: &Case, dir: &Path) -> Run {
    hf(case, &["evidence", "verify", dir.to_str().unwrap()])
}

#[test]
fn close_writes_an_evidence_pack_that_verify_checks_byte_for_byte() {
    let (case, id) = decided();
    let run = hf(&case, &["review", "close", "--review", &id]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains(
            "13 line(s), 13 decided, 0 undecided; 5 revoke/change decision(s): 0 done, \
             5 not yet, 0 reverted"
        ),
        "{}",
        run.stdout
    );
    let evidence = review_dir(&case, &id).join("evidence");
    assert_private(&evidence);
    let names: BTreeSet<String> = std::fs::read_dir(&evidence)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut expected: BTreeSet<String> = PACK.iter().map(|s| s.to_string()).collect();
    expected.insert("manifest.json".into());
    assert_eq!(names, expected);

    // The manifest: every file's sha256, the snapshot's manifest, the
    // roster, the principal and the endpoint.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(evidence.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert_eq!(
        files.keys().cloned().collect::<BTreeSet<_>>(),
        PACK.iter().map(|s| s.to_string()).collect()
    );
    for name in PACK {
        let bytes = std::fs::read(evidence.join(name)).unwrap();
        assert_eq!(
            files[name]["sha256"],
            sha256(&bytes).as_str(),
            "{name}: {}",
            files[name]
        );
    }
    let snapshot_id = &case.complete(ORG)[0].snapshot_id;
    let snapshot_manifest = std::fs::read(
        case.store_dir()
            .join(ORG)
            .join(snapshot_id)
            .join("manifest.json"),
    )
    .unwrap();
    assert_eq!(
        manifest["snapshots"][0]["snapshot_id"],
        snapshot_id.as_str()
    );
    assert_eq!(
        manifest["snapshots"][0]["manifest_sha256"],
        sha256(&snapshot_manifest).as_str()
    );
    assert_eq!(
        manifest["roster"]["sha256"],
        sha256(ROSTER.as_bytes()).as_str()
    );
    assert_eq!(manifest["principal"], AUDITOR);
    assert_eq!(manifest["endpoint"], case.hub.url().trim_end_matches('/'));
    assert_eq!(manifest["review_id"], id.as_str());
    assert_eq!(manifest["decided"], ALL_LINES);
    assert_eq!(manifest["undecided"], 0);
    // The campaign's own files, as frozen.
    for name in ["campaign.json", "population.csv", "report.html"] {
        assert_eq!(
            std::fs::read(evidence.join(name)).unwrap(),
            std::fs::read(review_dir(&case, &id).join(name)).unwrap(),
            "{name}"
        );
    }
    let decisions_csv = csv_rows(&evidence.join("decisions.csv"));
    assert_eq!(decisions_csv.len(), ALL_LINES);
    assert!(decisions_csv.iter().all(|r| r["decision"] != "undecided"));
    let verification = csv_rows(&evidence.join("verification.csv"));
    let acting: BTreeSet<(&str, &str)> = verification
        .iter()
        .map(|r| (r["line_id"].as_str(), r["decision"].as_str()))
        .collect();
    assert_eq!(
        acting,
        BTreeSet::from([
            ("acme:bob", "revoke"),
            ("acme:carol", "revoke"),
            ("acme:frank", "revoke"),
            ("acme:dave", "change"),
            ("acme:zed", "change"),
        ])
    );
    assert!(
        verification.iter().all(|r| r["status"] == "not yet"),
        "{verification:?}"
    );
    let controls = std::fs::read_to_string(evidence.join("controls.md")).unwrap();
    for control in ["CC6.2", "CC6.3", "A.5.18"] {
        assert!(controls.contains(control), "controls.md lacks {control}");
    }
    for file in ["population.csv", "decisions.csv", "verification.csv"] {
        assert!(controls.contains(file), "controls.md names no {file}");
    }

    // Verified where it is, and copied.
    let run = verify_pack(&case, &evidence);
    assert_code(&run, 0);
    assert!(run.stdout.contains("intact"), "{}", run.stdout);
    let out = case.dir.path().join("auditor/pack");
    let run = hf(
        &case,
        &["evidence", "--review", &id, "--out", out.to_str().unwrap()],
    );
    assert_code(&run, 0);
    assert!(run.stdout.contains("intact"), "{}", run.stdout);
    assert_private(&out);
    for name in names.iter() {
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            std::fs::read(evidence.join(name)).unwrap(),
            "{name}"
        );
    }
    // An open review has no pack.
    let (run, open) = start(&case, &write_roster(&case), &["--fallback-reviewer", SEC]);
    assert_code(&run, 0);
    let run = hf(
        &case,
        &[
            "evidence",
            "--review",
            &open,
            "--out",
            case.dir.path().join("nope").to_str().unwrap(),
        ],
    );
    assert_code(&run, 2);
    assert!(!case.dir.path().join("nope").exists());

    // One byte changed in any one file is caught, and only that file named.
    let scratch = case.dir.path().join("tampered");
    for (n, name) in PACK.iter().enumerate() {
        let dir = scratch.join(format!("changed-{n}"));
        copy_pack(&out, &dir);
        let path = dir.join(name);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let run = verify_pack(&case, &dir);
        assert_code(&run, 1);
        let named = format!("{}: was changed", path.display());
        assert!(run.stdout.contains(&named), "{name}:\n{}", run.stdout);
        assert!(
            run.stdout.contains("NOT intact: 1 problem(s)"),
            "{}",
            run.stdout
        );
        for other in PACK.iter().filter(|o| *o != name) {
            assert!(
                !run.stdout.contains(&format!("{other}:")),
                "{other} named for a change of {name}:\n{}",
                run.stdout
            );
        }
    }
    let dir = scratch.join("missing");
    copy_pack(&out, &dir);
    std::fs::remove_file(dir.join("verification.csv")).unwrap();
    let run = verify_pack(&case, &dir);
    assert_code(&run, 1);
    assert!(
        run.stdout.contains(&format!(
            "{}: is missing",
            dir.join("verification.csv").display()
        )),
        "{}",
        run.stdout
    );
    let dir = scratch.join("extra");
    copy_pack(&out, &dir);
    std::fs::write(dir.join("notes.txt"), b"added later\n").unwrap();
    let run = verify_pack(&case, &dir);
    assert_code(&run, 1);
    assert!(
        run.stdout.contains(&format!(
            "{}: is not in the manifest",
            dir.join("notes.txt").display()
        )),
        "{}",
        run.stdout
    );
    let dir = scratch.join("broken-manifest");
    copy_pack(&out, &dir);
    let manifest = std::fs::read(dir.join("manifest.json")).unwrap();
    std::fs::write(dir.join("manifest.json"), &manifest[..manifest.len() / 2]).unwrap();
    let run = verify_pack(&case, &dir);
    assert_code(&run, 2);
    assert!(run.stderr.contains("manifest.json"), "{}", run.stderr);
    let dir = scratch.join("no-manifest");
    copy_pack(&out, &dir);
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    assert_code(&verify_pack(&case, &dir), 2);
    // The pack in the store was not touched.
    assert_code(&verify_pack(&case, &evidence), 0);
    assert_token_nowhere(&case);
}

/// The line `review verify` prints for `line_id`.
fn verified<'a>(run: &'a Run, line_id: &str) -> &'a str {
    run.stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{line_id} ")))
        .unwrap_or_else(|| panic!("no line for {line_id}:\n{}", run.stdout))
}

fn latest_snapshot_id(case: &Case) -> String {
    case.complete(ORG).last().unwrap().snapshot_id.clone()
}

#[test]
fn review_verify_follows_each_revocation_through_later_snapshots() {
    let (case, id) = decided();
    assert_code(&hf(&case, &["review", "close", "--review", &id]), 0);
    let verify = |case: &Case| hf(case, &["review", "verify", &id]);
    let run = verify(&case);
    assert_code(&run, 1);
    for line in [
        "acme:bob revoke",
        "acme:frank revoke",
        "acme:dave change to read",
    ] {
        assert_eq!(
            verified(&run, line.split(' ').next().unwrap()),
            format!("{line}: not yet")
        );
    }

    // Two of the three revocations done, and dave's change; frank and zed
    // not yet.
    case.hub.with_world(|w| {
        let org = w.org_mut(ORG);
        org.members.retain(|m| m.user != "bob" && m.user != "carol");
        for m in org.members.iter_mut().filter(|m| m.user == "dave") {
            m.role = Some("read".into());
        }
    });
    assert_code(&case.snapshot(ORG, &[]), 0);
    let second = latest_snapshot_id(&case);
    let run = verify(&case);
    assert_code(&run, 1);
    for line in [
        "acme:bob revoke",
        "acme:carol revoke",
        "acme:dave change to read",
    ] {
        assert_eq!(
            verified(&run, line.split(' ').next().unwrap()),
            format!("{line}: done on {second} (0 days after the decision)")
        );
    }
    assert_eq!(verified(&run, "acme:frank"), "acme:frank revoke: not yet");
    assert_eq!(
        verified(&run, "acme:zed"),
        "acme:zed change to read: not yet"
    );
    // Kept lines are not verified.
    assert!(!run.stdout.contains("acme:alice"), "{}", run.stdout);

    // Every one done: exit 0.
    case.hub.with_world(|w| {
        let org = w.org_mut(ORG);
        org.members.retain(|m| m.user != "frank");
        for m in org.members.iter_mut().filter(|m| m.user == "zed") {
            m.role = Some("read".into());
        }
    });
    assert_code(&case.snapshot(ORG, &[]), 0);
    let third = latest_snapshot_id(&case);
    let run = verify(&case);
    assert_code(&run, 0);
    assert_eq!(
        verified(&run, "acme:bob"),
        format!("acme:bob revoke: done on {second} (0 days after the decision)")
    );
    for line in ["acme:frank revoke", "acme:zed change to read"] {
        assert_eq!(
            verified(&run, line.split(' ').next().unwrap()),
            format!("{line}: done on {third} (0 days after the decision)")
        );
    }

    // carol is back: reverted.
    case.hub.with_world(|w| {
        w.org_mut(ORG).members.push(OrgMember::new("carol", "read"));
    });
    assert_code(&case.snapshot(ORG, &[]), 0);
    let fourth = latest_snapshot_id(&case);
    let run = verify(&case);
    assert_code(&run, 1);
    assert_eq!(
        verified(&run, "acme:carol"),
        format!("acme:carol revoke: reverted on {fourth}")
    );
    assert_eq!(
        verified(&run, "acme:bob"),
        format!("acme:bob revoke: done on {second} (0 days after the decision)")
    );
    // The pack is what it was at closing.
    let evidence = review_dir(&case, &id).join("evidence");
    assert_code(&verify_pack(&case, &evidence), 0);
    assert_token_nowhere(&case);
}

#[test]
fn a_reviewer_with_one_line_and_a_worksheet_with_no_decision() {
    let mut org = Org::new(ORG);
    org.members = vec![
        OrgMember::new(AUDITOR, "admin"),
        OrgMember::new("solo", "read"),
    ];
    let case = Case::new(World::single(org, ADMIN_TOKEN));
    assert_code(&case.snapshot(ORG, &[]), 0);
    let roster = case.dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "email,status,hf_username,manager_email\n\
         auditor@acme.example,active,auditor,boss@acme.example\n",
    )
    .unwrap();
    let (run, id) = start(&case, &roster, &["--fallback-reviewer", SEC]);
    assert_code(&run, 0);
    let boss = "boss@acme.example";
    assert_eq!(sheet(&case, &id, boss).line_ids(), ["acme:auditor"]);
    assert_eq!(sheet(&case, &id, SEC).line_ids(), ["acme:solo"]);

    // Returned untouched, and with every line deleted: nothing to record.
    let untouched = worksheet(&case, &id, boss, "csv");
    let mut empty = sheet(&case, &id, SEC);
    empty.rows.clear();
    let empty = empty.save(&returned(&case, "empty.csv"), Dialect::Excel);
    for files in [vec![&untouched], vec![&untouched, &empty], vec![&empty]] {
        let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
        let run = import(&case, &refs);
        assert_code(&run, 0);
        assert!(
            run.stdout.contains("0 of 2 line(s) decided"),
            "{}",
            run.stdout
        );
        assert_eq!(decisions_bytes(&case, &id), None);
    }
    let run = status(&case, &id);
    assert_code(&run, 1);
    assert_eq!(
        status_table(&run),
        BTreeMap::from([(boss.to_string(), (1, 0, 0)), (SEC.to_string(), (1, 0, 0))])
    );

    // The one line decided.
    let mut one = sheet(&case, &id, boss);
    one.decide("acme:auditor", "keep", "", "");
    let one = one.save(&returned(&case, "one.csv"), Dialect::GoogleSheets);
    let run = import(&case, &[&one]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("1 new decision(s)"), "{}", run.stdout);
    assert_eq!(decisions(&case, &id).len(), 1);
    let run = status(&case, &id);
    assert_code(&run, 1);
    assert_eq!(status_table(&run)[boss], (1, 1, 0));
    let mut last = sheet(&case, &id, SEC);
    last.decide("acme:solo", "revoke", "", "unknown account");
    let last = last.save(&returned(&case, "last.csv"), Dialect::LibreOffice);
    assert_code(&import(&case, &[&last]), 0);
    assert_code(&status(&case, &id), 0);
    assert_code(&hf(&case, &["review", "close"]), 0);
    let evidence = review_dir(&case, &id).join("evidence");
    assert_eq!(csv_rows(&evidence.join("decisions.csv")).len(), 2);
    assert_eq!(csv_rows(&evidence.join("verification.csv")).len(), 1);
    assert_token_nowhere(&case);
}

/// A started campaign of [`world`] (whose `imogen` is named [`IMG`], a
/// line of cat's); the case and cat's HTML worksheet.
pub(crate) fn hostile_worksheet() -> (Case, PathBuf) {
    let (case, id) = started();
    let html = worksheet(&case, &id, CAT, "html");
    (case, html)
}

/// manifest.json is a file of the pack too: one byte of it changed (here
/// the roster's sha256, which `campaign.json` in the pack also holds) must
/// not leave the pack "intact".
#[test]
fn a_changed_byte_in_the_pack_manifest_is_caught() {
    let (case, id) = decided();
    assert_code(&hf(&case, &["review", "close", "--review", &id]), 0);
    let out = case.dir.path().join("pack");
    let run = hf(
        &case,
        &["evidence", "--review", &id, "--out", out.to_str().unwrap()],
    );
    assert_code(&run, 0);
    let path = out.join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let roster = sha256(ROSTER.as_bytes());
    assert!(text.contains(&roster));
    let last = roster.chars().last().unwrap();
    let changed = format!(
        "{}{}",
        &roster[..roster.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    std::fs::write(&path, text.replace(&roster, &changed)).unwrap();
    let run = verify_pack(&case, &out);
    assert_code(&run, 1);
    assert!(run.stdout.contains("manifest.json"), "{}", run.stdout);
}
