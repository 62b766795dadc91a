"""Contains all the data models used in inputs/outputs"""

from .account_in import AccountIn
from .account_out import AccountOut
from .account_out_metadata import AccountOutMetadata
from .account_page import AccountPage
from .account_status import AccountStatus
from .accrual_in import AccrualIn
from .asset_in import AssetIn
from .asset_list import AssetList
from .asset_out import AssetOut
from .asset_totals_out import AssetTotalsOut
from .attempt_out import AttemptOut
from .attempt_out_outcome import AttemptOutOutcome
from .balance_kind import BalanceKind
from .balance_out import BalanceOut
from .balances_out import BalancesOut
from .basis import Basis
from .batch_in import BatchIn
from .batch_out import BatchOut
from .block_out import BlockOut
from .bulk_in import BulkIn
from .bulk_item_out import BulkItemOut
from .bulk_item_out_problem_type_0 import BulkItemOutProblemType0
from .bulk_out import BulkOut
from .category_balance_out import CategoryBalanceOut
from .category_child_out import CategoryChildOut
from .category_in import CategoryIn
from .category_out import CategoryOut
from .category_out_metadata import CategoryOutMetadata
from .category_page import CategoryPage
from .category_patch import CategoryPatch
from .category_ref import CategoryRef
from .circuit_out import CircuitOut
from .circuit_out_state import CircuitOutState
from .close_in import CloseIn
from .comparison import Comparison
from .csv_columns import CsvColumns
from .csv_mapping_body import CsvMappingBody
from .csv_mapping_body_decimal_separator import CsvMappingBodyDecimalSeparator
from .csv_mapping_body_encoding import CsvMappingBodyEncoding
from .csv_mapping_body_sign import CsvMappingBodySign
from .csv_mapping_body_thousands_separator import CsvMappingBodyThousandsSeparator
from .csv_mapping_in import CsvMappingIn
from .csv_mapping_list import CsvMappingList
from .csv_mapping_out import CsvMappingOut
from .csv_mapping_out_mapping import CsvMappingOutMapping
from .day_balance_out import DayBalanceOut
from .day_count import DayCount
from .delivery_detail import DeliveryDetail
from .delivery_detail_state import DeliveryDetailState
from .delivery_out import DeliveryOut
from .delivery_out_state import DeliveryOutState
from .delivery_page import DeliveryPage
from .entry_out import EntryOut
from .entry_page import EntryPage
from .event_out import EventOut
from .event_out_data import EventOutData
from .event_page import EventPage
from .event_type import EventType
from .field_error import FieldError
from .function_stat_out import FunctionStatOut
from .function_stats_out import FunctionStatsOut
from .function_stats_out_kernel import FunctionStatsOutKernel
from .group_balance_out import GroupBalanceOut
from .history_out import HistoryOut
from .import_statement_body_type_0 import ImportStatementBodyType0
from .import_statement_body_type_1 import ImportStatementBodyType1
from .import_statement_body_type_1_format import ImportStatementBodyType1Format
from .interest_policy_history import InterestPolicyHistory
from .interest_policy_in import InterestPolicyIn
from .interest_policy_out import InterestPolicyOut
from .job_out import JobOut
from .job_out_errors_item import JobOutErrorsItem
from .job_out_params import JobOutParams
from .job_out_result_type_0 import JobOutResultType0
from .job_out_state import JobOutState
from .journal_line_out import JournalLineOut
from .journal_page import JournalPage
from .kernel_out import KernelOut
from .layer import Layer
from .line_proof_out import LineProofOut
from .list_reconciliation_results_side import ListReconciliationResultsSide
from .list_reconciliation_results_state_type_0 import (
    ListReconciliationResultsStateType0,
)
from .list_webhook_deliveries_state_type_0 import ListWebhookDeliveriesStateType0
from .live_out import LiveOut
from .member_page import MemberPage
from .metadata import Metadata
from .monitor_in import MonitorIn
from .monitor_list import MonitorList
from .monitor_out import MonitorOut
from .monitor_out_metadata import MonitorOutMetadata
from .no_params_in import NoParamsIn
from .period_balance_out import PeriodBalanceOut
from .period_balance_page import PeriodBalancePage
from .period_out import PeriodOut
from .period_out_status import PeriodOutStatus
from .period_page import PeriodPage
from .post_pending_in import PostPendingIn
from .posting_in import PostingIn
from .posting_out import PostingOut
from .prefix_child_out import PrefixChildOut
from .problem import Problem
from .problem_context_type_0 import ProblemContextType0
from .progress_out import ProgressOut
from .ready_out import ReadyOut
from .ready_out_checks import ReadyOutChecks
from .ready_out_kernel import ReadyOutKernel
from .recon_book_in import ReconBookIn
from .recon_booked_out import ReconBookedOut
from .recon_candidate_out import ReconCandidateOut
from .recon_match_in_type_0 import ReconMatchInType0
from .recon_match_in_type_1 import ReconMatchInType1
from .recon_match_out import ReconMatchOut
from .recon_match_out_origin import ReconMatchOutOrigin
from .recon_match_out_strategy import ReconMatchOutStrategy
from .recon_result_out import ReconResultOut
from .recon_result_out_side import ReconResultOutSide
from .recon_result_out_state import ReconResultOutState
from .recon_result_out_strategy_type_0 import ReconResultOutStrategyType0
from .recon_result_page import ReconResultPage
from .recon_rule_in import ReconRuleIn
from .recon_rule_set_in import ReconRuleSetIn
from .recon_rule_set_out import ReconRuleSetOut
from .recon_rule_set_out_rule import ReconRuleSetOutRule
from .recon_rule_set_page import ReconRuleSetPage
from .recon_run_in import ReconRunIn
from .recon_run_out import ReconRunOut
from .recon_run_out_balance_check_type_0 import ReconRunOutBalanceCheckType0
from .recon_run_out_rule import ReconRunOutRule
from .recon_run_out_state import ReconRunOutState
from .recon_run_out_summary_type_0 import ReconRunOutSummaryType0
from .recon_weights_in import ReconWeightsIn
from .reopen_in import ReopenIn
from .replica_out import ReplicaOut
from .resend_in import ResendIn
from .resend_out import ResendOut
from .reverse_in import ReverseIn
from .rotate_in import RotateIn
from .seal_status_out import SealStatusOut
from .secret_out import SecretOut
from .side import Side
from .statement_line_list import StatementLineList
from .statement_line_out import StatementLineOut
from .statement_line_out_direction import StatementLineOutDirection
from .statement_list import StatementList
from .statement_out import StatementOut
from .statement_out_format import StatementOutFormat
from .totals_out import TotalsOut
from .transfer_in import TransferIn
from .transfer_out import TransferOut
from .transfer_out_metadata import TransferOutMetadata
from .transfer_page import TransferPage
from .transfer_proof_out import TransferProofOut
from .transfer_status import TransferStatus
from .trial_balance_out import TrialBalanceOut
from .webhook_created import WebhookCreated
from .webhook_in_type_0 import WebhookInType0
from .webhook_in_type_1 import WebhookInType1
from .webhook_out import WebhookOut
from .webhook_page import WebhookPage
from .webhook_patch import WebhookPatch
from .webhook_patch_event_types_type_0_item import WebhookPatchEventTypesType0Item

