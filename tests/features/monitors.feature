Feature: Balance alerts
  A wallet's owner (or the merchant, or the finance team) asks to be told when a balance crosses a line:
  "tell me when less than R$ 10.00 is left", "tell me when the float goes above R$ 1,000.00". The ledger
  tells them once, when the balance crosses the line, and not again while it stays on that side; once the
  balance is back on the other side, the alert is ready to tell again. A hold counts, since the money it
  holds is not available. An alert set when the balance is already over the line tells at once.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Shop" in BRL
    And "Alice" receives R$ 50.00 through "Bank"

  Scenario: When a wallet's available balance drops below R$ 10.00, the owner is told once
    Given the owner of "Alice" asks to be told when its available balance is below R$ 10.00 as alert "low"
    When "Alice" sends R$ 45.00 to "Shop"
    And "Alice" sends R$ 1.00 to "Shop"
    Then the owner of "Alice" has been told:
      | alert | balance |
      | low   | R$ 5.00 |

  Scenario: After the balance recovers, the owner is told again the next time it drops
    Given the owner of "Alice" asks to be told when its available balance is below R$ 10.00 as alert "low"
    And "Alice" sends R$ 45.00 to "Shop"
    When "Alice" receives R$ 20.00 through "Bank"
    And "Alice" sends R$ 17.00 to "Shop"
    Then the owner of "Alice" has been told:
      | alert | balance |
      | low   | R$ 5.00 |
      | low   | R$ 8.00 |

  Scenario: A hold takes money out of the available balance, and releasing it rearms the alert
    Given the owner of "Alice" asks to be told when its available balance is below R$ 10.00 as alert "low"
    And the owner of "Alice" asks to be told when its held balance is at or above R$ 40.00 as alert "big hold"
    When "Alice" places a hold of R$ 42.00 for "Shop" as hold "stay-1"
    And hold "stay-1" is voided
    And "Alice" places a hold of R$ 41.00 for "Shop" as hold "stay-2"
    Then the owner of "Alice" has been told:
      | alert    | balance  |
      | low      | R$ 8.00  |
      | big hold | R$ 42.00 |
      | low      | R$ 9.00  |
      | big hold | R$ 41.00 |

  Scenario: The merchant is told when the takings go above a line
    Given the owner of "Shop" asks to be told when its posted balance is above R$ 40.00 as alert "banking day"
    When "Alice" sends R$ 30.00 to "Shop"
    And "Alice" sends R$ 15.00 to "Shop"
    Then the owner of "Shop" has been told:
      | alert       | balance  |
      | banking day | R$ 45.00 |

  Scenario: An alert set when the balance is already below the line tells at once
    Given a customer wallet "Carol" in BRL
    When the owner of "Carol" asks to be told when its available balance is below R$ 10.00 as alert "low"
    Then the owner of "Carol" has been told:
      | alert | balance |
      | low   | R$ 0.00 |

  Scenario: A refused payment tells nothing
    Given the owner of "Alice" asks to be told when its available balance is below R$ 10.00 as alert "low"
    When "Alice" sends R$ 500.00 to "Shop"
    Then it is refused: insufficient funds
    And the owner of "Alice" has not been told anything

  Scenario: A removed alert tells nothing more
    Given the owner of "Alice" asks to be told when its available balance is below R$ 10.00 as alert "low"
    When alert "low" of "Alice" is removed
    And "Alice" sends R$ 45.00 to "Shop"
    Then the owner of "Alice" has not been told anything

  Scenario: A closed wallet cannot be watched
    Given a customer wallet "Carol" in BRL
    And "Carol" is closed
    When the owner of "Carol" asks to be told when its available balance is below R$ 10.00 as alert "low"
    Then it is refused: it is not allowed in its current state
