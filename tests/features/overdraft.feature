Feature: Minimum balances and overdrafts
  Each wallet has a minimum balance. By default it is zero: a customer cannot spend more than they
  have. An overdraft limit lets the balance go negative down to the limit. Some internal accounts
  have no minimum at all.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Shop" in BRL

  Scenario: Without an overdraft a wallet can spend all its money and no more
    Given a customer wallet "Alice" in BRL
    And "Alice" receives R$ 100.00 through "Bank"
    When "Alice" sends R$ 100.01 to "Shop"
    Then it is refused: insufficient funds
    When "Alice" sends R$ 100.00 to "Shop"
    Then "Alice" has a balance of R$ 0.00

  Scenario: An overdraft lets the balance go negative down to the limit
    Given a customer wallet "Carol" in BRL with an overdraft limit of R$ 50.00
    And "Carol" receives R$ 10.00 through "Bank"
    When "Carol" sends R$ 60.00 to "Shop"
    Then "Carol" has a balance of R$ -50.00
    When "Carol" sends R$ 0.01 to "Shop"
    Then it is refused: insufficient funds
    And "Carol" has a balance of R$ -50.00

  Scenario: Holds count against the overdraft
    Given a customer wallet "Carol" in BRL with an overdraft limit of R$ 50.00
    And "Carol" places a hold of R$ 40.00 for "Shop" as hold "h-1"
    When "Carol" sends R$ 10.01 to "Shop"
    Then it is refused: insufficient funds
    And "Carol" has a balance of R$ 0.00 with R$ -40.00 available

  Scenario: A wallet without a minimum balance can go as low as needed
    Given a customer wallet "Fees" in BRL with no minimum balance
    When "Fees" sends R$ 1000000.00 to "Shop"
    Then "Fees" has a balance of R$ -1000000.00
