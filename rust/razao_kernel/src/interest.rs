//! Interest: the settlement of an account's periods, in exact arithmetic.
//!
//! `interest_settle` implements `domain.interest.settle_periods_reference`: each period's accrued amount
//! (the sum of its daily amounts, exact fractions) plus the carry is rounded half to even to a whole
//! minor unit, and the exact remainder carries into the next period. Fractions are `i128` pairs in lowest
//! terms with a positive denominator; an input or an intermediate outside `i128` answers `None`, and the
//! Python caller settles that account with the reference.

use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

/// An exact fraction: (numerator, denominator), denominator > 0, in lowest terms.
type Ratio = (i128, i128);

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// n/d in lowest terms with d > 0 (None: d is 0, or a result leaves i128).
fn ratio(n: i128, d: i128) -> Option<Ratio> {
    if d == 0 {
        return None;
    }
    let g = gcd(n.unsigned_abs(), d.unsigned_abs());
    let g = i128::try_from(g).ok()?; // 2**127 (both are i128::MIN): out of range
    let (n, d) = (n / g, d / g);
    if d < 0 {
        Some((n.checked_neg()?, d.checked_neg()?))
    } else {
        Some((n, d))
    }
}

/// a + b, exactly.
fn add(a: Ratio, b: Ratio) -> Option<Ratio> {
    if a.1 == b.1 {
        return ratio(a.0.checked_add(b.0)?, a.1);
    }
    let g = gcd(a.1.unsigned_abs(), b.1.unsigned_abs()) as i128; // both denominators are > 0
    let (a_scale, b_scale) = (b.1 / g, a.1 / g);
    let n =
        a.0.checked_mul(a_scale)?
            .checked_add(b.0.checked_mul(b_scale)?)?;
    ratio(n, a.1.checked_mul(a_scale)?)
}

/// (round half to even of n/d, n/d minus it): Python's `round(Fraction)` and the remainder.
fn round_half_even(total: Ratio) -> Option<(i128, Ratio)> {
    let (n, d) = total;
    let (floor, r) = (n.div_euclid(d), n.rem_euclid(d)); // 0 <= r < d
    let up = match r.cmp(&(d - r)) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => floor % 2 != 0,
    };
    if up {
        // The remainder r - d is in lowest terms over d, as n/d is.
        Some((floor.checked_add(1)?, (r - d, d)))
    } else {
        Some((floor, (r, d)))
    }
}

/// An int as i128; Ok(None) when it does not fit.
fn int(value: &PyAny) -> PyResult<Option<i128>> {
    match value.extract::<i128>() {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_instance_of::<PyOverflowError>(value.py()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `settle_periods_reference` on Ratios: (what each period posts, the carry after the last); None when
/// a number leaves i128. `days` holds each day's numerator then denominator; period i ends before day
/// `ends[i]`.
fn settle(carry: Ratio, days: &PyList, ends: &[usize]) -> PyResult<Option<(Vec<i128>, Ratio)>> {
    let beyond = |&e: &usize| e.checked_mul(2).is_none_or(|n| n > days.len());
    if ends.windows(2).any(|w| w[0] > w[1]) || ends.last().is_some_and(beyond) {
        return Err(PyValueError::new_err(
            "ends must ascend and stay within the days",
        ));
    }
    let mut carry = carry;
    let mut amounts = Vec::with_capacity(ends.len());
    let mut day = 0;
    for &end in ends {
        let mut accrued: Ratio = (0, 1);
        while day < end {
            let (Some(n), Some(d)) = (
                int(days.get_item(2 * day)?)?,
                int(days.get_item(2 * day + 1)?)?,
            ) else {
                return Ok(None);
            };
            let Some(sum) = ratio(n, d).and_then(|amount| add(accrued, amount)) else {
                return Ok(None);
            };
            accrued = sum;
            day += 1;
        }
        let Some((amount, remainder)) = add(accrued, carry).and_then(round_half_even) else {
            return Ok(None);
        };
        amounts.push(amount);
        carry = remainder;
    }
    Ok(Some((amounts, carry)))
}

/// interest_settle(carry_numerator, carry_denominator, days, ends) -> (amounts, carry_numerator,
/// carry_denominator) | None
///
/// `days`: the daily amounts of an account's periods, in order, flat: numerator, denominator, numerator,
/// denominator, ...; `ends`: for each period, the number of days up to and including its last. Each
/// period posts round-half-to-even(sum of its days + carry) minor units; the exact rest (in lowest terms)
/// is the next period's carry. None when a number leaves i128 (the caller then uses
/// `domain.interest.settle_periods_reference`).
#[pyfunction]
fn interest_settle(
    py: Python<'_>,
    carry_numerator: &PyAny,
    carry_denominator: &PyAny,
    days: &PyList,
    ends: Vec<usize>,
) -> PyResult<PyObject> {
    let (Some(n), Some(d)) = (int(carry_numerator)?, int(carry_denominator)?) else {
        return Ok(py.None());
    };
    let Some(carry) = ratio(n, d) else {
        return Ok(py.None());
    };
    Ok(match settle(carry, days, &ends)? {
        Some((amounts, (n, d))) => (amounts, n, d).into_py(py),
        None => py.None(),
    })
}

pub fn register(_py: Python<'_>, m: &PyModule) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(interest_settle, m)?)?;
    Ok(())
}
