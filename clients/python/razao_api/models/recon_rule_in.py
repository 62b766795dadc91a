from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.recon_weights_in import ReconWeightsIn


T = TypeVar("T", bound="ReconRuleIn")


@_attrs_define
class ReconRuleIn:
    """A rule's settings; every one has a default (`domain.reconciliation.Rule`).

    Attributes:
        reference (None | str | Unset): The ledger field the line's reference must equal: `description` (the
            transfer's), `transfer_id`, or `metadata.<key>`; null: references are not compared. Default: 'description'.
        amount_tolerance (int | Unset): Largest difference of amounts, in minor units (a gate). Default: 0.
        date_window (int | Unset): Largest difference of value dates, in days (a gate). Default: 3.
        description_contains (bool | Unset): Score when the line's description contains the ledger reference. Default:
            False.
        description_regex (None | str | Unset): A regular expression (Python syntax, case-insensitive) finding the
            reference in the line's description (its first group, or the whole match); one that does not compile is a 422 on
            this field. Needs `reference`.
        counterparty (None | str | Unset): The transfer metadata key whose value the line's counterparty must equal.
        weights (None | ReconWeightsIn | Unset): Each criterion's weight in the score.
        min_score (int | Unset): The lowest score (basis points) of a candidate. Default: 5000.
        margin (int | Unset): How far (basis points) the best candidate must beat the runner-up. Default: 1000.
        one_to_many (bool | Unset): Look for one line settling several entries. Default: True.
        many_to_one (bool | Unset): Look for several lines settling one entry. Default: True.
        max_group (int | Unset): Most members of a group. Default: 6.
    """

    reference: None | str | Unset = "description"
    amount_tolerance: int | Unset = 0
    date_window: int | Unset = 3
    description_contains: bool | Unset = False
    description_regex: None | str | Unset = UNSET
    counterparty: None | str | Unset = UNSET
    weights: None | ReconWeightsIn | Unset = UNSET
    min_score: int | Unset = 5000
    margin: int | Unset = 1000
    one_to_many: bool | Unset = True
    many_to_one: bool | Unset = True
    max_group: int | Unset = 6

    def to_dict(self) -> dict[str, Any]:
        from ..models.recon_weights_in import ReconWeightsIn

        reference: None | str | Unset
        if isinstance(self.reference, Unset):
            reference = UNSET
        else:
            reference = self.reference

        amount_tolerance = self.amount_tolerance

        date_window = self.date_window

        description_contains = self.description_contains

        description_regex: None | str | Unset
        if isinstance(self.description_regex, Unset):
            description_regex = UNSET
        else:
            description_regex = self.description_regex

        counterparty: None | str | Unset
        if isinstance(self.counterparty, Unset):
            counterparty = UNSET
        else:
            counterparty = self.counterparty

        weights: dict[str, Any] | None | Unset
        if isinstance(self.weights, Unset):
            weights = UNSET
        elif isinstance(self.weights, ReconWeightsIn):
            weights = self.weights.to_dict()
        else:
            weights = self.weights

        min_score = self.min_score

        margin = self.margin

        one_to_many = self.one_to_many

        many_to_one = self.many_to_one

        max_group = self.max_group

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if reference is not UNSET:
            field_dict["reference"] = reference
        if amount_tolerance is not UNSET:
            field_dict["amount_tolerance"] = amount_tolerance
        if date_window is not UNSET:
            field_dict["date_window"] = date_window
        if description_contains is not UNSET:
            field_dict["description_contains"] = description_contains
        if description_regex is not UNSET:
            field_dict["description_regex"] = description_regex
        if counterparty is not UNSET:
            field_dict["counterparty"] = counterparty
        if weights is not UNSET:
            field_dict["weights"] = weights
        if min_score is not UNSET:
            field_dict["min_score"] = min_score
        if margin is not UNSET:
            field_dict["margin"] = margin
        if one_to_many is not UNSET:
            field_dict["one_to_many"] = one_to_many
        if many_to_one is not UNSET:
            field_dict["many_to_one"] = many_to_one
        if max_group is not UNSET:
            field_dict["max_group"] = max_group

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.recon_weights_in import ReconWeightsIn

        d = dict(src_dict)

        def _parse_reference(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reference = _parse_reference(d.pop("reference", UNSET))

        amount_tolerance = d.pop("amount_tolerance", UNSET)

        date_window = d.pop("date_window", UNSET)

        description_contains = d.pop("description_contains", UNSET)

        def _parse_description_regex(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description_regex = _parse_description_regex(d.pop("description_regex", UNSET))

        def _parse_counterparty(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        counterparty = _parse_counterparty(d.pop("counterparty", UNSET))

        def _parse_weights(data: object) -> None | ReconWeightsIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                weights_type_0 = ReconWeightsIn.from_dict(data)

                return weights_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReconWeightsIn | Unset, data)

        weights = _parse_weights(d.pop("weights", UNSET))

        min_score = d.pop("min_score", UNSET)

        margin = d.pop("margin", UNSET)

        one_to_many = d.pop("one_to_many", UNSET)

        many_to_one = d.pop("many_to_one", UNSET)

        max_group = d.pop("max_group", UNSET)

        recon_rule_in = cls(
            reference=reference,
            amount_tolerance=amount_tolerance,
            date_window=date_window,
            description_contains=description_contains,
            description_regex=description_regex,
            counterparty=counterparty,
            weights=weights,
            min_score=min_score,
            margin=margin,
            one_to_many=one_to_many,
            many_to_one=many_to_one,
            max_group=max_group,
        )

        return recon_rule_in
