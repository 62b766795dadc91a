Feature: Closed accounting periods
  At the end of a month the finance team closes the books: from then on nothing may be booked with a date
  inside the closed month, so that the figures reported for it stay as they were. A payment dated in a
  closed month is refused, and so is capturing a hold placed with such a date. Payments dated today go
  through as always. The team can reopen the month, saying why; then the late payment is accepted.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Shop" in BRL
    And "Alice" receives R$ 50.00 through "Bank"

  Scenario: A closed month refuses a backdated posting
    Given the books are closed through the end of last month
    When "Alice" sends R$ 10.00 to "Shop" dated the 15th of last month
    Then it is refused: the period is closed
    And "Alice" has a balance of R$ 50.00

  Scenario: A payment dated today goes through after the close
    Given the books are closed through the end of last month
    When "Alice" sends R$ 10.00 to "Shop"
    Then "Alice" has a balance of R$ 40.00

  Scenario: Once the month is reopened, the backdated posting is accepted
    Given the books are closed through the end of last month
    And the finance team reopens last month because "a supplier invoice arrived late"
    When "Alice" sends R$ 10.00 to "Shop" dated the 15th of last month
    Then "Alice" has a balance of R$ 40.00

  Scenario: A hold dated in a month that has since been closed cannot be captured
    Given "Alice" places a hold of R$ 20.00 for "Shop" as hold "order-1" dated the 15th of last month
    And the books are closed through the end of last month
    When hold "order-1" is captured
    Then it is refused: the period is closed
    And hold "order-1" is pending
    And "Alice" has a balance of R$ 50.00 with R$ 30.00 available
