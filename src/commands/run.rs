//! `hfaudit run` (being built).

use crate::config::{Env, Settings};
use crate::error::{Error, Result};
use crate::term::Term;

#[allow(unused_variables, unused_imports)]
pub fn run(settings: &Settings, args: &crate::cli::RunArgs, env: &Env, term: &Term) -> Result<super::Done> {
    let _ = (Env::from_process,);
    Err(Error::Usage("`run` is not built yet".into()))
}
