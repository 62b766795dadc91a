Feature: Holds
  A hold reserves money for a payment that is not final yet, like a card authorisation at a hotel.
  The money stays in the wallet (its balance does not change) but it can no longer be spent
  (the available amount goes down). Later the hold is captured, in full or in part, or voided;
  a hold with a time limit expires by itself when the limit has passed.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Hotel" in BRL
    And "Alice" receives R$ 100.00 through "Bank"

  Scenario: A hold reduces what can be spent, not the balance
    When "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    Then "Alice" has a balance of R$ 100.00 with R$ 70.00 available
    And "Hotel" has a balance of R$ 0.00 with R$ 0.00 available
    And hold "stay-1" is pending

  Scenario: Money on hold cannot be spent twice
    Given "Alice" places a hold of R$ 80.00 for "Hotel" as hold "stay-1"
    When "Alice" sends R$ 20.01 to "Hotel"
    Then it is refused: insufficient funds

  Scenario: Capturing a hold in full moves the money
    Given "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    When hold "stay-1" is captured
    Then "Alice" has a balance of R$ 70.00 with R$ 70.00 available
    And "Hotel" has a balance of R$ 30.00
    And hold "stay-1" is posted

  Scenario: Capturing part of a hold releases the rest
    Given "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    When hold "stay-1" is captured for R$ 22.50
    Then "Alice" has a balance of R$ 77.50 with R$ 77.50 available
    And "Hotel" has a balance of R$ 22.50

  Scenario: A capture cannot exceed the hold
    Given "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    When hold "stay-1" is captured for R$ 30.01
    Then it is refused: the request is invalid
    And hold "stay-1" is pending

  Scenario: Voiding a hold gives the money back
    Given "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    When hold "stay-1" is voided
    Then "Alice" has a balance of R$ 100.00 with R$ 100.00 available
    And hold "stay-1" is voided
    When hold "stay-1" is captured
    Then it is refused: it is not allowed in its current state

  Scenario: A hold expires only once its time limit has passed
    Given "Alice" places a hold of R$ 30.00 for "Hotel" that expires after 60 minutes as hold "stay-1"
    When 59 minutes pass
    Then hold "stay-1" is pending
    And "Alice" has R$ 70.00 available
    When 1 minute passes
    Then hold "stay-1" is expired
    And "Alice" has R$ 100.00 available

  Scenario: An expired hold can no longer be captured
    Given "Alice" places a hold of R$ 30.00 for "Hotel" that expires after 60 minutes as hold "stay-1"
    And 2 hours pass
    When hold "stay-1" is captured
    Then it is refused: it is not allowed in its current state
    And "Hotel" has a balance of R$ 0.00

  Scenario: A hold on a frozen wallet can still be voided
    Given "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    And "Alice" is frozen
    When hold "stay-1" is captured
    Then it is refused: the account is not active
    When hold "stay-1" is voided
    Then "Alice" has R$ 100.00 available
