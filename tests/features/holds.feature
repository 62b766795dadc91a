Feature: Holds
  A hold reserves money for a payment that is not final yet, like a card authorisation at a hotel.
  The money stays in the wallet (its balance does not change) but it can no longer be spent
  (the available amount goes down). Later the hold is captured, in full or in part, or voided;
  a hold with a time limit expires by itself when the limit has passed. (The time limits here are
  seconds, so that the scenarios can really wait for them.)

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
    Given "Alice" places a hold of R$ 30.00 for "Hotel" that expires after 3 seconds as hold "stay-1"
    When 1 second passes
    Then hold "stay-1" is pending
    And "Alice" has R$ 70.00 available
    When 2 seconds pass
    Then hold "stay-1" is expired
    And "Alice" has a balance of R$ 100.00 with R$ 100.00 available
    And "Hotel" has a balance of R$ 0.00

  Scenario: An expired hold can no longer be captured
    Given "Alice" places a hold of R$ 30.00 for "Hotel" that expires after 1 second as hold "stay-1"
    And 2 seconds pass
    When hold "stay-1" is captured
    Then it is refused: it is not allowed in its current state
    And hold "stay-1" is expired
    And "Hotel" has a balance of R$ 0.00

  Scenario: Only the holds whose time is up expire
    Given "Alice" places a hold of R$ 20.00 for "Hotel" that expires after 2 seconds as hold "stay-2"
    And hold "stay-2" is captured
    And "Alice" places a hold of R$ 30.00 for "Hotel" that expires after 2 seconds as hold "stay-1"
    And "Alice" places a hold of R$ 10.00 for "Hotel" that expires after 1 hour as hold "stay-3"
    And "Alice" places a hold of R$ 5.00 for "Hotel" as hold "stay-4"
    When 3 seconds pass
    Then hold "stay-1" is expired
    And hold "stay-2" is posted
    And hold "stay-3" is pending
    And hold "stay-4" is pending
    And "Alice" has a balance of R$ 80.00 with R$ 65.00 available
    And "Hotel" has a balance of R$ 20.00

  Scenario: A hold on a frozen wallet still expires
    Given "Alice" places a hold of R$ 30.00 for "Hotel" that expires after 1 second as hold "stay-1"
    And "Alice" is frozen
    When 2 seconds pass
    Then hold "stay-1" is expired
    And "Alice" has R$ 100.00 available

  Scenario: A hold on a frozen wallet can still be voided
    Given "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    And "Alice" is frozen
    When hold "stay-1" is captured
    Then it is refused: the account is not active
    When hold "stay-1" is voided
    Then "Alice" has R$ 100.00 available
