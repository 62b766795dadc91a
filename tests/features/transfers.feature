Feature: Transfers
  A transfer moves money between accounts of the same currency. Every transfer balances: what leaves
  some accounts is exactly what arrives in others. ("Bank" mirrors our own bank account: money that
  customers receive through it is money we hold for them.)

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Bob" in BRL
    And a customer wallet "Carol" in BRL
    And "Alice" receives R$ 100.00 through "Bank" for "top-up"

  Scenario: A simple payment moves money from one wallet to another
    When "Alice" sends R$ 25.50 to "Bob" for "rent"
    Then "Alice" has a balance of R$ 74.50
    And "Bob" has a balance of R$ 25.50
    And "Bank" has a balance of R$ 100.00
    And the statement of "Alice" shows:
      | description | paid out | paid in   | balance   |
      | top-up      |          | R$ 100.00 | R$ 100.00 |
      | rent        | R$ 25.50 |           | R$ 74.50  |

  Scenario: One payment can be split between several wallets
    When a transfer is booked with these lines:
      | account | paid out | paid in  |
      | Alice   | R$ 30.00 |          |
      | Bob     |          | R$ 10.00 |
      | Carol   |          | R$ 20.00 |
    Then "Alice" has a balance of R$ 70.00
    And "Bob" has a balance of R$ 10.00
    And "Carol" has a balance of R$ 20.00

  Scenario: A transfer that does not add up is refused
    When a transfer is booked with these lines:
      | account | paid out | paid in  |
      | Alice   | R$ 30.00 |          |
      | Bob     |          | R$ 10.00 |
      | Carol   |          | R$ 19.99 |
    Then it is refused: the transfer does not balance
    And "Alice" has a balance of R$ 100.00
    And "Bob" has a balance of R$ 0.00

  Scenario: Money cannot move between currencies
    Given a customer wallet "Joe" in USD
    When "Alice" sends R$ 10.00 to "Joe"
    Then it is refused: the currencies do not match
    And "Alice" has a balance of R$ 100.00

  Scenario: A payment written in another currency than the wallets' is refused
    When "Alice" sends US$ 10.00 to "Bob"
    Then it is refused: the currencies do not match
    And "Bob" has a balance of R$ 0.00

  Scenario: A wallet cannot pay itself
    When "Alice" sends R$ 10.00 to "Alice"
    Then it is refused: the request is invalid

  Scenario: Amounts have no more decimals than their currency
    When "Alice" sends R$ 10.005 to "Bob"
    Then it is refused: the request is invalid
    And "Alice" has a balance of R$ 100.00

  Scenario: Currencies without cents are counted in whole units
    Given a settlement account "Tokyo Bank" in JPY
    And a customer wallet "Yuki" in JPY
    When "Yuki" receives ¥ 1500 through "Tokyo Bank"
    Then "Yuki" has a balance of ¥ 1500