__all__ = (
    "AccountIn",
    "AccountOut",
    "AccountOutMetadata",
    "AccountPage",
    "AccountStatus",
    "AccrualIn",
    "AssetIn",
    "AssetList",
    "AssetOut",
    "AssetTotalsOut",
    "AttemptOut",
    "AttemptOutOutcome",
    "BalanceKind",
    "BalanceOut",
    "BalancesOut",
    "Basis",
    "BatchIn",
    "BatchOut",
    "BlockOut",
    "BulkIn",
    "BulkItemOut",
    "BulkItemOutProblemType0",
    "BulkOut",
    "CategoryBalanceOut",
    "CategoryChildOut",
    "CategoryIn",
    "CategoryOut",
    "CategoryOutMetadata",
    "CategoryPage",
    "CategoryPatch",
    "CategoryRef",
    "CircuitOut",
    "CircuitOutState",
    "CloseIn",
    "Comparison",
    "CsvColumns",
    "CsvMappingBody",
    "CsvMappingBodyDecimalSeparator",
    "CsvMappingBodyEncoding",
    "CsvMappingBodySign",
    "CsvMappingBodyThousandsSeparator",
    "CsvMappingIn",
    "CsvMappingList",
    "CsvMappingOut",
    "CsvMappingOutMapping",
    "DayBalanceOut",
    "DayCount",
    "DeliveryDetail",
    "DeliveryDetailState",
    "DeliveryOut",
    "DeliveryOutState",
    "DeliveryPage",
    "EntryOut",
    "EntryPage",
    "EventOut",
    "EventOutData",
    "EventPage",
    "EventType",
    "FieldError",
    "FunctionStatOut",
    "FunctionStatsOut",
    "FunctionStatsOutKernel",
    "GroupBalanceOut",
    "HistoryOut",
    "ImportStatementBodyType0",
    "ImportStatementBodyType1",
    "ImportStatementBodyType1Format",
    "InterestPolicyHistory",
    "InterestPolicyIn",
    "InterestPolicyOut",
    "JobOut",
    "JobOutErrorsItem",
    "JobOutParams",
    "JobOutResultType0",
    "JobOutState",
    "JournalLineOut",
    "JournalPage",
    "KernelOut",
    "Layer",
    "LineProofOut",
    "ListReconciliationResultsSide",
    "ListReconciliationResultsStateType0",
    "ListWebhookDeliveriesStateType0",
    "LiveOut",
    "MemberPage",
    "Metadata",
    "MonitorIn",
    "MonitorList",
    "MonitorOut",
    "MonitorOutMetadata",
    "NoParamsIn",
    "PeriodBalanceOut",
    "PeriodBalancePage",
    "PeriodOut",
    "PeriodOutStatus",
    "PeriodPage",
    "PostPendingIn",
    "PostingIn",
    "PostingOut",
    "PrefixChildOut",
    "Problem",
    "ProblemContextType0",
    "ProgressOut",
    "ReadyOut",
    "ReadyOutChecks",
    "ReadyOutKernel",
    "ReconBookIn",
    "ReconBookedOut",
    "ReconCandidateOut",
    "ReconMatchInType0",
    "ReconMatchInType1",
    "ReconMatchOut",
    "ReconMatchOutOrigin",
    "ReconMatchOutStrategy",
    "ReconResultOut",
    "ReconResultOutSide",
    "ReconResultOutState",
    "ReconResultOutStrategyType0",
    "ReconResultPage",
    "ReconRuleIn",
    "ReconRuleSetIn",
    "ReconRuleSetOut",
    "ReconRuleSetOutRule",
    "ReconRuleSetPage",
    "ReconRunIn",
    "ReconRunOut",
    "ReconRunOutBalanceCheckType0",
    "ReconRunOutRule",
    "ReconRunOutState",
    "ReconRunOutSummaryType0",
    "ReconWeightsIn",
    "ReopenIn",
    "ReplicaOut",
    "ResendIn",
    "ResendOut",
    "ReverseIn",
    "RotateIn",
    "SealStatusOut",
    "SecretOut",
    "Side",
    "StatementLineList",
    "StatementLineOut",
    "StatementLineOutDirection",
    "StatementList",
    "StatementOut",
    "StatementOutFormat",
    "TotalsOut",
    "TransferIn",
    "TransferOut",
    "TransferOutMetadata",
    "TransferPage",
    "TransferProofOut",
    "TransferStatus",
    "TrialBalanceOut",
    "WebhookCreated",
    "WebhookInType0",
    "WebhookInType1",
    "WebhookOut",
    "WebhookPage",
    "WebhookPatch",
    "WebhookPatchEventTypesType0Item",
)
