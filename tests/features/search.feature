Feature: Search
  Finance looks for wallets and payments by what the business tagged them with (a customer's tier, an
  order number), by status, and by amount. Tags are compared as text: tier "3" is the text 3. Every search
  is answered from an index, however large the ledger grows; a search that would have to read every
  payment of the ledger is refused, with advice to narrow it (to one wallet, an order, or a month).

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL tagged with tier "gold"
    And a customer wallet "Bob" in BRL tagged with tier "silver"
    And a customer wallet "Carol" in BRL tagged with tier "gold"
    And a customer wallet "Shop" in BRL
    And "Alice" receives R$ 100.00 through "Bank"

  Scenario: Finance finds the wallets of a tier, and only the active ones
    Given "Carol" is frozen
    When finance searches the wallets tagged with tier "gold"
    Then the search finds the wallets "Alice, Carol"
    When finance searches the active wallets tagged with tier "gold"
    Then the search finds the wallets "Alice"

  Scenario: Finance finds the payments of an order, and a wallet's large payments
    Given "Alice" pays R$ 12.50 to "Shop" for order "A-1"
    And "Alice" pays R$ 80.00 to "Shop" for order "A-2"
    When finance searches the payments for order "A-1"
    Then the search finds the payments:
      | from  | to   | amount   |
      | Alice | Shop | R$ 12.50 |
    When finance searches the payments of "Alice" of at least R$ 50.00
    Then the search finds the payments:
      | from  | to    | amount    |
      | Alice | Shop  | R$ 80.00  |
      | Bank  | Alice | R$ 100.00 |

  Scenario: A search that would read every payment of the ledger is refused
    When finance searches every payment of at least R$ 50.00
    Then the search is refused: it needs a narrower filter on "amount_min"
