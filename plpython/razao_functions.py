"""The catalog of Razão's SQL functions: what the code-deploying migrations create (plain data only).

Each entry becomes `CREATE FUNCTION razao.<name>(<args>) RETURNS <returns> LANGUAGE plpython3u
<volatility> SECURITY DEFINER SET search_path = pg_catalog, public`, owned by razao_owner, with EXECUTE
revoked from PUBLIC and granted to razao_app; its generated body calls
`loader.call("<module>", "<function>", expected_version=..., <args by name>)` (see
`adapters.db.code_bundle`). The argument names are the entry functions' keyword arguments
(plpython/razao_entry.py, where each function documents its inputs, outputs and an example call).
Write functions are VOLATILE; read-only ones are STABLE.

The batch functions (`custom_plans`: expire_due, accrue_interest, accounts_with_policies, verify_ledger,
verify_part) and the group balances (group_balance, category_balance: a prefix's code range or a
category's subtree decides between a scan and index lookups) also get
`SET plan_cache_mode = force_custom_plan`. A backend keeps the prepared plans of its
statements, and after five runs PostgreSQL may keep a generic plan for good; a batch that starts while a
table is empty (the interest carry of a first accrual) would then scan it whole on every chunk as it grows
(the 1,000,000-account benchmark slowed from 530 to 220 accounts/s that way on a server without
autovacuum, which would otherwise have re-planned after its ANALYZE). Their statements run once per
chunk, so planning each one costs little.
"""

FUNCTIONS = [
    {
        "name": "post_transfers",
        "args": "expected_version text, requests jsonb",
        "returns": "jsonb",
        "entry": "razao_entry.post_transfers",
        "volatility": "VOLATILE",
        "security_definer": True,
    },
    {
        "name": "post_each",
        "args": "expected_version text, requests jsonb",
        "returns": "jsonb",
        "entry": "razao_entry.post_each",
        "volatility": "VOLATILE",
        "security_definer": True,
    },
    {
        "name": "post_pending",
        "args": "expected_version text, transfer_id uuid, amount numeric",
        "returns": "jsonb",
        "entry": "razao_entry.post_pending",
        "volatility": "VOLATILE",
        "security_definer": True,
    },
    {
        "name": "void_pending",
        "args": "expected_version text, transfer_id uuid",
        "returns": "jsonb",
        "entry": "razao_entry.void_pending",
        "volatility": "VOLATILE",
        "security_definer": True,
    },
    {
        "name": "reverse_transfer",
        "args": "expected_version text, request jsonb",
        "returns": "jsonb",
        "entry": "razao_entry.reverse_transfer",
        "volatility": "VOLATILE",
        "security_definer": True,
    },
    {
        "name": "expire_due",
        "args": "expected_version text, max_count integer",
        "returns": "jsonb",
        "entry": "razao_entry.expire_due",
        "volatility": "VOLATILE",
        "security_definer": True,
        "custom_plans": True,
    },
    {
        "name": "balance_as_of",
        "args": "expected_version text, account_id uuid, at timestamptz, basis text",
        "returns": "jsonb",
        "entry": "razao_entry.balance_as_of",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "statement",
        "args": (
            "expected_version text, account_id uuid, start_at timestamptz, end_at timestamptz,"
            " after_seq bigint, max_rows integer"
        ),
        "returns": "jsonb",
        "entry": "razao_entry.statement",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "value_statement",
        "args": (
            "expected_version text, account_id uuid, start_at timestamptz, end_at timestamptz,"
            " after_at timestamptz, after_seq bigint, max_rows integer"
        ),
        "returns": "jsonb",
        "entry": "razao_entry.value_statement",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "history",
        "args": "expected_version text, account_id uuid, first_day date, last_day date, basis text",
        "returns": "jsonb",
        "entry": "razao_entry.history",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "trial_balance",
        "args": "expected_version text, asset text, basis text, through date",
        "returns": "jsonb",
        "entry": "razao_entry.trial_balance",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "journal",
        "args": "expected_version text, start_at timestamptz, end_at timestamptz, after jsonb, max_rows integer",
        "returns": "jsonb",
        "entry": "razao_entry.journal_page",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "group_balance",
        "args": "expected_version text, prefix text, as_of timestamptz, basis text, after text, max_rows integer",
        "returns": "jsonb",
        "entry": "razao_entry.group_balance",
        "volatility": "STABLE",
        "security_definer": True,
        "custom_plans": True,
    },
    {
        "name": "category_balance",
        "args": "expected_version text, category_id uuid, as_of timestamptz, basis text, descendants boolean",
        "returns": "jsonb",
        "entry": "razao_entry.category_balance",
        "volatility": "STABLE",
        "security_definer": True,
        "custom_plans": True,
    },
    {
        "name": "accrue_interest",
        "args": (
            "expected_version text, account_ids jsonb, start_day date, end_day date,"
            " post_open boolean DEFAULT false"
        ),
        "returns": "jsonb",
        "entry": "razao_entry.accrue_interest",
        "volatility": "VOLATILE",
        "security_definer": True,
        "custom_plans": True,
    },
    {
        "name": "accounts_with_policies",
        "args": "expected_version text, after_id uuid, max_count integer",
        "returns": "jsonb",
        "entry": "razao_entry.accounts_with_policies",
        "volatility": "STABLE",
        "security_definer": True,
        "custom_plans": True,
    },
    {
        "name": "verify_ledger",
        "args": "expected_version text",
        "returns": "jsonb",
        "entry": "razao_entry.verify_ledger",
        "volatility": "STABLE",
        "security_definer": True,
        "custom_plans": True,
    },
    {
        "name": "verify_part",
        "args": "expected_version text, phase text, after_id uuid, max_count integer, progress jsonb,"
        " max_rows integer",
        "returns": "jsonb",
        "entry": "razao_entry.verify_part",
        "volatility": "STABLE",
        "security_definer": True,
        "custom_plans": True,
    },
    {
        "name": "kernel_info",
        "args": "expected_version text",
        "returns": "jsonb",
        "entry": "razao_entry.kernel_info",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "seal_journal",
        "args": "expected_version text, max_rows integer",
        "returns": "jsonb",
        "entry": "razao_seal_entry.seal_journal",
        "volatility": "VOLATILE",
        "security_definer": True,
    },
    {
        "name": "verify_seals",
        "args": "expected_version text, after_height bigint, max_blocks integer",
        "returns": "jsonb",
        "entry": "razao_seal_entry.verify_seals",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "seal_proof",
        "args": "expected_version text, transfer_id uuid",
        "returns": "jsonb",
        "entry": "razao_seal_entry.seal_proof",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "seal_status",
        "args": "expected_version text",
        "returns": "jsonb",
        "entry": "razao_seal_entry.seal_status",
        "volatility": "STABLE",
        "security_definer": True,
    },
    {
        "name": "recon_ledger_window",
        "args": (
            "expected_version text, account_id uuid, first_day date, last_day date, rule jsonb, run_id uuid,"
            " chunk integer"
        ),
        "returns": "jsonb",
        "entry": "razao_recon_entry.ledger_window",
        "volatility": "STABLE",
        "security_definer": True,
    },
]
