//! Command-line definitions, and nothing else: clap turns arguments into
//! these raw flags; `config` merges them with the environment and the config
//! file into validated settings. The defaults shown in the help texts are
//! the constants of [`crate::config::defaults`], which the settings use.

use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::config::defaults::*;

/// Audit a Hugging Face organization for offboarding gaps and seat waste.
///
/// Snapshots each org (members, pending invites, resource groups, accepted
/// access to gated repos, audit-log events) into an append-only Parquet
/// store. The Hub endpoint is read from HF_ENDPOINT, the token from
/// --token-file, HF_TOKEN, HF_TOKEN_PATH or $HF_HOME/token.
///
/// Exit codes: 0 done; 1 findings at or above --fail-on; 2 usage, config or
/// input error (nothing written); 3 the Hub could not be read completely (no
/// snapshot recorded); 4 `run` wrote the reports but could not mail them.
#[derive(Debug, Parser)]
#[command(name = "hfaudit", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    #[arg(long, global = true, value_name = "FILE",
          help = format!("Config file [default: ./{DEFAULT_CONFIG} if present]"))]
    pub config: Option<PathBuf>,

    #[arg(long, global = true, value_name = "DIR",
          help = format!("Snapshot store [env: HFAUDIT_STORE] [default: ./{DEFAULT_STORE}]"))]
    pub store: Option<PathBuf>,

    /// Organization to audit (repeatable)
    #[arg(long = "org", global = true, value_name = "ORG")]
    pub orgs: Vec<String>,

    /// Print nothing but errors (for cron)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// More logging on stderr (-v info, -vv debug)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch each org from the Hub and write one complete snapshot per org
    Snapshot(SnapshotArgs),
    /// List the snapshots in the store, per org
    History(HistoryArgs),
    /// Reconcile the latest snapshots with the HR roster and write the reports
    Report(ReportArgs),
    /// Run the whole report pipeline offline on the bundled demo store and roster
    Demo(DemoArgs),
    /// Check the token, its scopes and what each collector can read
    Doctor(HubArgs),
    /// What changed between two snapshots (default: the last two)
    Diff(DiffArgs),
    /// Snapshot every org, then report (the cron entry point)
    Run(RunArgs),
    /// Delete old snapshots by a daily/weekly/monthly retention (dry run unless --apply)
    Prune(PruneArgs),
    /// Write the Hub calls that would fix the open findings (or carry out a closed review's decisions), for a person to review
    Plan(PlanArgs),
    /// Apply a reviewed plan (re-reads each fact first; asks unless --yes)
    Apply(ApplyArgs),
    /// Access reviews: freeze the population, collect each reviewer's decisions, close with evidence
    Review(ReviewArgs),
    /// Copy a closed review's evidence pack (--review ID --out DIR), write the period queries (--since DATE --out DIR), or check either (verify DIR)
    Evidence(EvidenceArgs),
}

/// Access-review campaigns, kept in STORE/_reviews/ID/.
///
/// `start` freezes the population (every member and service account of the
/// latest snapshots) and writes one worksheet per reviewer; `import` records
/// the filled-in worksheets; `status` shows what is left; `close` writes the
/// evidence pack.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub command: ReviewCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Freeze the population of the latest snapshots and write one worksheet per reviewer
    Start(Box<ReviewStartArgs>),
    /// Record the decisions of filled-in worksheets (all checked first; nothing recorded on error)
    Import(ReviewImportArgs),
    /// Lines, decided and overdue per reviewer; exit 0 when every line is decided, 1 when not
    Status(ReviewStatusArgs),
    /// Check each revoke and change decision against the snapshots taken since; exit 0 when all are done, 1 when not
    Verify(ReviewVerifyArgs),
    /// Verify the decisions against later snapshots and write the evidence pack
    Close(ReviewCloseArgs),
}

