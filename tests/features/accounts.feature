Feature: Accounts
  Every customer has a wallet in one currency. A wallet can be frozen (for example while we look into
  fraud), unfrozen, and closed for good once it is empty.

  The "Bank" account mirrors our own bank account. When a customer receives money through it, the
  Bank balance grows by what we hold and the customer's wallet grows by what we owe them; a
  withdrawal does the opposite.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Bob" in BRL

  Scenario: A new wallet is active and empty
    When I open a customer wallet "Carol" in BRL
    Then "Carol" is active
    And "Carol" has a balance of R$ 0.00

  Scenario: Opening the same wallet twice gives back the first one
    When I open a customer wallet "Carol" in BRL
    And I open a customer wallet "Carol" in BRL
    Then there is one wallet called "Carol"

  Scenario: A wallet name cannot be reused with other details
    When I open a customer wallet "Alice" in USD
    Then it is refused: the account already exists with other details

  Scenario: Wallets need a currency we know
    When I open a customer wallet "Carol" in DOGE
    Then it is refused: the request is invalid

  Scenario: A frozen wallet can neither pay nor be paid
    Given "Alice" receives R$ 100.00 through "Bank"
    When "Alice" is frozen
    Then "Alice" is frozen
    When "Alice" sends R$ 10.00 to "Bob"
    Then it is refused: the account is not active
    When "Alice" receives R$ 10.00 through "Bank"
    Then it is refused: the account is not active
    And "Alice" has a balance of R$ 100.00

  Scenario: Unfreezing a wallet lets money move again
    Given "Alice" receives R$ 100.00 through "Bank"
    And "Alice" is frozen
    When "Alice" is unfrozen
    And "Alice" sends R$ 10.00 to "Bob"
    Then "Alice" is active
    And "Alice" has a balance of R$ 90.00

  Scenario: A wallet with money in it cannot be closed
    Given "Alice" receives R$ 0.01 through "Bank"
    When "Alice" is closed
    Then it is refused: it is not allowed in its current state
    And "Alice" is active

  Scenario: A wallet with a hold on it cannot be closed
    Given "Alice" receives R$ 50.00 through "Bank"
    And "Alice" places a hold of R$ 20.00 for "Bob" as hold "h-1"
    When "Bob" is closed
    Then it is refused: it is not allowed in its current state
    When hold "h-1" is voided
    And "Bob" is closed
    Then "Bob" is closed

  Scenario: An emptied wallet can be closed, and then accepts nothing
    Given "Alice" receives R$ 100.00 through "Bank"
    And "Alice" withdraws R$ 100.00 through "Bank"
    When "Alice" is closed
    Then "Alice" is closed
    When "Alice" receives R$ 10.00 through "Bank"
    Then it is refused: the account is not active

  Scenario: A closed wallet stays closed
    Given "Alice" is closed
    When "Alice" is unfrozen
    Then it is refused: it is not allowed in its current state
    When "Alice" is frozen
    Then it is refused: it is not allowed in its current state
    And "Alice" is closed
