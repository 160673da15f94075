//! `hfaudit prune` (being built).

use crate::config::{Env, Settings};
use crate::error::{Error, Result};
use crate::term::Term;

#[allow(unused_variables, unused_imports)]
pub fn run(settings: &Settings, args: &crate::cli::PruneArgs, term: &Term) -> Result<()> {
    let _ = (Env::from_process,);
    Err(Error::Usage("`prune` is not built yet".into()))
}
