//! Ledger verification's page loops: `domain.verification._journal_page` and `_transfer_page`, one page of
//! rows per call, over the same state.
//!
//! Python hands over the scan's state as a flat tuple (`_Journal.pack()`, `_Transfers.pack()`, in field
//! order), a page of row tuples (`JournalRow`, `TransferRow`: text, int and None; amounts as ints or
//! their decimal digits), how many discrepancies it still lists (`room`) and, for the journal, the
//! `earlier_holds` callable of a resumed account. The answer is `(state, listed, count)`: the state after
//! the page, the first `room` discrepancies found as `(kind, subject, expected, found)` strings formatted
//! as the reference formats them, and how many were found in all.
//!
//! The answer is None whenever the page holds something this loop does not take exactly: an amount,
//! a sum or a seq outside `i128`, a value of another type or spelling than the scans give (an id that is
//! not text, a layer or side it does not know, a row that is not a tuple of the right width). Python then
//! runs the reference over the same page from the same state, so such a page is decided (or refused) by
//! the specification, never guessed at here. `earlier_holds` may already have been called: Python asks it
//! once and keeps the answer.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyLong, PyString, PyTuple};

const JOURNAL_WIDTH: usize = 8;
const ACCOUNT_WIDTH: usize = 9;
const TRANSFER_WIDTH: usize = 6;
const JOURNAL_STATE: usize = 22;
const TRANSFER_STATE: usize = 5;
const BALANCES: [&str; 4] = [
    "posted_debits",
    "posted_credits",
    "pending_debits",
    "pending_credits",
];

/// Why a page goes back to the reference: not an error, the answer None.
struct Reference;

type Step<T> = Result<T, Reference>;

/// A Python call failed (`earlier_holds` raised): the error goes up as it is.
enum Stop {
    Reference,
    Raised(PyErr),
}

impl From<Reference> for Stop {
    fn from(_: Reference) -> Self {
        Stop::Reference
    }
}

// --- reading plain values ----------------------------------------------------------------------------

fn text(ob: &PyAny) -> Step<&str> {
    match ob.downcast::<PyString>() {
        Ok(s) => s.to_str().map_err(|_| Reference),
        Err(_) => Err(Reference),
    }
}

fn optional_text(ob: &PyAny) -> Step<Option<&str>> {
    if ob.is_none() {
        Ok(None)
    } else {
        text(ob).map(Some)
    }
}

/// Decimal digits with an optional minus sign, as PostgreSQL writes a NUMERIC of scale 0 (anything else,
/// or past `i128`, goes to the reference, whose `int()` decides).
fn digits(s: &str) -> Step<i128> {
    let bytes = s.as_bytes();
    let (negative, body) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if body.is_empty() {
        return Err(Reference);
    }
    let mut value: i128 = 0;
    for &b in body {
        if !b.is_ascii_digit() {
            return Err(Reference);
        }
        let digit = i128::from(b - b'0');
        value = value.checked_mul(10).ok_or(Reference)?;
        value = if negative {
            value.checked_sub(digit)
        } else {
            value.checked_add(digit)
        }
        .ok_or(Reference)?;
    }
    Ok(value)
}

/// An int, or its decimal digits as text.
fn number(ob: &PyAny) -> Step<i128> {
    if let Ok(s) = ob.downcast::<PyString>() {
        return digits(s.to_str().map_err(|_| Reference)?);
    }
    if ob.downcast::<PyLong>().is_err() {
        return Err(Reference);
    }
    match ob.extract::<i64>() {
        Ok(small) => Ok(i128::from(small)),
        Err(_) => ob.extract::<i128>().map_err(|_| Reference),
    }
}

/// An int (a seq: the reference compares it as it is, it does not parse text).
fn int(ob: &PyAny) -> Step<i128> {
    if ob.downcast::<PyLong>().is_err() {
        return Err(Reference);
    }
    number(ob)
}

fn optional_number(ob: &PyAny) -> Step<Option<i128>> {
    if ob.is_none() {
        Ok(None)
    } else {
        number(ob).map(Some)
    }
}

fn count(ob: &PyAny) -> Step<u64> {
    ob.extract::<u64>().map_err(|_| Reference)
}

