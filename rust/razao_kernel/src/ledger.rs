//! The arithmetic of booking a batch of transfers: `domain.ledger._apply`, transfer after transfer, in
//! one call.
//!
//! Python resolves and checks each request (accounts, assets, balance), numbers the accounts the batch
//! touches (slots) and hands over flat lists: each slot's four running sums (posted debits, posted
//! credits, pending debits, pending credits, as in `Balances`), normal side, `min_balance` and last
//! sequence number, then each move as `slot * 4 + sum index` with its amount, and where each transfer's
//! moves end. For each transfer, as `_apply`: every sum after its move must not be negative (first
//! failing move, in order), then each account's available balance must not fall below its minimum
//! when it falls (accounts in order of first appearance), and only then the moves count: the account's
//! next `seq` and its posted `balance_after` for each move of a positive amount.
//!
//! A refused transfer changes nothing and is reported; with `keep_going` the next transfers are decided
//! on the states without it (`post_each`), without it the call stops there (`post_transfers`). Any sum
//! outside `i128` returns None (an input outside it raises `OverflowError`): Python then runs the
//! reference for the whole call.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// A move would take a running sum below zero: `[transfer, NEGATIVE, move, 0 …]`.
const NEGATIVE: i128 = 1;
/// An account's available balance would fall below its minimum:
/// `[transfer, LIMIT, slot, the four sums before …, the four sums after …]`.
const LIMIT: i128 = 2;
/// Each refusal is reported in this many numbers.
const FAILURE_WIDTH: usize = 11;

type Sums = [i128; 4];

// --- between Python's integers and ours: most fit in 64 bits, which is the quick way ----------------------

/// A Python int as i128 (`OverflowError` past it): as i64 first, the quick conversion that most take.
fn int(ob: &PyAny) -> PyResult<i128> {
    match ob.extract::<i64>() {
        Ok(small) => Ok(i128::from(small)),
        Err(_) => ob.extract::<i128>(),
    }
}

fn ints(list: &PyList) -> PyResult<Vec<i128>> {
    list.iter().map(int).collect()
}

fn indices(list: &PyList) -> PyResult<Vec<usize>> {
    list.iter()
        .map(|ob| {
            usize::try_from(int(ob)?).map_err(|_| PyValueError::new_err("an index is negative"))
        })
        .collect()
}

fn to_py(py: Python<'_>, value: i128) -> PyObject {
    match i64::try_from(value) {
        Ok(small) => small.into_py(py),
        Err(_) => value.into_py(py),
    }
}

fn list<'py>(py: Python<'py>, values: &[i128]) -> &'py PyList {
    PyList::new(py, values.iter().map(|&v| to_py(py, v)))
}

/// The posted balance, read from the normal side (`Balances.posted`).
fn posted(sums: &Sums, credit: bool) -> Option<i128> {
    if credit {
        sums[1].checked_sub(sums[0])
    } else {
        sums[0].checked_sub(sums[1])
    }
}

/// The posted balance less the pending outflow (`Balances.available`).
fn available(sums: &Sums, credit: bool) -> Option<i128> {
    posted(sums, credit)?.checked_sub(if credit { sums[2] } else { sums[3] })
}

/// A sum left the kernel's integers: Python runs the reference instead.
struct Overflow;

/// The accounts of a batch (slots), as `_apply` sees them: running sums, side, minimum, last `seq`.
struct Slots {
    sums: Vec<Sums>,
    credit: Vec<bool>,
    mins: Vec<Option<i128>>,
    seqs: Vec<i128>,
}

/// The moves of a batch: `slot * 4 + sum index`, amount; `seqs` and `after` are filled as they count.
struct Moves {
    codes: Vec<usize>,
    amounts: Vec<i128>,
    seqs: Vec<i128>,
    after: Vec<i128>,
}

impl Slots {
    /// `_apply` for the moves `range` of transfer `t`: Ok(Some(refusal)) leaves every slot as it was.
    fn apply(
        &mut self,
        moves: &mut Moves,
        range: std::ops::Range<usize>,
        t: usize,
        touched: &mut Vec<(usize, Sums, i128)>, // slot, sums before, running posted balance
    ) -> Result<Option<[i128; FAILURE_WIDTH]>, Overflow> {
        touched.clear();
        let refusal = self.check(moves, range.clone(), t, touched);
        if !matches!(refusal, Ok(None)) {
            for &(slot, before, _) in touched.iter() {
                self.sums[slot] = before;
            }
            return refusal;
        }
        // The moves count: each positive one is the account's next entry, with its posted balance after.
        for entry in touched.iter_mut() {
            entry.2 = posted(&entry.1, self.credit[entry.0]).ok_or(Overflow)?;
        }
        for m in range {
            let (slot, index, delta) = (moves.codes[m] / 4, moves.codes[m] % 4, moves.amounts[m]);
            let Some(entry) = touched.iter_mut().find(|entry| entry.0 == slot) else {
                continue;
            };
            if index < 2 {
                // A move on the normal side raises the posted balance, on the other side lowers it.
                let normal = (index == 1) == self.credit[slot];
                let balance = if normal {
                    entry.2.checked_add(delta)
                } else {
                    entry.2.checked_sub(delta)
                };
                entry.2 = balance.ok_or(Overflow)?;
            }
            if delta > 0 {
                self.seqs[slot] = self.seqs[slot].checked_add(1).ok_or(Overflow)?;
                moves.seqs[m] = self.seqs[slot];
                moves.after[m] = entry.2;
            }
        }
        Ok(None)
    }

