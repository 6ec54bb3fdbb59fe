//! placeholder
use std::path::{Path, PathBuf};
use crate::failure::Failure;
pub(crate) fn run(_files: &[PathBuf], _plot: Option<&Path>) -> Result<(), Failure> { Ok(()) }
