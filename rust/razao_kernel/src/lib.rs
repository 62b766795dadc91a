//! Razão's kernel: the hot pure functions of the domain, in Rust, for Python (PyO3).
//!
//! Every function here is an implementation of a pure-Python function in `src/domain`, which stays the
//! specification; hypothesis tests compare the two. Nothing here does I/O, reads a clock or touches a
//! database: inputs are plain Python values (int, str, None, tuples and lists of them) and so are the
//! results. Money is counted in `i128`; an input or a result outside it returns `None` (or raises
//! `OverflowError`), and the Python caller falls back to the reference for that call.

#![forbid(unsafe_code)]

use pyo3::prelude::*;

mod interest;
mod ledger;
mod verification;

/// The version the Python side pins (`domain.kernel.VERSION`): a kernel of another version is not used.
const VERSION: &str = env!("CARGO_PKG_VERSION");

#[pymodule]
fn razao_kernel(py: Python<'_>, m: &PyModule) -> PyResult<()> {
    m.add("__version__", VERSION)?;
    interest::register(py, m)?;
    ledger::register(py, m)?;
    verification::register(py, m)?;
    Ok(())
}