fn flag(ob: &PyAny) -> Step<bool> {
    ob.extract::<bool>().map_err(|_| Reference)
}

fn add(a: i128, b: i128) -> Step<i128> {
    a.checked_add(b).ok_or(Reference)
}

fn sub(a: i128, b: i128) -> Step<i128> {
    a.checked_sub(b).ok_or(Reference)
}

fn to_py(py: Python<'_>, value: i128) -> PyObject {
    match i64::try_from(value) {
        Ok(small) => small.into_py(py),
        Err(_) => value.into_py(py),
    }
}

fn optional_to_py(py: Python<'_>, value: &Option<String>) -> PyObject {
    match value {
        Some(s) => s.into_py(py),
        None => py.None(),
    }
}

/// The rows of a page: a list or a tuple of them.
fn page(rows: &PyAny) -> Step<Vec<&PyAny>> {
    if let Ok(list) = rows.downcast::<PyList>() {
        Ok(list.iter().collect())
    } else if let Ok(tuple) = rows.downcast::<PyTuple>() {
        Ok(tuple.iter().collect())
    } else {
        Err(Reference)
    }
}

fn row(ob: &PyAny, width: usize) -> Step<&PyTuple> {
    match ob.downcast::<PyTuple>() {
        Ok(t) if t.len() == width => Ok(t),
        _ => Err(Reference),
    }
}

/// An account's columns: a list (as the scans read a SQL array) or a tuple of them.
fn account_columns(ob: &PyAny) -> Step<Vec<&PyAny>> {
    let columns: Vec<&PyAny> = if let Ok(list) = ob.downcast::<PyList>() {
        list.iter().collect()
    } else if let Ok(tuple) = ob.downcast::<PyTuple>() {
        tuple.iter().collect()
    } else {
        return Err(Reference);
    };
    if columns.len() == ACCOUNT_WIDTH {
        Ok(columns)
    } else {
        Err(Reference)
    }
}

// --- what is found -----------------------------------------------------------------------------------

struct Found<'py> {
    py: Python<'py>,
    room: usize,
    count: u64,
    listed: &'py PyList,
}

impl<'py> Found<'py> {
    fn new(py: Python<'py>, room: usize) -> Self {
        Found {
            py,
            room,
            count: 0,
            listed: PyList::empty(py),
        }
    }

    fn report(
        &mut self,
        kind: &str,
        subject: String,
        expected: String,
        found: String,
    ) -> PyResult<()> {
        self.count += 1;
        if self.listed.len() < self.room {
            let listed: PyObject = (kind, subject, expected, found).into_py(self.py);
            self.listed.append(listed)?;
        }
        Ok(())
    }
}

fn raised(error: PyErr) -> Stop {
    Stop::Raised(error)
}

// --- the journal -------------------------------------------------------------------------------------

struct Journal {
    account: Option<String>,
    asset: String,
    credit: bool,
    min_balance: Option<i128>,
    stored: [i128; 4],
    stored_last_seq: i128,
    sums: [i128; 4], // posted debits, posted credits, pending debits, pending credits
    last_seq: i128,
    resumed: bool,
    resume: Option<(String, i128, i128, i128)>,
    accounts: u64,
    seen: u64,
    entries: u64,
    rows: u64,
    on_entry: bool,
    last_account: Option<String>,
}

impl Journal {
    fn read(state: &PyAny) -> Step<Journal> {
        let s = row(state, JOURNAL_STATE)?;
        let at = |i: usize| s.get_item(i).map_err(|_| Reference);
        let resume = {
            let r = at(15)?;
            if r.is_none() {
                None
            } else {
                let r = row(r, 4)?;
                let item = |i: usize| r.get_item(i).map_err(|_| Reference);
                Some((
                    text(item(0)?)?.to_owned(),
                    int(item(1)?)?,
                    number(item(2)?)?,
                    number(item(3)?)?,
                ))
            }
        };
        Ok(Journal {
            account: optional_text(at(0)?)?.map(str::to_owned),
            asset: text(at(1)?)?.to_owned(),
            credit: flag(at(2)?)?,
            min_balance: optional_number(at(3)?)?,
            stored: [
                number(at(4)?)?,
                number(at(5)?)?,
                number(at(6)?)?,
                number(at(7)?)?,
            ],
            stored_last_seq: number(at(8)?)?,
            sums: [
                number(at(9)?)?,
                number(at(10)?)?,
                number(at(11)?)?,
                number(at(12)?)?,
            ],
            last_seq: int(at(13)?)?,
            resumed: flag(at(14)?)?,
            resume,
            accounts: count(at(16)?)?,
            seen: count(at(17)?)?,
            entries: count(at(18)?)?,
            rows: count(at(19)?)?,
            on_entry: flag(at(20)?)?,
            last_account: optional_text(at(21)?)?.map(str::to_owned),
        })
    }

