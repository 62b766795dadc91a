@postgres_only
Feature: Reconciling the bank's statement with the books
  Every month the finance team checks the bank's statement against the books: each line the bank shows
  should be a payment we booked. The ledger pairs them by amount, date and reference. What it cannot pair
  is shown as unmatched, and when two payments fit a line equally well it does not guess: it leaves the
  line for a person to decide. A single bank line may pay several invoices at once. Matching never
  changes the books.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL

  Scenario: A bank fee with no ledger transfer shows as unmatched
    Given "Alice" paid R$ 125.00 into "Bank" on the 5th of last month for "INV-1"
    And the bank's statement of "Bank" shows R$ 125.00 in on the 5th of last month for "INV-1"
    And the bank's statement of "Bank" shows R$ 12.90 out on the 7th of last month for "TARIFA PACOTE"
    When the statement is reconciled
    Then line 1 of the statement is matched with 1 payment
    And line 2 of the statement is unmatched
    And the statement's closing balance differs from the books by -R$ 12.90
    And "Bank" has a balance of R$ 125.00

  Scenario: Two payments of the same amount on the same day are left for a person
    Given "Alice" paid R$ 42.00 into "Bank" on the 9th of last month
    And "Alice" paid R$ 42.00 into "Bank" on the 9th of last month
    And the bank's statement of "Bank" shows R$ 42.00 in on the 9th of last month
    When the statement is reconciled
    Then line 1 of the statement is left for a person, with 2 candidates

  Scenario: A bank line settling three invoices matches all three
    Given "Alice" paid R$ 10.00 into "Bank" on the 12th of last month for "LOT-7"
    And "Alice" paid R$ 20.00 into "Bank" on the 12th of last month for "LOT-7"
    And "Alice" paid R$ 35.00 into "Bank" on the 13th of last month for "LOT-7"
    And the bank's statement of "Bank" shows R$ 65.00 in on the 13th of last month for "LOT-7"
    When the statement is reconciled
    Then line 1 of the statement is matched with 3 payments
    And the statement's closing balance agrees with the books

  Scenario: A dry run reports without matching
    Given "Alice" paid R$ 125.00 into "Bank" on the 5th of last month for "INV-1"
    And the bank's statement of "Bank" shows R$ 125.00 in on the 5th of last month for "INV-1"
    When the statement is reconciled as a dry run
    Then line 1 of the statement is matched with 1 payment
    And no match is stored

  Scenario: A reference pattern that could keep the matcher busy for hours is refused
    When the finance team saves a matching rule that finds references with the pattern "(a|aa)+$"
    Then the rule is refused, naming its reference pattern
    When the finance team saves a matching rule that finds references with the pattern "NF\s*(\d+)"
    Then the rule is saved