    /// Why transfer `t` is refused (None: it may be applied), having moved the sums it touches.
    fn check(
        &mut self,
        moves: &Moves,
        range: std::ops::Range<usize>,
        t: usize,
        touched: &mut Vec<(usize, Sums, i128)>,
    ) -> Result<Option<[i128; FAILURE_WIDTH]>, Overflow> {
        let mut failure = [0; FAILURE_WIDTH];
        failure[0] = t as i128;
        for m in range {
            let (slot, index) = (moves.codes[m] / 4, moves.codes[m] % 4);
            if !touched.iter().any(|entry| entry.0 == slot) {
                touched.push((slot, self.sums[slot], 0));
            }
            let sum = self.sums[slot][index]
                .checked_add(moves.amounts[m])
                .ok_or(Overflow)?;
            self.sums[slot][index] = sum;
            if sum < 0 {
                failure[1..3].copy_from_slice(&[NEGATIVE, m as i128]);
                return Ok(Some(failure));
            }
        }
        for &(slot, before, _) in touched.iter() {
            let Some(min) = self.mins[slot] else { continue };
            let credit = self.credit[slot];
            let now = available(&self.sums[slot], credit).ok_or(Overflow)?;
            if now < available(&before, credit).ok_or(Overflow)? && now < min {
                failure[1..3].copy_from_slice(&[LIMIT, slot as i128]);
                failure[3..7].copy_from_slice(&before);
                failure[7..].copy_from_slice(&self.sums[slot]);
                return Ok(Some(failure));
            }
        }
        Ok(None)
    }
}

/// Book the transfers' moves on the slots' states, in order (`_apply` for each).
///
/// `sums` holds four per slot; `credit`, `mins` and `seqs` one per slot; `moves` (`slot * 4 + sum
/// index`) and `amounts` one per move; `ends` one per transfer. Returns None on an overflow, else
/// `(sums, seqs, move_seqs, balances_after, refusals)`: the slots' four sums (flat) and last sequence
/// numbers after the batch; each move's `seq` and posted `balance_after` (0 for a move that writes no
/// entry: of a refused transfer, or not positive); and each refusal as `APPLY_FAILURE_WIDTH` numbers
/// (flat): `[transfer, APPLY_NEGATIVE, move, 0 …]` or `[transfer, APPLY_LIMIT, slot, the four sums
/// before …, the four sums after …]`. With `keep_going` false, the first refusal ends the batch.
#[pyfunction]
#[pyo3(text_signature = "(sums, credit, mins, seqs, moves, amounts, ends, keep_going, /)")]
#[allow(clippy::too_many_arguments)]
fn apply_batch(
    py: Python<'_>,
    sums: &PyList,
    credit: &PyList,
    mins: &PyList,
    seqs: &PyList,
    moves: &PyList,
    amounts: &PyList,
    ends: &PyList,
    keep_going: bool,
) -> PyResult<Option<PyObject>> {
    let flat = ints(sums)?;
    let mut slots = Slots {
        sums: flat
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect(),
        credit: credit
            .iter()
            .map(|ob| ob.extract())
            .collect::<PyResult<_>>()?,
        mins: mins
            .iter()
            .map(|ob| {
                if ob.is_none() {
                    Ok(None)
                } else {
                    int(ob).map(Some)
                }
            })
            .collect::<PyResult<_>>()?,
        seqs: ints(seqs)?,
    };
    let codes = indices(moves)?;
    let count = codes.len();
    let mut moves = Moves {
        codes,
        amounts: ints(amounts)?,
        seqs: vec![0; count],
        after: vec![0; count],
    };
    let ends = indices(ends)?;
    let n = slots.seqs.len();
    if flat.len() != 4 * n || slots.credit.len() != n || slots.mins.len() != n {
        return Err(PyValueError::new_err(
            "sums, credit, mins and seqs describe different slots",
        ));
    }
    if moves.amounts.len() != count || moves.codes.iter().any(|&code| code >= 4 * n) {
        return Err(PyValueError::new_err(
            "a move names no slot, or has no amount",
        ));
    }
    if ends.windows(2).any(|w| w[0] > w[1]) || ends.last().is_some_and(|&end| end > count) {
        return Err(PyValueError::new_err(
            "ends must rise, up to the number of moves",
        ));
    }
    let mut refusals: Vec<i128> = Vec::new();
    let mut touched = Vec::with_capacity(8);
    let mut start = 0;
    for (t, &end) in ends.iter().enumerate() {
        match slots.apply(&mut moves, start..end, t, &mut touched) {
            Err(Overflow) => return Ok(None),
            Ok(None) => {}
            Ok(Some(refusal)) => {
                refusals.extend_from_slice(&refusal);
                if !keep_going {
                    break;
                }
            }
        }
        start = end;
    }
    let sums: Vec<i128> = slots.sums.iter().flatten().copied().collect();
    let answer = (
        list(py, &sums),
        list(py, &slots.seqs),
        list(py, &moves.seqs),
        list(py, &moves.after),
        list(py, &refusals),
    );
    Ok(Some(answer.into_py(py)))
}

pub fn register(_py: Python<'_>, m: &PyModule) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(apply_batch, m)?)?;
    m.add("APPLY_FAILURE_WIDTH", FAILURE_WIDTH)?;
    m.add("APPLY_NEGATIVE", NEGATIVE)?;
    m.add("APPLY_LIMIT", LIMIT)?;
    Ok(())
}