    fn to_py(&self, py: Python<'_>) -> PyObject {
        let resume = match &self.resume {
            Some((id, seq, pd, pc)) => {
                (id, to_py(py, *seq), to_py(py, *pd), to_py(py, *pc)).into_py(py)
            }
            None => py.None(),
        };
        let items: [PyObject; JOURNAL_STATE] = [
            optional_to_py(py, &self.account),
            self.asset.clone().into_py(py),
            self.credit.into_py(py),
            match self.min_balance {
                Some(m) => to_py(py, m),
                None => py.None(),
            },
            to_py(py, self.stored[0]),
            to_py(py, self.stored[1]),
            to_py(py, self.stored[2]),
            to_py(py, self.stored[3]),
            to_py(py, self.stored_last_seq),
            to_py(py, self.sums[0]),
            to_py(py, self.sums[1]),
            to_py(py, self.sums[2]),
            to_py(py, self.sums[3]),
            to_py(py, self.last_seq),
            self.resumed.into_py(py),
            resume,
            self.accounts.into_py(py),
            self.seen.into_py(py),
            self.entries.into_py(py),
            self.rows.into_py(py),
            self.on_entry.into_py(py),
            optional_to_py(py, &self.last_account),
        ];
        PyTuple::new(py, items).into_py(py)
    }

    /// `_finish_account`.
    fn finish(&mut self, found: &mut Found<'_>, holds: &PyAny) -> Result<(), Stop> {
        let account = match self.account.take() {
            Some(account) => account,
            None => return Ok(()),
        };
        let [pd, pc, mut qd, mut qc] = self.sums;
        if self.resumed {
            let held = holds.call0().map_err(raised)?;
            let held = row(held, 2)?;
            let item = |i: usize| held.get_item(i).map_err(|_| Reference);
            qd = add(qd, int(item(0)?)?)?;
            qc = add(qc, int(item(1)?)?)?;
        }
        for (i, expected) in [pd, pc, qd, qc].into_iter().enumerate() {
            if expected != self.stored[i] {
                let subject = format!("{}.{}", account, BALANCES[i]);
                found
                    .report(
                        "balance_mismatch",
                        subject,
                        expected.to_string(),
                        self.stored[i].to_string(),
                    )
                    .map_err(raised)?;
            }
        }
        if self.last_seq != self.stored_last_seq {
            let (expected, stored) = (self.last_seq.to_string(), self.stored_last_seq.to_string());
            found
                .report("last_seq_mismatch", account.clone(), expected, stored)
                .map_err(raised)?;
        }
        let available = if self.credit {
            sub(sub(pc, pd)?, qd)?
        } else {
            sub(sub(pd, pc)?, qc)?
        };
        if let Some(least) = self.min_balance {
            let floor = least.min(0);
            if available < floor {
                let expected = format!(">= {}", floor);
                found
                    .report(
                        "below_min_balance",
                        account,
                        expected,
                        available.to_string(),
                    )
                    .map_err(raised)?;
            }
        }
        Ok(())
    }

    /// `_journal_page`.
    fn page(&mut self, rows: &[&PyAny], found: &mut Found<'_>, holds: &PyAny) -> Result<(), Stop> {
        for &ob in rows {
            let items = row(ob, JOURNAL_WIDTH)?.as_slice();
            self.rows += 1;
            let columns = items[0];
            if !columns.is_none() {
                let columns = account_columns(columns)?;
                let id = text(columns[0])?;
                if self.account.as_deref() != Some(id) {
                    self.begin(id, &columns, found, holds)?;
                }
            } else if self.account.is_none() {
                return Err(Stop::Reference);
            }
            let seq = items[1];
            self.on_entry = !seq.is_none();
            if seq.is_none() {
                continue;
            }
            self.entry(int(seq)?, items, found)?;
        }
        Ok(())
    }

