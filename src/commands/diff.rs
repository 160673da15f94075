//! `hfaudit diff` (being built).

use crate::config::{Env, Settings};
use crate::error::{Error, Result};
use crate::term::Term;

#[allow(unused_variables, unused_imports)]
pub fn run(settings: &Settings, args: &crate::cli::DiffArgs, term: &Term) -> Result<()> {
    let _ = (Env::from_process,);
    Err(Error::Usage("`diff` is not built yet".into()))
}