#[derive(Debug, Args)]
pub struct ReviewStartArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Who reviews each line: `manager` (each person's manager_email in the roster) or one EMAIL
    #[arg(long, value_name = "manager|EMAIL", default_value = "manager")]
    pub reviewers: String,

    /// Reviewer of the lines without a manager (unmatched accounts, people without manager_email); required when there are such lines
    #[arg(long, value_name = "EMAIL")]
    pub fallback_reviewer: Option<String>,

    /// The date decisions are due, YYYY-MM-DD (undecided lines are overdue after it)
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,

    /// Mail each reviewer their own worksheet (CSV and HTML) with the due date, over the SMTP server of `run --mail-to`
    #[arg(long)]
    pub mail: bool,

    /// Write each reviewer's message to STORE/_reviews/ID/mail/REVIEWER.eml instead of sending it
    #[arg(long)]
    pub mail_dry_run: bool,

    #[command(flatten)]
    pub hub: HubArgs,
}

#[derive(Debug, Args)]
pub struct ReviewImportArgs {
    /// Filled-in worksheets (CSV as Excel, LibreOffice or Google Sheets save it)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// The campaign [default: the one the worksheets name, else the only open one]
    #[arg(long, value_name = "ID")]
    pub review: Option<String>,
}

/// Exit codes: 0 every line is decided; 1 lines are undecided; 2 usage error.
#[derive(Debug, Args)]
pub struct ReviewStatusArgs {
    /// The campaign [default: the only open one]
    #[arg(long, value_name = "ID")]
    pub review: Option<String>,
}

/// Exit codes: 0 every revoke and change decision is done; 1 one is not yet
/// done or was reverted; 2 usage error.
#[derive(Debug, Args)]
pub struct ReviewVerifyArgs {
    /// The campaign (open or closed) [default: the only open one]
    #[arg(value_name = "ID")]
    pub review: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReviewCloseArgs {
    /// The campaign [default: the only open one]
    #[arg(long, value_name = "ID")]
    pub review: Option<String>,

    /// Close even though lines are undecided (they are listed as undecided in the pack)
    #[arg(long)]
    pub allow_undecided: bool,
}

/// The evidence pack of a closed review, or the period queries.
///
/// `hfaudit evidence --review ID --out DIR` copies a closed review's pack;
/// `hfaudit evidence --since DATE [--until DATE] --roster FILE --out DIR`
/// writes leavers.csv, escalations.csv and inactive.csv for the period from
/// the store's history, with a manifest; `hfaudit evidence verify DIR`
/// recomputes every checksum in DIR/manifest.json and names each file
/// changed, missing or not in the manifest. Exit codes of verify: 0 intact;
/// 1 a file was changed, is missing or is extra; 2 no readable manifest.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    pub command: Option<EvidenceCommand>,

    /// The closed campaign whose pack is copied
    #[arg(long, value_name = "ID")]
    pub review: Option<String>,

    /// Where the pack is copied, or the period queries written (created 0700, files 0600)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Without a campaign: write the period queries from this day, YYYY-MM-DD (leavers with their time to revoke, role escalations, inactive members, each with its snapshot)
    #[arg(long, value_name = "DATE", conflicts_with = "review")]
    pub since: Option<String>,

    /// The last day of the period, YYYY-MM-DD [default: today, UTC]
    #[arg(long, value_name = "DATE", requires = "since")]
    pub until: Option<String>,

    #[command(flatten)]
    pub inputs: InputArgs,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Recompute every checksum of a pack; exit 0 intact, 1 if a file changed, is missing or extra
    Verify {
        /// The pack's directory (holding manifest.json)
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older snapshot: an id (20261123T025751.123Z) or a date (YYYY-MM-DD) [default: the one before --to]
    #[arg(long, value_name = "ID|DATE")]
    pub from: Option<String>,

    /// The newer snapshot: an id or a date [default: the latest]
    #[arg(long, value_name = "ID|DATE")]
    pub to: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,

    #[command(flatten)]
    pub report: ReportArgs,

    #[command(flatten)]
    pub mail: MailArgs,

    /// Remind the reviewers of every open access review who have undecided lines: each gets their own worksheet again (SMTP as for --mail-to; --mail-dry-run writes .eml files)
    #[arg(long)]
    pub mail_reviewers: bool,
}

/// Mailing the reports.
#[derive(Debug, Args, Clone, Default)]
pub struct MailArgs {
    /// Mail the summary and the reports to ADDR (repeatable)
    #[arg(long = "mail-to", value_name = "ADDR")]
    pub mail_to: Vec<String>,