    fn begin(
        &mut self,
        id: &str,
        columns: &[&PyAny],
        found: &mut Found<'_>,
        holds: &PyAny,
    ) -> Result<(), Stop> {
        self.finish(found, holds)?;
        // The reference reads the account's columns before it counts it; so does this.
        let asset = text(columns[1])?.to_owned();
        let credit = match text(columns[2])? {
            "credit" => true,
            "debit" => false,
            _ => return Err(Stop::Reference),
        };
        let min_balance = optional_number(columns[3])?;
        let stored = [
            number(columns[4])?,
            number(columns[5])?,
            number(columns[6])?,
            number(columns[7])?,
        ];
        let stored_last_seq = number(columns[8])?;
        self.account = Some(id.to_owned());
        self.last_account = Some(id.to_owned());
        self.asset = asset;
        self.credit = credit;
        self.min_balance = min_balance;
        self.stored = stored;
        self.stored_last_seq = stored_last_seq;
        self.seen += 1;
        match self.resume.take() {
            Some((resumed, seq, pd, pc)) if resumed == id => {
                self.last_seq = seq;
                self.sums = [pd, pc, 0, 0];
                self.resumed = true;
            }
            _ => {
                self.last_seq = 0;
                self.sums = [0; 4];
                self.resumed = false;
                self.accounts += 1;
            }
        }
        Ok(())
    }

    fn entry(&mut self, seq: i128, items: &[&PyAny], found: &mut Found<'_>) -> Result<(), Stop> {
        self.entries += 1;
        let account = self.account.as_deref().unwrap_or_default();
        let next = add(self.last_seq, 1)?;
        if seq != next {
            let subject = format!("{}#{}", account, seq);
            found
                .report("seq_gap", subject, next.to_string(), seq.to_string())
                .map_err(raised)?;
        }
        self.last_seq = seq;
        let asset = text(items[5])?;
        if asset != self.asset {
            let subject = format!("{}#{}", account, seq);
            found
                .report(
                    "asset_mismatch",
                    subject,
                    self.asset.clone(),
                    asset.to_owned(),
                )
                .map_err(raised)?;
        }
        let debit = match text(items[3])? {
            "debit" => true,
            "credit" => false,
            _ => return Err(Stop::Reference),
        };
        let counts = match text(items[2])? {
            "posted" => Some(0),
            "pending" => match optional_text(items[7]) {
                Ok(Some("pending")) => Some(2),
                Ok(_) => None,
                Err(_) => None, // the reference compares any status with "pending": not text, not pending
            },
            _ => return Err(Stop::Reference),
        };
        if let Some(base) = counts {
            let i = base + usize::from(!debit);
            self.sums[i] = add(self.sums[i], number(items[4])?)?;
        }
        let [pd, pc, _, _] = self.sums;
        let posted = if self.credit {
            sub(pc, pd)?
        } else {
            sub(pd, pc)?
        };
        let after = number(items[6])?;
        if after != posted {
            let subject = format!("{}#{}", account, seq);
            found
                .report(
                    "balance_after_mismatch",
                    subject,
                    posted.to_string(),
                    after.to_string(),
                )
                .map_err(raised)?;
        }
        Ok(())
    }
}

/// `_journal_page(state, rows)` with `earlier_holds`: `(state, listed, count)`, or None (see the module).
#[pyfunction]
fn verify_journal_page(
    py: Python<'_>,
    state: &PyAny,
    rows: &PyAny,
    room: usize,
    earlier_holds: &PyAny,
) -> PyResult<Option<(PyObject, PyObject, u64)>> {
    let (mut journal, rows) = match (Journal::read(state), page(rows)) {
        (Ok(journal), Ok(rows)) => (journal, rows),
        _ => return Ok(None),
    };
    let mut found = Found::new(py, room);
    match journal.page(&rows, &mut found, earlier_holds) {
        Ok(()) => Ok(Some((
            journal.to_py(py),
            found.listed.into_py(py),
            found.count,
        ))),
        Err(Stop::Reference) => Ok(None),
        Err(Stop::Raised(error)) => Err(error),
    }
}

