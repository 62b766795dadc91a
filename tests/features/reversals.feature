Feature: Reversals
  A booked payment is never edited or deleted. To undo it, we book its reversal: a new transfer that
  moves the same money back. A payment can be reversed once.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Bob" in BRL
    And a customer wallet "Carol" in BRL
    And "Alice" receives R$ 100.00 through "Bank"

  Scenario: Reversing a payment puts the money back
    Given "Alice" sends R$ 40.00 to "Bob" as payment "p-1"
    When payment "p-1" is reversed
    Then "Alice" has a balance of R$ 100.00
    And "Bob" has a balance of R$ 0.00
    And payment "p-1" is marked as reversed

  Scenario: A payment is reversed only once
    Given "Alice" sends R$ 40.00 to "Bob" as payment "p-1"
    And payment "p-1" is reversed
    When payment "p-1" is reversed
    Then it is refused: it is not allowed in its current state
    And "Alice" has a balance of R$ 100.00

  Scenario: A hold is voided, not reversed
    Given "Alice" places a hold of R$ 30.00 for "Bob" as hold "h-1"
    When hold "h-1" is reversed
    Then it is refused: it is not allowed in its current state

  Scenario: Reversing a partly captured hold returns what was captured
    Given "Alice" places a hold of R$ 30.00 for "Bob" as hold "h-1"
    And hold "h-1" is captured for R$ 10.00
    When hold "h-1" is reversed
    Then "Alice" has a balance of R$ 100.00 with R$ 100.00 available
    And "Bob" has a balance of R$ 0.00

  Scenario: A reversal needs the money to still be there
    Given "Alice" sends R$ 40.00 to "Bob" as payment "p-1"
    And "Bob" sends R$ 35.00 to "Carol"
    When payment "p-1" is reversed
    Then it is refused: insufficient funds
    And "Alice" has a balance of R$ 60.00