    /// Write the message to OUT/hfaudit-report.eml instead of sending it
    #[arg(long)]
    pub mail_dry_run: bool,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Keep the newest snapshot of each of the last N days
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_daily: u32,

    /// Keep the newest snapshot of each of the last N ISO weeks
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_weekly: u32,

    /// Keep the newest snapshot of each of the last N months
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_monthly: u32,

    /// Delete for real (without it, only print what would be deleted)
    #[arg(long)]
    pub apply: bool,
}

/// What a reconciliation reads besides the store: the roster and its
/// companions, the report date and the thresholds.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// The HR roster export (CSV, comma or semicolon, UTF-8)
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,

    /// TOML file mapping roster fields to unusual header names ([columns] email = "Courriel")
    #[arg(long, value_name = "FILE")]
    pub roster_map: Option<PathBuf>,

    /// strftime format of non-ISO dates in the roster, e.g. '%m/%d/%Y' (never guessed)
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,

    /// CSV of hf_username,email pairs tying Hub accounts to roster people
    #[arg(long, value_name = "FILE")]
    pub identities: Option<PathBuf>,

    /// TOML file of accepted findings (rule, subject, reason, optional expires)
    #[arg(long, value_name = "FILE")]
    pub exceptions: Option<PathBuf>,

    /// Report date, YYYY-MM-DD [default: today, UTC]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    #[arg(long, value_name = "DAYS",
          help = with_default("Days after which a pending invite is stale", DEFAULT_STALE_INVITE_DAYS))]
    pub stale_invite_days: Option<u32>,

    #[arg(long, value_name = "DAYS",
          help = with_default("Days without activity after which a member is inactive", DEFAULT_INACTIVE_DAYS))]
    pub inactive_days: Option<u32>,

    #[arg(long, value_name = "DAYS",
          help = with_default("Days after the last day within which access must be gone", DEFAULT_REVOKE_SLA_DAYS))]
    pub revoke_sla_days: Option<u32>,

    #[arg(long, value_name = "DAYS",
          help = with_default("Days without use after which a member's access token is stale", DEFAULT_STALE_TOKEN_DAYS))]
    pub stale_token_days: Option<u32>,

    /// IdP export of last logins: CSV with a username or email column and a last-login column
    #[arg(long, value_name = "FILE")]
    pub activity: Option<PathBuf>,
}

/// Inputs and outputs of a report.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    #[arg(long, value_name = "DIR", help = out_help())]
    pub out: Option<PathBuf>,

    /// A directory whose templates replace the embedded ones, by file name
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity,
          help = with_default("Exit with 1 when a finding is at or above this severity", DEFAULT_FAIL_ON))]
    pub fail_on: Option<crate::rules::Severity>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Plan fixes for the findings of RULE only (repeatable) [default: departed_member, departed_group_access, departed_gated_access, departed_invite, departed_token, departed_token_used]
    #[arg(long = "rule", value_name = "RULE", value_parser = parse_rule)]
    pub rules: Vec<crate::rules::Rule>,

    /// Plan fixes for the findings on SUBJECT only: a username or a finding's subject (repeatable); with --review, the decisions on that username or line id
    #[arg(long = "subject", value_name = "S")]
    pub subjects: Vec<String>,

    /// Plan the revoke and change decisions of the closed access review ID instead of findings: a revoke gets a leaver's calls, a change to a lower role the role call keeping every group (--org and --subject narrow them; not with --rule)
    #[arg(long, value_name = "ID", conflicts_with = "rules")]
    pub review: Option<String>,

    /// Where the plan is written (JSON, with its sha256)
    #[arg(long, value_name = "PLAN.json")]
    pub out: PathBuf,

    #[command(flatten)]
    pub hub: HubArgs,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The plan written by `hfaudit plan`
    #[arg(value_name = "PLAN.json")]
    pub plan: PathBuf,

    /// Apply without asking (required when stdin is not a terminal)
    #[arg(long)]
    pub yes: bool,

    #[arg(long, value_name = "HOURS", value_parser = bounded(1, MAX_PLAN_AGE_HOURS),
          help = with_default("Refuse a plan older than this many hours", DEFAULT_PLAN_MAX_AGE_HOURS))]
    pub max_age: Option<u64>,

    #[command(flatten)]
    pub snapshot: SnapshotArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, value_name = "DIR", help = out_help())]
    pub out: Option<PathBuf>,

    /// The demo fixtures (a store, a roster, identities and exceptions)
    #[arg(long, value_name = "DIR", hide = true)]
    pub fixtures: Option<PathBuf>,
}