// --- the transfers -----------------------------------------------------------------------------------

struct Transfers {
    transfer: Option<String>,
    pending: bool,
    has_hold: bool,
    transfers: u64,
    last: Option<String>,
}

impl Transfers {
    fn read(state: &PyAny) -> Step<Transfers> {
        let s = row(state, TRANSFER_STATE)?;
        let at = |i: usize| s.get_item(i).map_err(|_| Reference);
        Ok(Transfers {
            transfer: optional_text(at(0)?)?.map(str::to_owned),
            pending: flag(at(1)?)?,
            has_hold: flag(at(2)?)?,
            transfers: count(at(3)?)?,
            last: optional_text(at(4)?)?.map(str::to_owned),
        })
    }

    fn to_py(&self, py: Python<'_>) -> PyObject {
        let items: [PyObject; TRANSFER_STATE] = [
            optional_to_py(py, &self.transfer),
            self.pending.into_py(py),
            self.has_hold.into_py(py),
            self.transfers.into_py(py),
            optional_to_py(py, &self.last),
        ];
        PyTuple::new(py, items).into_py(py)
    }

    /// `_finish_transfer`.
    fn finish(&mut self, found: &mut Found<'_>) -> Result<(), Stop> {
        if let Some(transfer) = self.transfer.take() {
            if self.pending && !self.has_hold {
                found
                    .report(
                        "pending_without_hold",
                        transfer,
                        "a hold".into(),
                        "none".into(),
                    )
                    .map_err(raised)?;
            }
        }
        Ok(())
    }

    /// `_transfer_page`.
    fn page(&mut self, rows: &[&PyAny], found: &mut Found<'_>) -> Result<(), Stop> {
        for &ob in rows {
            let items = row(ob, TRANSFER_WIDTH)?.as_slice();
            let at = |i: usize| items[i];
            let transfer = text(at(0))?;
            if self.transfer.as_deref() != Some(transfer) {
                self.finish(found)?;
                self.transfer = Some(transfer.to_owned());
                self.last = Some(transfer.to_owned());
                self.pending = matches!(optional_text(at(1)), Ok(Some("pending")));
                self.has_hold = false;
                self.transfers += 1;
            }
            let layer = match optional_text(at(2))? {
                None => {
                    let subject = transfer.to_owned();
                    found
                        .report(
                            "transfer_without_entries",
                            subject,
                            "at least two entries".into(),
                            "0".into(),
                        )
                        .map_err(raised)?;
                    continue;
                }
                Some(layer @ "pending") => {
                    self.has_hold = true;
                    layer
                }
                Some(layer @ "posted") => layer,
                Some(_) => return Err(Stop::Reference),
            };
            let (debits, credits) = (number(at(4))?, number(at(5))?);
            if debits != credits {
                let asset = optional_text(at(3))?.unwrap_or("None");
                let subject = format!("{}.{}.{}", transfer, layer, asset);
                let expected = format!("debits = credits = {}", debits);
                found
                    .report(
                        "unbalanced_transfer",
                        subject,
                        expected,
                        credits.to_string(),
                    )
                    .map_err(raised)?;
            }
        }
        Ok(())
    }
}

/// `_transfer_page(state, rows)`: `(state, listed, count)`, or None (see the module).
#[pyfunction]
fn verify_transfer_page(
    py: Python<'_>,
    state: &PyAny,
    rows: &PyAny,
    room: usize,
) -> PyResult<Option<(PyObject, PyObject, u64)>> {
    let (mut transfers, rows) = match (Transfers::read(state), page(rows)) {
        (Ok(transfers), Ok(rows)) => (transfers, rows),
        _ => return Ok(None),
    };
    let mut found = Found::new(py, room);
    match transfers.page(&rows, &mut found) {
        Ok(()) => Ok(Some((
            transfers.to_py(py),
            found.listed.into_py(py),
            found.count,
        ))),
        Err(Stop::Reference) => Ok(None),
        Err(Stop::Raised(error)) => Err(error),
    }
}

pub fn register(_py: Python<'_>, m: &PyModule) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_journal_page, m)?)?;
    m.add_function(wrap_pyfunction!(verify_transfer_page, m)?)?;
    Ok(())
}
