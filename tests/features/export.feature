Feature: Exports
  Finance takes an account's statement out of the ledger as a spreadsheet (CSV) or as JSON Lines, to
  reconcile it or to hand it to the accountants. The export holds every line of the statement, with the
  amounts exactly as the ledger keeps them, however long the statement is: it always adds up to the
  statement and to the balance. A description that a spreadsheet would run as a formula is written as
  plain text, with a ' in front.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Shop" in BRL
    And "Alice" receives R$ 50.00 through "Bank"

  Scenario: An export adds up to the statement
    Given "Alice" sends R$ 12.34 to "Shop" for "Coffee beans"
    And "Alice" receives R$ 0.05 through "Bank" for "Cashback"
    And "Alice" sends R$ 7.00 to "Shop" for "=HYPERLINK(evil)"
    And "Alice" sends R$ 0.71 to "Shop" for "Tip"
    When finance exports the statement of "Alice" as a spreadsheet
    Then the spreadsheet shows:
      | description       | paid out | paid in  | balance  |
      |                   |          | R$ 50.00 | R$ 50.00 |
      | Coffee beans      | R$ 12.34 |          | R$ 37.66 |
      | Cashback          |          | R$ 0.05  | R$ 37.71 |
      | '=HYPERLINK(evil) | R$ 7.00  |          | R$ 30.71 |
      | Tip               | R$ 0.71  |          | R$ 30.00 |
    And the spreadsheet adds up to the statement of "Alice"
    And the export as JSON Lines has the same lines as the spreadsheet