fn parse_severity(s: &str) -> Result<crate::rules::Severity, String> {
    s.parse()
}

fn parse_rule(s: &str) -> Result<crate::rules::Rule, String> {
    s.parse()
}

/// A help text ending in the default, as clap writes it.
fn with_default(text: &str, default: impl Display) -> String {
    format!("{text} [default: {default}]")
}

fn out_help() -> String {
    format!("Where the reports are written [default: ./{DEFAULT_OUT}]")
}

/// A number in `min..=max`; the message says which numbers are allowed.
fn bounded<T>(min: T, max: T) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: FromStr + PartialOrd + Display + Copy + Send + Sync + 'static,
{
    move |text| {
        let value = text
            .trim()
            .parse()
            .map_err(|_| format!("must be a whole number between {min} and {max}"))?;
        check_range(value, min, max)
    }
}

/// How to reach the Hub.
#[derive(Debug, Args, Clone)]
pub struct HubArgs {
    /// Read the Hub token from FILE (else HF_TOKEN, HF_TOKEN_PATH, $HF_HOME/token)
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Read the org's SCIM token from FILE (else HF_SCIM_TOKEN); pending
    /// invitations are then read from SCIM provisioning (Basic SSO)
    #[arg(long, value_name = "FILE")]
    pub scim_token_file: Option<PathBuf>,

    #[arg(long, value_name = "N", value_parser = bounded(1, MAX_CONCURRENCY),
          help = with_default("Per-repo requests in flight at once", DEFAULT_CONCURRENCY))]
    pub concurrency: Option<u16>,

    #[arg(long, value_name = "SECS", value_parser = bounded(1, MAX_TIMEOUT_SECS),
          help = with_default("Timeout of one request, in seconds", DEFAULT_TIMEOUT_SECS))]
    pub timeout: Option<u64>,

    #[arg(long, value_name = "N", value_parser = bounded(0, MAX_RETRIES_FLAG),
          help = with_default("Retries of a failed request (408/429/5xx, network)", DEFAULT_RETRIES))]
    pub retries: Option<u32>,

    #[arg(long, value_name = "MIB", value_parser = bounded(1, MAX_BODY_MIB_LIMIT),
          help = with_default("Largest response body read from the Hub, in MiB", DEFAULT_MAX_BODY_MIB))]
    pub max_body_mib: Option<u64>,

    /// First backoff step in milliseconds (tests shorten it)
    #[arg(long, value_name = "MS", hide = true, value_parser = bounded(0, MAX_BACKOFF_MS))]
    pub backoff_ms: Option<u64>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub hub: HubArgs,

    #[arg(long, value_name = "SECS", value_parser = bounded(0, MAX_LOCK_WAIT_SECS),
          help = with_default("Seconds to wait for another run on the same org to finish", DEFAULT_LOCK_WAIT_SECS))]
    pub lock_wait: Option<u64>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn org_is_repeatable_and_global() {
        let cli = Cli::try_parse_from(["hfaudit", "snapshot", "--org", "a", "--org", "b"]).unwrap();
        assert_eq!(cli.global.orgs, vec!["a", "b"]);
        let cli = Cli::try_parse_from(["hfaudit", "--org", "a", "history"]).unwrap();
        assert_eq!(cli.global.orgs, vec!["a"]);
    }

    #[test]
    fn quiet_and_verbose_conflict() {
        assert!(Cli::try_parse_from(["hfaudit", "-q", "-v", "history"]).is_err());
    }
}
